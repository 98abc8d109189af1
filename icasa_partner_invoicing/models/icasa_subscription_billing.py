"""Who a subscription period is billed to: the billing service splits each
period between the end customer and the paying partner, sends each share
to its payer, and groups a partner's charges on one consolidated invoice
per period of its agreement."""

import logging
from collections import defaultdict
from decimal import Decimal

from odoo import Command, api, fields, models
from odoo.exceptions import UserError, ValidationError

from odoo.addons.icasa_ev_billing.models.cron_batch import commit_batch
from odoo.addons.icasa_ev_subscription.tools import ledger as ledger_math

from ..tools import payers as payer_math

_logger = logging.getLogger(__name__)


class IcasaSubscriptionBilling(models.AbstractModel):
    _inherit = "icasa.subscription.billing"

    # ------------------------------------------------------------------
    # Who pays each share of a period
    # ------------------------------------------------------------------

    @api.model
    def _document_lang(self, order):
        if order.icasa_payer_kind == "partner" and order.icasa_payer_id:
            return order.icasa_payer_id.lang or ""
        return super()._document_lang(order)

    @api.model
    def _period_payers(self, order, period, rows, parts_by_line, digits):
        """The end customer's and the partner's shares of a period. A line
        the partner pays in full (or not at all) keeps its parts as they are;
        a line split by a percentage is billed to each as its share of every
        part, the partner's share rounded half up and the end customer taking
        the rest, so that the two always add up to what the line served."""
        kind = order.icasa_payer_kind
        rules = order._icasa_split_dict()
        shares = {"customer": ({}, {}), "partner": ({}, {})}  # role: (parts, targets)
        for line, parts in parts_by_line.items():
            percent = payer_math.partner_percent(kind, rules, line.product_id.icasa_billing_role)
            if percent >= 100 or percent <= 0:
                whole, empty = ("partner", "customer") if percent >= 100 else ("customer", "partner")
                shares[whole][0][line] = [(*part, None) for part in parts]
                shares[whole][1][line.id] = ledger_math.parts_total(parts, line.discount, digits)
                shares[empty][0][line] = []
                shares[empty][1][line.id] = Decimal(0)
                continue
            amounts = [
                ledger_math.line_amount(quantity, amount, line.discount, digits) for _f, _l, quantity, amount in parts
            ]
            pieces = payer_math.split_parts(amounts, percent, digits)
            for role, index, share in (("partner", 0, percent), ("customer", 1, 100 - percent)):
                shares[role][0][line] = [
                    (first, last, 1, piece[index], share)
                    for (first, last, _q, _a), piece in zip(parts, pieces, strict=True)
                    if piece[index]
                ]
                shares[role][1][line.id] = sum((piece[index] for piece in pieces), Decimal(0))
        result = []
        for role in ("customer", "partner"):
            role_rows = rows.filtered(lambda r, role=role: r.payer_role == role)
            parts, targets = shares[role]
            pays = any(targets.values()) or any(parts.values())
            primary = role == ("partner" if kind == "partner" else "customer")
            if not (pays or role_rows or primary):
                continue
            payer = self._role_payer(order, role, role_rows)
            result.append(
                {
                    "role": role,
                    "partner": payer,
                    "rows": role_rows,
                    "parts": parts,
                    "targets": targets,
                    "row_values": {"payer_role": role, "payer_id": payer.id},
                    "one_time": primary,
                    "consolidate": self._consolidating_agreement(order, role, payer),
                }
            )
        return result

    @api.model
    def _role_payer(self, order, role, rows):
        """Who receives the documents of one share: the payer a period was
        first billed to keeps its corrections; a new period goes to today's payer."""
        first = rows.filtered(lambda r: r.live and r.billing_key and r.payer_id)[:1] or rows.filtered("payer_id")[:1]
        if first:
            return first.payer_id
        if role == "partner":
            return order.icasa_payer_id
        return order.partner_invoice_id

    @api.model
    def _consolidating_agreement(self, order, role, payer):
        agreement = order.icasa_agreement_id
        if role == "partner" and agreement.consolidate and agreement.partner_id == payer:
            return agreement
        return self.env["icasa.partner.agreement"]

    # ------------------------------------------------------------------
    # Documents to the payer
    # ------------------------------------------------------------------

    @api.model
    def _prepare_move(self, spec, today, context):
        vals = super()._prepare_move(spec, today, context)
        order, payer = spec["order"], spec["payer"]
        if payer["role"] == "partner":
            vals.update(order._icasa_payer_invoice_values(payer["partner"]))
            vals["icasa_agreement_id"] = order.icasa_agreement_id.id
        else:
            vals.update(
                partner_id=payer["partner"].id,
                fiscal_position_id=order.fiscal_position_id.id,
                invoice_payment_term_id=order.payment_term_id.id,
                icasa_end_customer_id=order.partner_id.id,
            )
        return vals

    @api.model
    def _prepare_move_lines(self, spec, context):
        """A partner's share is taxed as the partner is: the line taxes are
        mapped by the partner's fiscal position."""
        lines = super()._prepare_move_lines(spec, context)
        order, payer = spec["order"], spec["payer"]
        position = self._payer_fiscal_position(order, payer)
        for vals in lines:
            vals["icasa_end_customer_id"] = order.partner_id.id
            if position is not None:
                product = self.env["product.product"].browse(vals.get("product_id"))
                taxes = product.taxes_id.filtered(lambda t: t.company_id == order.company_id)
                vals["tax_ids"] = [Command.set(position.map_tax(taxes).ids)]
        return lines

    @api.model
    def _payer_fiscal_position(self, order, payer):
        """The partner's fiscal position when it differs from the order's, else None."""
        if payer["role"] != "partner":
            return None
        partner = self.env["res.partner"].browse(payer["partner"].address_get(["invoice"])["invoice"])
        position = self.env["account.fiscal.position"].with_company(order.company_id)._get_fiscal_position(partner)
        return None if position == order.fiscal_position_id else position

    # ------------------------------------------------------------------
    # Consolidated partner invoices
    # ------------------------------------------------------------------

    @api.model
    def _make_moves(self, Move, specs, today, context):
        """A partner's charges go on its open consolidated invoice for the
        period of today (one draft per agreement, currency and period). A
        credit of what such an invoice billed is a credit note of its own."""
        grouped = defaultdict(list)
        others = []
        for spec in specs:
            agreement = spec["payer"].get("consolidate")
            if agreement and spec["sign"] > 0:
                grouped[(agreement, spec["order"].currency_id)].append(spec)
            else:
                others.append(spec)
        made = super()._make_moves(Move, others, today, context)
        for (agreement, currency), group in grouped.items():
            made += self._consolidate(Move, agreement, currency, group, today, context)
        return made

    @api.model
    def _open_consolidated(self, Move, agreement, currency, today, context):
        first, last = payer_math.consolidation_bounds(today, agreement.consolidation_interval)
        draft = Move.search(
            [
                ("icasa_agreement_id", "=", agreement.id),
                ("icasa_consolidated", "=", True),
                ("state", "=", "draft"),
                ("move_type", "=", "out_invoice"),
                ("currency_id", "=", currency.id),
                ("icasa_consolidation_start", "=", first),
            ],
            limit=1,
        )
        if draft:
            return draft
        partner = self.env["res.partner"].browse(agreement.partner_id.address_get(["invoice"])["invoice"])
        company = Move.env.company
        position = self.env["account.fiscal.position"].with_company(company)._get_fiscal_position(partner)
        journals = context["journals"]
        journal = (
            journals.filtered(lambda j: j.currency_id == currency) or journals.filtered(lambda j: not j.currency_id)
        )[:1]
        return Move.create(
            {
                "move_type": "out_invoice",
                "partner_id": partner.id,
                "currency_id": currency.id,
                "journal_id": journal.id,
                "fiscal_position_id": position.id,
                "invoice_payment_term_id": agreement.partner_id.with_company(company).property_payment_term_id.id,
                "invoice_origin": agreement.name,
                "icasa_agreement_id": agreement.id,
                "icasa_consolidated": True,
                "icasa_consolidation_start": first,
                "icasa_consolidation_end": last,
            }
        )

    @api.model
    def _consolidate(self, Move, agreement, currency, specs, today, context):
        """Add the charges of ``specs`` to the agreement's open consolidated
        invoice, each line naming its end customer, asset and period. A
        charge of a period the invoice already bills adds to that period's row."""
        draft = self._open_consolidated(Move, agreement, currency, today, context)
        Period = self.env["icasa.subscription.period"].sudo()  # the engine writes the ledger
        commands, made = [], []
        digits = currency.decimal_places
        for spec in sorted(specs, key=lambda s: (s["order"].partner_id.display_name or "", s["order"].id)):
            lines = self._prepare_move_lines(spec, context)
            amount = float(
                sum(
                    (
                        ledger_math.line_amount(v["quantity"], v["price_unit"], v.get("discount", 0.0), digits)
                        for v in lines
                    ),
                    Decimal(0),
                )
            )
            for vals in lines:
                vals["name"] = self._consolidated_label(spec["order"], vals)
                commands.append(Command.create(vals))
            existing = Period.search(
                [
                    ("move_id", "=", draft.id),
                    ("order_id", "=", spec["order"].id),
                    ("period_start", "=", spec["period"].start),
                    ("payer_role", "=", spec["payer"]["role"]),
                    ("live", "=", True),
                ],
                limit=1,
            )
            if existing:
                merged = dict(existing.line_amounts or {})
                for key, value in (spec.get("line_amounts") or {}).items():
                    merged[key] = merged.get(key, 0.0) + value
                existing.write({"line_amounts": merged, "amount_untaxed": existing.amount_untaxed + amount})
            else:
                made.append((spec, draft, amount))
        draft.write({"invoice_line_ids": commands})
        return made

    @api.model
    def _consolidated_label(self, order, vals):
        """A consolidated line names its end customer and, when the line
        serves an installed asset, the asset's site; the line's own label
        names the product, the asset and the period."""
        customer = order.partner_id.display_name
        line = self.env["sale.order.line"].browse(vals.get("icasa_subscription_line_id"))
        site = line.icasa_asset_id.site_partner_id
        if site and site != order.partner_id:
            return self.env._(
                "%(customer)s, %(site)s - %(line)s",
                customer=customer,
                site=site._display_address(without_company=True).replace("\n", ", ") or site.display_name,
                line=vals["name"],
            )
        return self.env._("%(customer)s - %(line)s", customer=customer, line=vals["name"])

    @api.model
    def _cron_post_consolidated(self, today=None):
        """Post the consolidated invoices whose period has ended, one
        invoice at a time: one that cannot be posted is reported on its
        chatter and left in draft."""
        today = today or fields.Date.context_today(self)
        drafts = self.env["account.move"].search(
            [
                ("icasa_consolidated", "=", True),
                ("state", "=", "draft"),
                ("icasa_consolidation_end", "<", today),
                ("icasa_agreement_id.auto_post", "=", True),
            ]
        )
        posted = self.env["account.move"]
        for move in drafts:
            try:
                with self.env.cr.savepoint():
                    move.invoice_date = move.invoice_date or today
                    move.with_company(move.company_id)._post(soft=False)
                    posted |= move
            except (UserError, ValidationError) as error:
                move.message_post(
                    body=self.env._(
                        "Could not post this consolidated invoice: %(error)s",
                        error=error.args[0] if error.args else error,
                    )
                )
            except Exception:  # a bug of ours: logged with its traceback, the others are posted
                _logger.exception("Posting consolidated invoice %s failed", move.id)
            commit_batch(self.env)
        return posted
