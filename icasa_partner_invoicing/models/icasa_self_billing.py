"""The self-billing service: brings the revenue share ledger in line with
the customer invoices, and bills each partner's shares once a month on a
vendor bill of its own (self-billing), with the statement of the shares.

Kept apart from the agreement as ``icasa.subscription.billing`` is kept
apart from ``sale.order``: the agreement holds the terms, this service turns
them into ledger rows and bills, and is the only writer of the ledger."""

import logging
from collections import defaultdict
from datetime import date
from decimal import Decimal

from odoo import Command, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.osv import expression
from odoo.tools import SQL, format_date

from odoo.addons.icasa_ev_billing.models.cron_batch import commit_batch

from ..tools import revenue_share as share_math

_logger = logging.getLogger(__name__)

CUSTOMER_TYPES = ("out_invoice", "out_refund")


class IcasaSelfBilling(models.AbstractModel):
    _name = "icasa.self.billing"
    _description = "Self-Billing Service"

    # ------------------------------------------------------------------
    # The run
    # ------------------------------------------------------------------

    @api.model
    def _cron_self_billing(self, today=None):
        """The monthly run: for every agreement with a revenue share, bring
        its ledger up to date and bill the month before ``today``. Each
        agreement in a savepoint of its own, committed outside tests."""
        today = today or fields.Date.context_today(self)
        agreements = self.env["icasa.partner.agreement"].search([("share_rule_ids", "!=", False)])
        return self._run(agreements, today, commit=True)

    @api.model
    def _run(self, agreements, today, commit=False):
        """Bill the month before ``today`` for ``agreements``. An agreement
        that fails is reported on its chatter and skipped; the others go on.
        Returns the bills made."""
        period_start, period_end = share_math.previous_month(today)
        bills = self.env["account.move"]
        done = 0
        for agreement in agreements:
            message = None
            try:
                with self.env.cr.savepoint(flush=True):
                    if self._lock(agreement):
                        bills |= self._run_agreement(agreement, period_start, period_end, today)
            except (UserError, ValidationError) as error:
                message = str(error.args[0]) if error.args else str(error)
                _logger.info("Self-billing of agreement %s refused: %s", agreement.name, message)
            except Exception as error:  # a bug of ours: logged with its traceback, the run goes on
                _logger.exception("Self-billing of agreement %s failed with an unexpected error", agreement.name)
                # computed before the call: Babel (Python 3.11) cannot extract a call with an f-string in it
                detail = f"{type(error).__name__}: {error}"
                message = self.env._(
                    "Unexpected error (%(error)s). The server log has the details; please report it.", error=detail
                )
            if message:
                self._report_error(agreement, period_start, message)
            done += 1
            self.env["ir.cron"]._notify_progress(done=done, remaining=len(agreements) - done)
            if commit:
                commit_batch(self.env)
        return bills

    @api.model
    def _lock(self, agreement):
        """Lock the agreement for this transaction; False when another
        worker holds it (that worker bills it)."""
        self.env.cr.execute(
            SQL("SELECT id FROM icasa_partner_agreement WHERE id = %s FOR UPDATE SKIP LOCKED", agreement.id)
        )
        return bool(self.env.cr.fetchone())

    @api.model
    def _report_error(self, agreement, period_start, message):
        try:
            with self.env.cr.savepoint(flush=True):
                agreement.message_post(
                    body=self.env._(
                        "Self-billing of %(month)s failed: %(error)s",
                        month=format_date(self.env, period_start, date_format="MMMM y"),
                        error=message,
                    )
                )
        except Exception:  # a report that fails never undoes the run: logged with its traceback
            _logger.exception("Could not report the self-billing error of %s on its chatter", agreement.name)

    @api.model
    def _for(self, agreement):
        """This service in the agreement's company, in its partner's language."""
        return self.with_company(agreement.company_id).with_context(
            lang=agreement.partner_id.lang or self.env.context.get("lang")
        )

    @api.model
    def _run_agreement(self, agreement, period_start, period_end, today):
        service = self._for(agreement)
        agreement = agreement.with_env(service.env)
        service._sync_agreement(agreement, period_end, today)
        return service._bill_agreement(agreement, period_start, period_end, today)

    @api.model
    def _sync(self, agreements, today):
        """Bring the ledger of ``agreements`` up to date on ``today``, without billing."""
        for agreement in agreements:
            service = self._for(agreement)
            service._sync_agreement(agreement.with_env(service.env), today, today)

    # ------------------------------------------------------------------
    # The ledger: shares of invoice lines
    # ------------------------------------------------------------------

    @api.model
    def _ledger(self):
        # the ledger is written by this service only (users read it), whoever runs it
        return self.env["icasa.revenue.share"].sudo().with_context(icasa_self_billing=True)

    @api.model
    def _sync_agreement(self, agreement, cutoff, today):
        """Shares of the customer invoice lines up to ``cutoff`` and fixed
        amounts of the months up to ``cutoff``'s."""
        self._sync_lines(agreement, cutoff, today)
        self._sync_fixed(agreement, cutoff, today)

    @api.model
    def _end_customers(self, agreement):
        return (
            self.env["res.partner"]
            .with_context(active_test=False)
            .search(
                [
                    "|",
                    ("icasa_agreement_id", "=", agreement.id),
                    ("commercial_partner_id.icasa_agreement_id", "=", agreement.id),
                ]
            )
        )

    @api.model
    def _sites(self, agreement):
        """The addresses of the partner (its company and every contact of it)."""
        return (
            self.env["res.partner"]
            .with_context(active_test=False)
            .search([("id", "child_of", agreement.partner_id.commercial_partner_id.id)])
        )

    @api.model
    def _scope_line_domain(self, agreement):
        """The customer invoice lines of the agreement's scope."""
        if agreement.share_scope == "sites":
            sites = self._sites(agreement).ids
            orders = (
                self.env["icasa.installed.asset"]
                .with_context(active_test=False)
                .search([("site_partner_id", "in", sites), ("order_id", "!=", False)])
                .order_id.ids
            )
            return [
                "|",
                "|",
                "|",
                "|",
                "|",
                ("move_id.partner_shipping_id", "in", sites),
                ("icasa_subscription_line_id.icasa_asset_id.site_partner_id", "in", sites),
                ("icasa_subscription_line_id.order_id", "in", orders),
                ("sale_line_ids.order_id", "in", orders),
                ("icasa_subscription_line_id.order_id.partner_shipping_id", "in", sites),
                ("sale_line_ids.order_id.partner_shipping_id", "in", sites),
            ]
        customers = self._end_customers(agreement).ids
        return [
            "|",
            "|",
            "|",
            "|",
            ("icasa_end_customer_id", "in", customers),
            ("move_id.icasa_end_customer_id", "in", customers),
            ("move_id.partner_id", "in", customers),
            ("sale_line_ids.order_id.icasa_agreement_id", "=", agreement.id),
            ("icasa_subscription_line_id.order_id.icasa_agreement_id", "=", agreement.id),
        ]

    @api.model
    def _candidate_lines(self, agreement, cutoff):
        """Posted customer lines that may earn a new share, and every line
        whose ledger may have to change (an open share, a reversal not billed)."""
        rules = agreement.share_rule_ids.filtered(lambda r: r.share_kind == "percent")
        Line = self.env["account.move.line"]
        lines = Line
        if rules:
            domain = expression.AND(
                [
                    [
                        ("company_id", "=", agreement.company_id.id),
                        ("move_id.move_type", "in", CUSTOMER_TYPES),
                        ("parent_state", "=", "posted"),
                        ("display_type", "=", "product"),
                        ("move_id.invoice_date", "<=", cutoff),
                    ],
                    expression.OR([rule._product_domain() for rule in rules]),
                    self._scope_line_domain(agreement),
                ]
            )
            lines = Line.search(domain)
        pending = self._ledger().search(
            [
                ("agreement_id", "=", agreement.id),
                ("move_line_id", "!=", False),
                "|",
                ("is_open", "=", True),
                "&",
                ("kind", "=", "reversal"),
                ("bill_id", "=", False),
            ]
        )
        # in document order: the ledger reads like the invoices
        return (lines | pending.move_line_id).sorted(
            lambda line: (line.move_id.invoice_date or date.min, line.move_id.id, line.sequence, line.id)
        )

    @api.model
    def _sync_lines(self, agreement, cutoff, today):
        Ledger = self._ledger()
        lines = self._candidate_lines(agreement, cutoff)
        if not lines:
            return
        partner = agreement.partner_id
        rows_by_line = defaultdict(lambda: Ledger)
        others = set()
        for row in Ledger.search([("partner_id", "=", partner.id), ("move_line_id", "in", lines.ids)], order="id"):
            if row.agreement_id == agreement:
                rows_by_line[row.move_line_id.id] |= row
            else:
                others.add(row.move_line_id.id)
        rules = agreement.share_rule_ids.filtered(lambda r: r.share_kind == "percent")
        currency = agreement.company_id.currency_id
        for line in lines:
            rows = rows_by_line[line.id]
            if not rows and line.id in others:
                continue  # earned by another agreement of the same partner
            shares = rows.filtered(lambda r: r.kind == "share")
            if shares:
                rule, percent = shares[-1].rule_id, shares[-1].percent
            else:
                if not self._line_in_period(agreement, line, cutoff):
                    continue
                origin = self._origin_share(agreement, line)
                if origin:
                    # a credit note gives back what its invoice earned, at that invoice's percent
                    rule, percent = origin.rule_id, origin.percent
                else:
                    rule = next((r for r in rules if r._matches_product(line.product_id)), None)
                    if rule is None:
                        continue
                    percent = rule.percent
            target = None
            if self._line_counts(agreement, line):
                base = share_math.quantize(-line.balance, currency.decimal_places)
                target = share_math.share_of(base, percent, currency.decimal_places)
            opened = shares.filtered("is_open")
            reopenable = Ledger
            if not opened:
                reopenable = rows.filtered(lambda r: r.kind == "reversal" and not r.bill_id)[-1:]
            actions = share_math.plan_line(
                target,
                (Decimal(str(opened.amount)), bool(opened.bill_id)) if opened else None,
                Decimal(str(-reopenable.amount)) if reopenable else None,
            )
            for action, amount in actions:
                if action == share_math.DROP:
                    opened.unlink()
                elif action == share_math.REVERSE:
                    self._reverse(opened, self._why_not_counted(agreement, line, target), today)
                elif action == share_math.REOPEN:
                    share = reopenable.reversed_share_id
                    reopenable.unlink()
                    share.write({"is_open": True})
                    share.flush_recordset(["is_open"])
                elif action == share_math.CREATE:
                    Ledger.create(self._share_values(agreement, rule, line, percent, amount, today))

    @api.model
    def _origin_share(self, agreement, line):
        """The latest share of the same product on the invoice a credit note reverses."""
        origin = line.move_id.reversed_entry_id
        if line.move_id.move_type != "out_refund" or not origin:
            return self._ledger()
        return self._ledger().search(
            [
                ("agreement_id", "=", agreement.id),
                ("kind", "=", "share"),
                ("source_move_id", "=", origin.id),
                ("product_id", "=", line.product_id.id),
            ],
            order="id desc",
            limit=1,
        )

    @api.model
    def _line_in_period(self, agreement, line, cutoff):
        """A line earns a first share when its document is dated within the
        agreement's time: a credit note by the date of the invoice it credits."""
        move = line.move_id
        if not move.invoice_date or move.invoice_date > cutoff:
            return False
        start = agreement.share_start_date
        dated = move.reversed_entry_id.invoice_date or move.invoice_date
        return not start or dated >= start

    @api.model
    def _line_counts(self, agreement, line):
        move = line.move_id
        origin = move.reversed_entry_id
        return share_math.document_counts(
            agreement.self_billing_basis,
            move.state,
            move.payment_state,
            (origin.state, origin.payment_state) if origin else None,
        )

    @api.model
    def _why_not_counted(self, agreement, line, target):
        move = line.move_id
        if target is not None:
            return self.env._("amount changed")
        if move.state == "cancel":
            return self.env._("cancelled")
        if move.state == "draft":
            return self.env._("reset to draft")
        return self.env._("not paid")

    @api.model
    def _row_snapshot(self, line):
        """What the statement shows of a line, kept even if the line goes."""
        move = line.move_id
        return {
            "move_line_id": line.id,
            "source_move_id": move.id,
            "document_name": move.name,
            "document_date": move.invoice_date,
            "end_customer_id": (
                line.icasa_end_customer_id or move.icasa_end_customer_id or move.partner_id.commercial_partner_id
            ).id,
            "product_id": line.product_id.id,
            "label": line.name or line.product_id.display_name,
        }

    @api.model
    def _share_values(self, agreement, rule, line, percent, amount, today):
        currency = agreement.company_id.currency_id
        return {
            "agreement_id": agreement.id,
            "partner_id": agreement.partner_id.id,
            "company_id": agreement.company_id.id,
            "currency_id": currency.id,
            "rule_id": rule.id if rule else False,
            "kind": "share",
            "is_open": True,
            "date": today,
            "base_amount": -line.balance,
            "percent": percent,
            "amount": float(amount),
            **self._row_snapshot(line),
        }

    @api.model
    def _reverse(self, shares, note, today):
        """Close billed ``shares`` with a negative row each, for the next statement."""
        Ledger = self._ledger()
        shares.write({"is_open": False})
        shares.flush_recordset(["is_open"])
        for share in shares:
            Ledger.create(
                {
                    "agreement_id": share.agreement_id.id,
                    "partner_id": share.partner_id.id,
                    "company_id": share.company_id.id,
                    "currency_id": share.currency_id.id,
                    "rule_id": share.rule_id.id,
                    "kind": "reversal",
                    "is_open": False,
                    "date": today,
                    "reversed_share_id": share.id,
                    "move_line_id": share.move_line_id.id,
                    "source_move_id": share.source_move_id.id,
                    "document_name": share.document_name,
                    "document_date": share.document_date,
                    "end_customer_id": share.end_customer_id.id,
                    "product_id": share.product_id.id,
                    "label": share.label,
                    "base_amount": -share.base_amount,
                    "percent": share.percent,
                    "amount": -share.amount,
                    "note": note,
                }
            )

    @api.model
    def _close_shares(self, shares, note):
        """Open shares whose line is deleted: dropped if no statement carries
        them yet, else reversed on the next statement."""
        shares = shares.sudo().with_context(icasa_self_billing=True)  # see _ledger
        shares.filtered(lambda s: not s.bill_id).unlink()
        billed = shares.filtered("bill_id")
        if billed:
            self._reverse(billed, note, fields.Date.context_today(self))
            billed.reversal_ids.write({"move_line_id": False})

    # ------------------------------------------------------------------
    # The ledger: fixed amounts per asset per month
    # ------------------------------------------------------------------

    @api.model
    def _scope_asset_domain(self, agreement):
        if agreement.share_scope == "sites":
            return [("site_partner_id", "in", self._sites(agreement).ids)]
        return [
            "|",
            ("partner_id", "in", self._end_customers(agreement).ids),
            ("order_id.icasa_agreement_id", "=", agreement.id),
        ]

    @api.model
    def _sync_fixed(self, agreement, cutoff, today):
        rules = agreement.share_rule_ids.filtered(lambda r: r.share_kind == "fixed")
        if not rules:
            return
        Ledger = self._ledger()
        assets = self.env["icasa.installed.asset"].search(
            [
                ("company_id", "=", agreement.company_id.id),
                ("install_date", "<=", cutoff),
                *self._scope_asset_domain(agreement),
            ]
        )
        if not assets:
            return
        existing = {
            (row.asset_id.id, row.period_start)
            for row in Ledger.search(
                [("partner_id", "=", agreement.partner_id.id), ("kind", "=", "fixed"), ("asset_id", "in", assets.ids)]
            )
        }
        currency = agreement.company_id.currency_id
        values = []
        for asset in assets:
            rule = next((r for r in rules if r._matches_asset(asset)), None)
            if rule is None:
                continue
            for month in share_math.fixed_months(asset.install_date, agreement.share_start_date, cutoff):
                if (asset.id, month) in existing:
                    continue
                values.append(
                    {
                        "agreement_id": agreement.id,
                        "partner_id": agreement.partner_id.id,
                        "company_id": agreement.company_id.id,
                        "currency_id": currency.id,
                        "rule_id": rule.id,
                        "kind": "fixed",
                        "date": today,
                        "asset_id": asset.id,
                        "period_start": month,
                        "document_date": share_math.month_end(month),
                        "end_customer_id": asset.partner_id.id,
                        "product_id": asset.product_id.id,
                        "label": self.env._(
                            "%(asset)s, %(month)s",
                            asset=asset.display_name,
                            month=format_date(self.env, month, date_format="MMMM y"),
                        ),
                        "amount": rule.fixed_amount,
                    }
                )
        Ledger.create(values)

    # ------------------------------------------------------------------
    # The bill
    # ------------------------------------------------------------------

    @api.model
    def _bill_agreement(self, agreement, period_start, period_end, today):
        """One vendor bill (a refund when the partner owes) for the shares of
        ``agreement`` not billed yet, dated up to ``period_end``. A month
        already billed is not billed again: its later shares wait for the
        next month's bill."""
        Move = self.env["account.move"]
        rows = self._ledger().search(
            [
                ("agreement_id", "=", agreement.id),
                ("bill_id", "=", False),
                "|",
                ("document_date", "<=", period_end),
                ("document_date", "=", False),
            ],
            order="document_date, id",
        )
        if not rows:
            return Move
        billed = Move.search(
            [
                ("icasa_self_billing_agreement_id", "=", agreement.id),
                ("icasa_self_billing_period_start", "=", period_start),
                ("state", "!=", "cancel"),
            ],
            limit=1,
        )
        if billed:
            return Move
        currency = agreement.company_id.currency_id
        net = sum(
            (share_math.quantize(amount, currency.decimal_places) for amount in rows.mapped("amount")), Decimal(0)
        )
        move_type = share_math.bill_type(net)
        sign = -1 if move_type == "in_refund" else 1
        month = format_date(self.env, period_start, date_format="MMMM y")
        groups = defaultdict(lambda: rows.browse())
        for row in rows:
            groups[row.rule_id] |= row
        line_values = []
        for sequence, (rule, group) in enumerate(groups.items(), start=1):
            total = sum(group.mapped("amount"))
            line_values.append(
                {
                    "product_id": agreement.share_product_id.id,
                    "name": self.env._(
                        "Revenue share: %(rule)s, %(month)s",
                        rule=rule.name or self.env._("other"),
                        month=month,
                    ),
                    "sequence": sequence,
                    "quantity": 1.0,
                    "price_unit": currency.round(sign * total),
                }
            )
        journal = agreement.self_billing_journal_id
        if not journal:
            raise UserError(
                self.env._(
                    "Agreement %(agreement)s has no self-billing journal and %(company)s has no purchase journal. "
                    "Choose one on the agreement's Revenue Share tab.",
                    agreement=agreement.name,
                    company=agreement.company_id.name,
                )
            )
        bill = Move.create(
            {
                "move_type": move_type,
                "partner_id": agreement.partner_id.id,
                "journal_id": journal.id,
                "company_id": agreement.company_id.id,
                "currency_id": currency.id,
                "invoice_date": today,
                "ref": self.env._("Self-billing %(month)s", month=month),
                "icasa_self_billing_agreement_id": agreement.id,
                "icasa_self_billing_period_start": period_start,
                "icasa_self_billing_period_end": period_end,
                "invoice_line_ids": [Command.create(vals) for vals in line_values],
            }
        )
        product_lines = bill.invoice_line_ids.filtered(lambda line: line.display_type == "product").sorted("sequence")
        for (_rule, group), bill_line in zip(groups.items(), product_lines, strict=True):
            group.write({"bill_line_id": bill_line.id, "bill_id": bill.id})
        if agreement.self_billing_auto_post:
            bill.action_post()
        return bill
