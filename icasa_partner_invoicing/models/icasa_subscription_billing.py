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
        """A partner's charges under a consolidating agreement are recorded in
        the ledger as charges to consolidate, with their invoice lines; the
        consolidation run puts them on one invoice per agreement and period.
        Each worker writes only the rows of its own subscriptions, so parallel
        runs never wait on one shared invoice. A credit of a period already on
        a consolidated invoice is a credit note of its own."""
        pending, others = [], []
        for spec in specs:
            agreement = spec["payer"].get("consolidate")
            rows = spec["payer"]["rows"].filtered(lambda r: r.live and r.kind != "refund")
            if agreement and (spec["sign"] > 0 or not rows.filtered("move_id")):
                pending.append(spec)
            else:
                others.append(spec)
        made = super()._make_moves(Move, others, today, context)
        for spec in pending:
            lines = [self._pending_line(spec["order"], vals) for vals in self._prepare_move_lines(spec, context)]
            if spec["sign"] < 0:
                # a credit of a charge not invoiced yet: negative lines on the same consolidated invoice
                for vals in lines:
                    vals["price_unit"] = -vals["price_unit"]
            spec["pending_lines"] = lines
            spec["consolidation_date"] = today
            amount = self._lines_amount(lines, spec["order"].currency_id)
            open_row = spec["payer"]["rows"].filtered(lambda r: r.live and r.pending_lines and not r.move_id)[:1]
            if open_row:
                # one charge row per period and payer until it is consolidated
                merged = dict(open_row.line_amounts or {})
                for key, value in (spec.get("line_amounts") or {}).items():
                    merged[key] = merged.get(key, 0.0) + value
                open_row.write(
                    {
                        "line_amounts": merged,
                        "amount_untaxed": open_row.amount_untaxed + amount,
                        "pending_lines": open_row.pending_lines + lines,
                    }
                )
                continue
            made.append((spec, Move, amount))
        return made

    @api.model
    def _pending_line(self, order, vals):
        """Invoice line values kept in the ledger until consolidation (JSON)."""
        line = dict(vals)
        line["name"] = self._consolidated_label(order, vals)
        for key in ("tax_ids", "sale_line_ids"):
            commands = line.pop(key, None) or []
            ids = []
            for command in commands:
                if command[0] == Command.SET:
                    ids = list(command[2])
                elif command[0] == Command.LINK:
                    ids.append(command[1])
            line[key] = ids
        for key, value in list(line.items()):
            if hasattr(value, "isoformat"):
                line[key] = value.isoformat()
        return line

    @api.model
    def _lines_amount(self, lines, currency):
        return float(
            sum(
                (
                    ledger_math.line_amount(
                        v["quantity"], v["price_unit"], v.get("discount", 0.0), currency.decimal_places
                    )
                    for v in lines
                ),
                Decimal(0),
            )
        )

    @api.model
    def _row_values(self, spec, amount, move_id=False, sale_order_id=False):
        values = super()._row_values(spec, amount, move_id=move_id, sale_order_id=sale_order_id)
        if spec.get("pending_lines") is not None and not move_id:
            values.update(
                pending_lines=spec["pending_lines"],
                consolidation_date=spec["consolidation_date"],
                agreement_id=spec["payer"]["consolidate"].id,
            )
        return values

    @api.model
    def _consolidated_label(self, order, vals):
        """A consolidated line names, under its product, the end customer and,
        when the line serves an installed asset, the asset's site, then the
        period (and the asset) of the line's own label."""
        product, _sep, detail = (vals.get("name") or "").partition("\n")
        who = order.partner_id.display_name
        line = self.env["sale.order.line"].browse(vals.get("icasa_subscription_line_id"))
        site = line.icasa_asset_id.site_partner_id
        if site and site != order.partner_id:
            address = site._display_address(without_company=True).replace("\n", ", ").strip(", ")
            who = self.env._("%(customer)s, %(site)s", customer=who, site=address or site.display_name)
        if not detail:
            return self.env._("%(line)s (%(customer)s)", line=product, customer=who)
        return f"{product}\n" + self.env._("%(customer)s: %(detail)s", customer=who, detail=detail)

    # ------------------------------------------------------------------
    # The consolidation run
    # ------------------------------------------------------------------

    @api.model
    def _cron_consolidate(self, today=None, agreements=None, ended_only=True):
        """Put the charges to consolidate on one invoice per agreement,
        currency and period: the periods that ended before ``today`` (all of
        them with ``ended_only=False``, for *Consolidate Now*). Agreements
        are locked with SKIP LOCKED, so parallel runs split them; each one is
        consolidated in its own savepoint, and committed outside tests."""
        today = today or fields.Date.context_today(self)
        Period = self.env["icasa.subscription.period"].sudo()  # the engine reads and writes the ledger
        agreement_ids = Period.search(Period._icasa_to_consolidate_domain(agreements)).agreement_id.ids
        invoices = self.env["account.move"]
        for agreement_id in agreement_ids:
            self.env.cr.execute(
                "SELECT id FROM icasa_partner_agreement WHERE id = %s FOR UPDATE SKIP LOCKED", [agreement_id]
            )
            if not self.env.cr.fetchone():
                continue  # another worker consolidates it
            agreement = self.env["icasa.partner.agreement"].browse(agreement_id)
            try:
                with self.env.cr.savepoint():
                    invoices |= self._consolidate_agreement(agreement, today, ended_only)
            except (UserError, ValidationError) as error:
                agreement.message_post(
                    body=self.env._(
                        "Could not make the consolidated invoice: %(error)s",
                        error=error.args[0] if error.args else error,
                    )
                )
            except Exception:  # a bug of ours: logged with its traceback, the other agreements go on
                _logger.exception("Consolidating agreement %s failed", agreement.name)
            commit_batch(self.env)
        return invoices

    @api.model
    def _consolidate_agreement(self, agreement, today, ended_only):
        Period = self.env["icasa.subscription.period"].sudo()  # the engine writes the ledger
        rows = Period.search(Period._icasa_to_consolidate_domain(agreement))
        groups = defaultdict(lambda: Period)
        for row in rows:
            first, last = payer_math.consolidation_bounds(row.consolidation_date, agreement.consolidation_interval)
            if ended_only and last >= today:
                continue
            groups[(row.company_id, row.currency_id, first, last)] |= row
        invoices = self.env["account.move"]
        for (company, currency, first, last), group in groups.items():
            invoice = self._consolidated_invoice(agreement, company, currency, first, last, group)
            group.write({"move_id": invoice.id, "pending_lines": False})
            if agreement.auto_post and ended_only:
                values = {"invoice_date": today}
                if not invoice.invoice_payment_term_id:
                    values["invoice_date_due"] = today  # due on its date, not on the day the draft was made
                invoice.write(values)
                invoice._post(soft=False)
            invoices |= invoice
        return invoices

    @api.model
    def _consolidated_invoice(self, agreement, company, currency, first, last, rows):
        Move = (
            self.env["account.move"]
            .with_company(company)
            .with_context(
                default_move_type="out_invoice",
                icasa_engine=True,
                tracking_disable=True,
                lang=agreement.partner_id.lang,
            )
        )
        partner = self.env["res.partner"].browse(agreement.partner_id.address_get(["invoice"])["invoice"])
        position = self.env["account.fiscal.position"].with_company(company)._get_fiscal_position(partner)
        journals = self._invoice_context(company)["journals"]
        journal = (
            journals.filtered(lambda j: j.currency_id == currency) or journals.filtered(lambda j: not j.currency_id)
        )[:1]
        lines, sale_line_ids = [], []
        for row in rows.sorted(lambda r: (r.order_id.partner_id.display_name or "", r.order_id.id, r.period_start)):
            for vals in row.pending_lines:
                values = dict(vals)
                sale_line_ids += values.get("sale_line_ids") or []
                values["tax_ids"] = [Command.set(values.get("tax_ids") or [])]
                values["sale_line_ids"] = [Command.set(values.get("sale_line_ids") or [])]
                lines.append(Command.create(values))
        # Creating the lines reads each line's order line on its own (its order, its
        # analytic distribution), a query a line: one read of them all fills the cache
        self.env["sale.order.line"].browse(sale_line_ids).mapped("order_id")
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
                "invoice_line_ids": lines,
            }
        )
