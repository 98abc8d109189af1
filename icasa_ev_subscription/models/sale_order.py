import logging
from collections import defaultdict
from datetime import timedelta

from dateutil.relativedelta import relativedelta

from odoo import Command, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import SQL, format_date

from odoo.addons.icasa_ev_billing.models.cron_batch import commit_batch

from ..tools import periods as engine
from ..tools import prorata

_logger = logging.getLogger(__name__)

BATCH_SIZE_PARAM = "icasa_ev_subscription.cron_batch_size"
DEFAULT_BATCH_SIZE = 100


class SaleOrder(models.Model):
    _inherit = "sale.order"

    icasa_plan_id = fields.Many2one(
        "icasa.subscription.plan",
        string="Subscription Plan",
        compute="_compute_icasa_plan_id",
        store=True,
        readonly=False,
        precompute=True,
        index="btree_not_null",
        check_company=True,
        tracking=True,
    )
    icasa_subscription_state = fields.Selection(
        [("quotation", "Quotation"), ("active", "Active"), ("paused", "Paused"), ("closed", "Closed")],
        string="Subscription Status",
        compute="_compute_icasa_subscription_state",
        store=True,
        readonly=False,
        precompute=True,
        copy=False,
        index="btree_not_null",
        tracking=True,
    )
    icasa_start_date = fields.Date(string="Subscription Start", copy=False, tracking=True)
    icasa_term_months = fields.Integer(
        string="Fixed Term (months)",
        compute="_compute_icasa_term",
        store=True,
        readonly=False,
        precompute=True,
        help="Leave at 0 for an open-ended subscription.",
    )
    icasa_tacit_renewal = fields.Boolean(
        string="Tacit Renewal",
        compute="_compute_icasa_term",
        store=True,
        readonly=False,
        precompute=True,
        help="At the end of the term, renew for another term instead of ending.",
    )
    icasa_end_date = fields.Date(
        string="Subscription End",
        compute="_compute_icasa_end_date",
        store=True,
        readonly=False,
        precompute=True,
        copy=False,
        tracking=True,
    )
    icasa_grid_start = fields.Date(
        copy=False,
        help="The day the current period grid hangs on: the start date, or the first "
        "unbilled period after a plan change (technical).",
    )
    icasa_next_period_start = fields.Date(string="Billed Until (excl.)", copy=False, help="First day not billed yet.")
    icasa_next_invoice_date = fields.Date(
        string="Next Invoice",
        compute="_compute_icasa_next_invoice_date",
        store=True,
        copy=False,
        index="btree_not_null",
    )
    icasa_mrr = fields.Monetary(
        string="MRR",
        compute="_compute_icasa_mrr",
        store=True,
        currency_field="currency_id",
        help="Monthly recurring revenue, untaxed.",
    )
    icasa_company_currency_id = fields.Many2one(related="company_id.currency_id", string="Company Currency")
    icasa_mrr_company = fields.Monetary(
        string="MRR (Company Currency)",
        compute="_compute_icasa_mrr_company",
        store=True,
        currency_field="icasa_company_currency_id",
        help="Monthly recurring revenue in the company's currency, at the order's rate: "
        "the figure that subscriptions in different currencies add up in.",
    )
    icasa_close_reason_id = fields.Many2one(
        "icasa.subscription.close.reason", string="Close Reason", copy=False, tracking=True
    )
    icasa_close_date = fields.Date(string="Closed On", copy=False)
    icasa_billing_error = fields.Text(string="Billing Error", copy=False, readonly=True)
    icasa_period_ids = fields.One2many("icasa.subscription.period", "order_id", string="Period Ledger", copy=False)
    icasa_subscription_move_ids = fields.One2many(
        "account.move", "icasa_subscription_id", string="Subscription Invoices", copy=False
    )
    icasa_subscription_move_count = fields.Integer(compute="_compute_icasa_subscription_move_count")
    icasa_origin_order_id = fields.Many2one(
        "sale.order", string="Generated From", copy=False, index="btree_not_null", readonly=True
    )

    icasa_activation_template_id = fields.Many2one(
        "sale.order.template",
        string="Subscription on Activation",
        compute="_compute_icasa_activation_template_id",
        store=True,
        readonly=False,
        precompute=True,
        domain="[('icasa_plan_id', '!=', False)]",
        check_company=True,
        help="Started, pro-rata from the activation date, when the activation milestone is reached.",
    )
    icasa_source_order_id = fields.Many2one(
        "sale.order",
        string="Started From",
        copy=False,
        readonly=True,
        index="btree_not_null",
        help="The hardware order whose activation started this subscription.",
    )

    # ------------------------------------------------------------------
    # Computes and constraints
    # ------------------------------------------------------------------

    @api.depends("sale_order_template_id")
    def _compute_icasa_plan_id(self):
        for order in self:
            template_plan = order.sale_order_template_id.icasa_plan_id
            if template_plan:
                order.icasa_plan_id = template_plan

    @api.depends("sale_order_template_id")
    def _compute_icasa_term(self):
        for order in self:
            template = order.sale_order_template_id
            if template.icasa_plan_id:
                order.icasa_term_months = template.icasa_term_months
                order.icasa_tacit_renewal = template.icasa_tacit_renewal

    @api.depends("icasa_plan_id")
    def _compute_icasa_subscription_state(self):
        for order in self:
            if not order.icasa_plan_id:
                order.icasa_subscription_state = False
            elif not order.icasa_subscription_state:
                order.icasa_subscription_state = "quotation"

    @api.depends("icasa_start_date", "icasa_term_months")
    def _compute_icasa_end_date(self):
        for order in self:
            if order.icasa_start_date and order.icasa_term_months > 0:
                order.icasa_end_date = (
                    order.icasa_start_date + relativedelta(months=order.icasa_term_months) - timedelta(days=1)
                )

    @api.depends(
        "icasa_plan_id.interval_number",
        "icasa_plan_id.interval_unit",
        "icasa_plan_id.alignment",
        "icasa_plan_id.billing_mode",
        "icasa_plan_id.days_before",
        "icasa_start_date",
        "icasa_grid_start",
        "icasa_next_period_start",
        "icasa_end_date",
        "icasa_tacit_renewal",
        "icasa_term_months",
        "icasa_subscription_state",
        "icasa_period_ids.kind",
        "state",
    )
    def _compute_icasa_next_invoice_date(self):
        for order in self:
            plan = order.icasa_plan_id
            if order.state == "cancel" or order.icasa_subscription_state not in ("active", "paused", "closed"):
                order.icasa_next_invoice_date = False
                continue
            period = order._icasa_next_period()
            periods = [period] if period else []
            periods += order._icasa_reopened_periods()
            order.icasa_next_invoice_date = min(
                (engine.due_date(p, plan.billing_mode, plan.days_before) for p in periods), default=False
            )

    @api.depends(
        "order_line.price_subtotal",
        "order_line.icasa_recurring",
        "icasa_plan_id.interval_number",
        "icasa_plan_id.interval_unit",
    )
    def _compute_icasa_mrr(self):
        for order in self:
            if not order.icasa_plan_id:
                order.icasa_mrr = 0.0
                continue
            recurring = sum(order.order_line.filtered("icasa_recurring").mapped("price_subtotal"))
            order.icasa_mrr = order.currency_id.round(recurring / order.icasa_plan_id._months_per_period())

    @api.depends("icasa_mrr", "currency_rate", "company_id.currency_id")
    def _compute_icasa_mrr_company(self):
        for order in self:
            rate = order.currency_rate or 1.0
            order.icasa_mrr_company = order.company_id.currency_id.round(order.icasa_mrr / rate)

    def _compute_icasa_subscription_move_count(self):
        groups = self.env["account.move"]._read_group(
            [("icasa_subscription_id", "in", self.ids)], ["icasa_subscription_id"], ["__count"]
        )
        counts = {order.id: count for order, count in groups}
        for order in self:
            order.icasa_subscription_move_count = counts.get(order.id, 0)

    @api.constrains("icasa_start_date", "icasa_end_date")
    def _check_icasa_dates(self):
        for order in self:
            if order.icasa_start_date and order.icasa_end_date and order.icasa_end_date < order.icasa_start_date:
                raise ValidationError(
                    self.env._(
                        "Subscription %(order)s ends on %(end)s, before it starts on %(start)s. Set an end "
                        "date on or after the start date.",
                        order=order.name,
                        end=order.icasa_end_date,
                        start=order.icasa_start_date,
                    )
                )

    @api.ondelete(at_uninstall=False)
    def _unlink_except_billed_periods(self):
        # a period whose document was deleted is no longer billed: its ledger row goes with the order
        billed = self.filtered(
            lambda o: o.icasa_period_ids.filtered(lambda r: r.kind != "released" or r.move_id or r.sale_order_id)
        )
        if billed:
            raise UserError(
                self.env._(
                    "Subscription %(order)s has billed periods and cannot be deleted: the period ledger must "
                    "stay. Close it instead.",
                    order=", ".join(billed.mapped("name")),
                )
            )

    def unlink(self):
        # released periods whose document was deleted are not billed: their rows go with the
        # order (the ondelete guard refuses any other row)
        self.icasa_period_ids.sudo().filtered(
            lambda r: r.kind == "released" and not r.move_id and not r.sale_order_id
        ).unlink()
        return super().unlink()

    # ------------------------------------------------------------------
    # Period grid
    # ------------------------------------------------------------------

    def _icasa_recurrence(self):
        """The plan's recurrence for this subscription's grid. An anniversary
        grid restarted by a plan change on a clipped month end (28 February
        for the 31st) keeps the start date's day, so month ends never drift."""
        self.ensure_one()
        plan = self.icasa_plan_id
        grid_start = self.icasa_grid_start or self.icasa_start_date
        anchor_day = None
        if plan.alignment == "anniversary" and self.icasa_start_date and grid_start:
            anchor_day = engine.restart_anchor_day(self.icasa_start_date, grid_start, plan.interval_unit)
        return engine.Recurrence(plan.interval_number, plan.interval_unit, anchor_day)

    def _icasa_next_period(self):
        """The first period not billed yet, or None."""
        self.ensure_one()
        plan = self.icasa_plan_id
        grid_start = self.icasa_grid_start or self.icasa_start_date
        if not plan or not grid_start or plan.interval_number <= 0:
            return None
        first = max(self.icasa_next_period_start or grid_start, grid_start)
        end = self.icasa_end_date or None
        if end and end < grid_start:
            return None
        if end and self.icasa_tacit_renewal and self.icasa_term_months > 0 and first > end:
            end = None  # renewed for another term when the period is billed
        if end and first > end:
            return None
        return engine.period_containing(grid_start, self._icasa_recurrence(), plan.alignment, first, end)

    def _icasa_reopened_periods(self):
        """The periods whose invoice was cancelled or deleted and that are not
        billed again yet, oldest first: each is billed once more, as it was."""
        self.ensure_one()
        rows = self.icasa_period_ids
        live = {row.period_start for row in rows if row.kind in ("invoice", "order")}
        reopened = {}
        for row in rows.filtered(lambda r: r.kind == "released"):
            if row.period_start in live or row.period_start in reopened:
                continue
            reopened[row.period_start] = engine.Period(
                start=row.period_start,
                end=row.period_end,
                full_start=row.full_start or row.period_start,
                full_end=row.full_end or row.period_end,
            )
        return [reopened[start] for start in sorted(reopened)]

    def _icasa_restart_grid(self):
        """Apply a plan change from the next period only: the grid restarts on
        the first day not billed yet."""
        for order in self:
            if order.icasa_next_period_start and order.icasa_period_ids:
                order.icasa_grid_start = order.icasa_next_period_start

    def write(self, vals):
        if "icasa_plan_id" in vals:
            self.filtered(lambda o: o.icasa_plan_id.id != vals["icasa_plan_id"])._icasa_restart_grid()
        return super().write(vals)

    # ------------------------------------------------------------------
    # Life cycle
    # ------------------------------------------------------------------

    def action_confirm(self):
        result = super().action_confirm()
        today = fields.Date.context_today(self)
        for order in self.filtered(lambda o: o.icasa_plan_id and o.icasa_subscription_state == "quotation"):
            order._icasa_start(order.icasa_start_date or today)
        return result

    def _icasa_start(self, start_date):
        for order in self:
            order.write(
                {
                    "icasa_start_date": start_date,
                    "icasa_grid_start": start_date,
                    "icasa_next_period_start": start_date,
                    "icasa_subscription_state": "active",
                }
            )

    def action_icasa_start(self):
        """Start the subscription of a confirmed order given a plan afterwards."""
        today = fields.Date.context_today(self)
        for order in self:
            if order.state != "sale" or order.icasa_subscription_state != "quotation":
                raise UserError(
                    self.env._(
                        "%(order)s cannot start: only a confirmed order with a plan that has not started yet can.",
                        order=order.name,
                    )
                )
            order._icasa_start(order.icasa_start_date or today)

    def action_icasa_pause(self):
        for order in self:
            if order.icasa_subscription_state != "active":
                raise UserError(
                    self.env._(
                        "Subscription %(order)s is not active; only an active subscription can be paused.",
                        order=order.name,
                    )
                )
        self.icasa_subscription_state = "paused"

    def action_icasa_resume(self):
        """Resume billing from the current period: the paused periods are not billed."""
        today = fields.Date.context_today(self)
        for order in self:
            if order.icasa_subscription_state != "paused":
                raise UserError(
                    self.env._("Subscription %(order)s is not paused; there is nothing to resume.", order=order.name)
                )
            period = order._icasa_next_period()
            values = {"icasa_subscription_state": "active"}
            if period and period.end < today:
                current = engine.period_containing(
                    order.icasa_grid_start or order.icasa_start_date,
                    order._icasa_recurrence(),
                    order.icasa_plan_id.alignment,
                    today,
                    order.icasa_end_date or None,
                )
                if current:
                    values["icasa_next_period_start"] = current.start
            order.write(values)

    def action_icasa_open_close_wizard(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Close Subscription"),
            "res_model": "icasa.subscription.close.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_order_id": self.id},
        }

    def _icasa_close(self, close_date, reason=None):
        """Close on ``close_date`` (the last day served). A prepaid period billed
        beyond it is credited for the unused days when the plan says so."""
        credits = self.env["account.move"]
        for order in self:
            if order.icasa_subscription_state == "closed":
                raise UserError(
                    self.env._(
                        "Subscription %(order)s is already closed (on %(date)s). Reopen it by creating a new "
                        "one from it (Duplicate).",
                        order=order.name,
                        date=order.icasa_close_date,
                    )
                )
            if not order.icasa_plan_id or order.icasa_subscription_state == "quotation":
                raise UserError(
                    self.env._(
                        "%(order)s is not a running subscription; cancel the quotation instead.", order=order.name
                    )
                )
            if order.icasa_start_date and close_date < order.icasa_start_date - timedelta(days=1):
                raise UserError(
                    self.env._(
                        "Subscription %(order)s cannot close on %(date)s, before it starts on %(start)s.",
                        order=order.name,
                        date=close_date,
                        start=order.icasa_start_date,
                    )
                )
            order.write(
                {
                    "icasa_subscription_state": "closed",
                    "icasa_close_date": close_date,
                    "icasa_close_reason_id": reason.id if reason else False,
                    "icasa_end_date": close_date,
                    "icasa_tacit_renewal": False,
                }
            )
            if order.icasa_plan_id.billing_mode == "prepaid" and order.icasa_plan_id.credit_on_close:
                credits |= order._icasa_credit_unused(close_date)
        return credits

    def _icasa_credit_unused(self, close_date):
        """A credit note for the days after ``close_date`` of the billed periods."""
        self.ensure_one()
        order = self.with_company(self.company_id).with_context(lang=self.partner_invoice_id.lang)
        rows = order.icasa_period_ids.filtered(
            lambda r: r.kind == "invoice" and r.period_end > close_date and r.move_id and r.move_id.state != "cancel"
        )
        if not rows:
            return self.env["account.move"]
        first_unused = close_date + timedelta(days=1)
        line_vals = []
        for move_line in rows.move_id.invoice_line_ids.filtered(
            lambda line: line.icasa_period_end and line.icasa_period_end >= first_unused
        ):
            start = max(first_unused, move_line.icasa_period_start)
            unused = (move_line.icasa_period_end - start).days + 1
            billed = (move_line.icasa_period_end - move_line.icasa_period_start).days + 1
            price = prorata.prorate(move_line.price_unit, unused, billed, order.currency_id.decimal_places)
            line_vals.append(
                Command.create(
                    {
                        "product_id": move_line.product_id.id,
                        "name": order._icasa_line_label(move_line.product_id, start, move_line.icasa_period_end),
                        "quantity": move_line.quantity,
                        "price_unit": float(price),
                        "discount": move_line.discount,
                        "tax_ids": [Command.set(move_line.tax_ids.ids)],
                        "account_id": move_line.account_id.id,
                        "icasa_period_start": start,
                        "icasa_period_end": move_line.icasa_period_end,
                        "icasa_subscription_line_id": move_line.icasa_subscription_line_id.id,
                    }
                )
            )
        if not line_vals:
            return self.env["account.move"]
        vals = order._prepare_invoice()
        vals.update(
            move_type="out_refund",
            invoice_line_ids=line_vals,
            icasa_subscription_id=order.id,
            reversed_entry_id=rows.move_id[-1:].id,
            ref=self.env._("Unused days after %(date)s", date=format_date(order.env, close_date)),
        )
        if order.icasa_plan_id.journal_id:
            vals["journal_id"] = order.icasa_plan_id.journal_id.id
        credit = self.env["account.move"].with_company(order.company_id).sudo().create(vals)
        self.env["icasa.subscription.period"].sudo().create(
            {
                "order_id": order.id,
                "period_start": first_unused,
                "period_end": max(rows.mapped("period_end")),
                "kind": "credit",
                "move_id": credit.id,
                "amount_untaxed": -credit.amount_untaxed,
            }
        )
        if order.icasa_plan_id.auto_post:
            credit._post()
        order.message_post(
            body=self.env._(
                "Closed on %(date)s: credit note %(credit)s of %(amount)s for the unused days.",
                date=format_date(order.env, close_date),
                credit=credit.name,
                amount=credit.amount_untaxed,
            )
        )
        return credit

    def _icasa_adjust_quantity(self, line, delta, day):
        """A quantity change on ``day`` in a prepaid period already invoiced:
        charge (more units) or credit (fewer units) the rest of that period,
        from ``day`` included. Periods not invoiced yet (postpaid) split by
        days at the change instead (see the quantity changes of the line)."""
        self.ensure_one()
        plan = self.icasa_plan_id
        if plan.billing_mode != "prepaid" or plan.generate != "invoice":
            return self.env["account.move"]
        row = self.icasa_period_ids.filtered(lambda r: r.kind == "invoice" and r.period_start <= day <= r.period_end)[
            :1
        ]
        if not row:
            return self.env["account.move"]
        order = self.with_company(self.company_id).with_context(lang=self.partner_invoice_id.lang)
        grid_start = self.icasa_grid_start or self.icasa_start_date
        period = engine.period_containing(grid_start, self._icasa_recurrence(), plan.alignment, row.period_start)
        segments = line._icasa_price_segments(day, row.period_end)
        parts = prorata.split_period(day, row.period_end, period.full_days, segments, self.currency_id.decimal_places)
        line_vals = []
        for part_start, part_end, _price, amount in parts:
            vals = line._prepare_invoice_line(
                name=order._icasa_line_label(line.product_id, part_start, part_end, line),
                quantity=abs(delta),
                price_unit=float(amount),
                icasa_period_start=part_start,
                icasa_period_end=part_end,
                icasa_subscription_line_id=line.id,
            )
            vals.pop("sale_line_ids", None)
            line_vals.append(Command.create(vals))
        vals = order._prepare_invoice()
        vals.update(
            move_type="out_invoice" if delta > 0 else "out_refund",
            invoice_line_ids=line_vals,
            icasa_subscription_id=self.id,
        )
        if plan.journal_id:
            vals["journal_id"] = plan.journal_id.id
        move = self.env["account.move"].with_company(self.company_id).sudo().create(vals)
        self.env["icasa.subscription.period"].sudo().create(
            {
                "order_id": self.id,
                "period_start": day,
                "period_end": row.period_end,
                "kind": "adjust",
                "move_id": move.id,
                "amount_untaxed": move.amount_untaxed if delta > 0 else -move.amount_untaxed,
            }
        )
        if plan.auto_post:
            move._post()
        self.message_post(
            body=self.env._(
                "%(product)s: quantity changed by %(delta)s on %(date)s; %(document)s for the rest of the period.",
                product=line.product_id.display_name,
                delta=delta,
                date=format_date(order.env, day),
                document=move.name if move.name and move.name != "/" else move.display_name,
            )
        )
        return move

    def _action_cancel(self):
        """Cancelling a running subscription that billed nothing takes it back
        to a quotation; one with billed periods must be closed instead (its
        ledger and credit of unused days). A cancelled order that a period
        created opens that period again, as a cancelled invoice does."""
        running = self.filtered(lambda o: o.icasa_subscription_state in ("active", "paused"))
        billed = running.filtered(lambda o: any(r.kind in ("invoice", "order") for r in o.icasa_period_ids))
        if billed:
            raise UserError(
                self.env._(
                    "%(orders)s has billed periods: use Close Subscription to stop its billing rather than "
                    "cancelling the order.",
                    orders=", ".join(billed.mapped("name")),
                )
            )
        result = super()._action_cancel()
        running.icasa_subscription_state = "quotation"
        self._icasa_generated_rows(("order",))._icasa_release()
        return result

    def action_draft(self):
        """A cancelled order that a period created, set back to quotation, bills
        that period again unless it was billed again meanwhile (refused)."""
        cancelled = self.filtered(lambda o: o.state == "cancel")
        rows = cancelled._icasa_generated_rows(("released",))._icasa_check_reclaim()
        result = super().action_draft()
        rows._icasa_reclaim()
        return result

    def _icasa_generated_rows(self, kinds):
        """The ledger rows of the periods these orders were created for."""
        if not self.ids:
            return self.env["icasa.subscription.period"]
        return (
            self.env["icasa.subscription.period"]
            .sudo()
            .search([("sale_order_id", "in", self.ids), ("kind", "in", list(kinds))])
        )

    def copy_data(self, default=None):
        # A "recurring project": a new quotation with the same lines and plan, fresh dates.
        vals_list = super().copy_data(default=default)
        for vals in vals_list:
            if vals.get("icasa_plan_id"):
                vals.setdefault("icasa_subscription_state", "quotation")
        return vals_list

    # ------------------------------------------------------------------
    # Billing
    # ------------------------------------------------------------------

    def action_icasa_invoice_now(self):
        """Bill every period due up to today, through the cron's code path."""
        if not self.env.user.has_group("account.group_account_invoice"):
            raise AccessError(
                self.env._(
                    "Invoicing a subscription needs accounting rights (Invoicing / Billing). "
                    "Ask an accountant, or let the daily scheduled action bill %(orders)s.",
                    orders=", ".join(self.mapped("name")),
                )
            )
        idle = self.filtered(lambda o: o.icasa_subscription_state not in ("active", "closed"))
        if idle:
            raise UserError(
                self.env._(
                    "%(orders)s is not running (quotation or paused): start or resume it before invoicing.",
                    orders=", ".join(idle.mapped("name")),
                )
            )
        self._icasa_lock_or_raise()
        result = self._icasa_bill_orders(fields.Date.context_today(self))
        failed = self.filtered(lambda o: o.id in result["failed"])
        if failed:
            # no raise: the error stays on the chatter with its activity
            return {
                "type": "ir.actions.client",
                "tag": "display_notification",
                "params": {
                    "type": "danger",
                    "sticky": True,
                    "title": self.env._("Billing failed"),
                    "message": self.env._(
                        "%(orders)s: %(error)s",
                        orders=", ".join(failed.mapped("name")),
                        error=failed[0].icasa_billing_error,
                    ),
                    "next": {"type": "ir.actions.client", "tag": "soft_reload"},
                },
            }
        documents = result["moves"]
        if len(self) == 1 and documents:
            return self.action_icasa_view_invoices()
        return True

    def _icasa_lock_or_raise(self):
        """Take the row locks the cron takes; refuse when a cron worker holds one."""
        self.flush_recordset()
        self.env.cr.execute(
            SQL(
                "SELECT id FROM sale_order WHERE id = ANY(%s) FOR UPDATE SKIP LOCKED",
                self.ids,
            )
        )
        locked = {row[0] for row in self.env.cr.fetchall()}
        busy = self.filtered(lambda o: o.id not in locked)
        if busy:
            raise UserError(
                self.env._(
                    "%(orders)s is being invoiced right now by the scheduled action. Try again in a minute.",
                    orders=", ".join(busy.mapped("name")),
                )
            )

    @api.model
    def _icasa_batch_size(self):
        value = self.env["ir.config_parameter"].sudo().get_param(BATCH_SIZE_PARAM)
        try:
            size = int(value) if value else DEFAULT_BATCH_SIZE
        except ValueError:
            size = DEFAULT_BATCH_SIZE
        return max(size, 1)

    @api.model
    def _icasa_due_domain_sql(self, today, skip_ids):
        return SQL(
            """
            SELECT id FROM sale_order
             WHERE icasa_subscription_state IN ('active', 'closed')
               AND icasa_next_invoice_date <= %(today)s
               AND NOT (id = ANY(%(skip)s))
            """,
            today=today,
            skip=list(skip_ids),
        )

    @api.model
    def _icasa_lock_due_batch(self, today, limit, skip_ids=()):
        """Ids of due subscriptions, locked for this transaction; rows other
        workers hold are skipped, so parallel runs split the work."""
        self.env["sale.order"].flush_model(["icasa_subscription_state", "icasa_next_invoice_date"])
        self.env.cr.execute(
            SQL(
                "%s ORDER BY icasa_next_invoice_date, id LIMIT %s FOR UPDATE SKIP LOCKED",
                self._icasa_due_domain_sql(today, skip_ids),
                limit,
            )
        )
        return [row[0] for row in self.env.cr.fetchall()]

    @api.model
    def _icasa_count_due(self, today, skip_ids=()):
        self.env.cr.execute(SQL("SELECT count(*) FROM (%s) due", self._icasa_due_domain_sql(today, skip_ids)))
        return self.env.cr.fetchone()[0]

    @api.model
    def _cron_generate_recurring(self, batch_size=None, today=None):
        """Bill every subscription period due up to today, in batches.

        Each batch is locked with SKIP LOCKED, billed with one create per
        company and language, and committed (outside tests). Returns counts."""
        today = today or fields.Date.context_today(self)
        batch_size = batch_size or self._icasa_batch_size()
        seen = set()
        totals = {"subscriptions": 0, "documents": 0, "failed": 0}
        while True:
            ids = self._icasa_lock_due_batch(today, batch_size, seen)
            if not ids:
                break
            seen.update(ids)
            with self.env.cr.savepoint(flush=True):
                result = self.browse(ids)._icasa_bill_orders(today)
                totals["subscriptions"] += len(ids) - len(result["failed"])
                totals["documents"] += len(result["moves"]) + len(result["orders"])
                totals["failed"] += len(result["failed"])
                self.env["ir.cron"]._notify_progress(done=len(seen), remaining=self._icasa_count_due(today, seen))
            self._icasa_commit_batch()
        _logger.info(
            "Recurring billing: %(subscriptions)s subscriptions billed, %(documents)s documents, %(failed)s failed",
            totals,
        )
        return totals

    def _icasa_commit_batch(self):
        """Commit the batch just billed, so a crash later loses none of it.
        Never inside tests, which run in one transaction."""
        commit_batch(self.env)

    def _icasa_bill_orders(self, today):
        """Bill the due periods of ``self``, isolating each subscription: the
        whole batch in one savepoint, and one by one when that fails."""
        result = {"moves": self.env["account.move"], "orders": self.env["sale.order"], "failed": {}}
        if not self:
            return result
        try:
            with self.env.cr.savepoint(flush=True):
                moves, orders = self._icasa_bill_group(today)
        except Exception:
            if len(self) == 1:
                moves, orders = self._icasa_bill_isolated(today, result["failed"])
            else:
                moves, orders = self.env["account.move"], self.env["sale.order"]
                for order in self.browse(self.ids):
                    order_moves, order_orders = order._icasa_bill_isolated(today, result["failed"])
                    moves |= order_moves
                    orders |= order_orders
        result["moves"], result["orders"] = moves, orders
        ok = self.browse([oid for oid in self.ids if oid not in result["failed"]])
        recovered = ok.filtered("icasa_billing_error")
        if recovered:
            recovered.icasa_billing_error = False
            recovered._icasa_failure_activities().action_feedback(
                feedback=self.env._("Billed successfully by a later run.")
            )
        return result

    def _icasa_bill_isolated(self, today, failed):
        self.ensure_one()
        try:
            with self.env.cr.savepoint(flush=True):
                return self._icasa_bill_group(today)
        except Exception as error:
            failed[self.id] = str(error)
            self.browse(self.id)._icasa_report_error(error)
            return self.env["account.move"], self.env["sale.order"]

    def _icasa_failure_activities(self):
        activity_type = self.env.ref("icasa_ev_subscription.mail_activity_billing_failed", raise_if_not_found=False)
        return self.activity_ids.filtered(lambda a: a.activity_type_id == activity_type and activity_type)

    def _icasa_report_error(self, error):
        """Post the error on the subscription, flag it and ask its accountant to
        look. A subscription failing run after run keeps one open activity and
        posts the error again only when it changes."""
        self.ensure_one()
        message = str(error.args[0]) if getattr(error, "args", None) else str(error)
        _logger.info("Recurring billing of %s failed: %s", self.name, message)
        changed = message != self.icasa_billing_error
        self.icasa_billing_error = message
        if changed:
            self.message_post(body=self.env._("Recurring billing failed: %(error)s", error=message))
        open_activities = self._icasa_failure_activities()
        if open_activities:
            open_activities.note = message
            return
        self.activity_schedule(
            "icasa_ev_subscription.mail_activity_billing_failed",
            summary=self.env._("Recurring billing failed"),
            note=message,
            user_id=self._icasa_responsible_accountant().id,
        )

    def _icasa_responsible_accountant(self):
        self.ensure_one()
        group = self.env.ref("account.group_account_manager", raise_if_not_found=False)
        if self.user_id and group and group in self.user_id.groups_id:
            return self.user_id
        if group:
            users = group.users.filtered(lambda u: self.company_id in u.company_ids and not u.share)
            if users:
                return users[0]
        return self.user_id or self.env.user

    def _icasa_bill_group(self, today):
        """Bill every due period of ``self`` (no isolation here): invoices are
        created with one create per company and language, orders likewise,
        and the ledger rows in the same transaction."""
        moves = self.env["account.move"]
        orders = self.env["sale.order"]
        groups = defaultdict(list)
        for order in self:
            groups[(order.company_id, order.partner_invoice_id.lang or "")].append(order.id)
        for (company, lang), ids in groups.items():
            env_orders = self.browse(ids).with_company(company).with_context(lang=lang or None)
            env_orders._icasa_prefetch()
            context = env_orders._icasa_invoice_context(company)
            invoice_vals, order_vals, ledger = [], [], []
            updates = {}
            for order in env_orders:
                plan = order.icasa_plan_id
                reopened = [
                    period
                    for period in order._icasa_reopened_periods()
                    if engine.due_date(period, plan.billing_mode, plan.days_before) <= today
                ]
                ahead = order._icasa_due_periods(today)
                if not reopened and not ahead:
                    continue
                for period in reopened + ahead:
                    # one-time lines go with the first period, billed again if its invoice was cancelled
                    first = period.start == order.icasa_start_date
                    if plan.generate == "order":
                        order_vals.append(order._icasa_prepare_period_order(period))
                        ledger.append(("order", order, period))
                    else:
                        vals = order._icasa_prepare_period_invoice(period, one_time=first, context=context)
                        invoice_vals.append(vals)
                        ledger.append(("invoice", order, period))
                if ahead:
                    updates[order] = ahead[-1].end + timedelta(days=1)
            created_moves = self.env["account.move"]
            if invoice_vals:
                created_moves = (
                    self.env["account.move"]
                    .with_company(company)
                    .with_context(lang=lang or None, tracking_disable=True, default_move_type="out_invoice")
                    .sudo()
                    .create(invoice_vals)
                )
            created_orders = self.env["sale.order"]
            if order_vals:
                created_orders = (
                    self.env["sale.order"]
                    .with_company(company)
                    .with_context(lang=lang or None, mail_create_nolog=True)
                    .sudo()
                    .create(order_vals)
                )
            move_iter, order_iter = iter(created_moves), iter(created_orders)
            ledger_vals = []
            for kind, order, period in ledger:
                row = {
                    "order_id": order.id,
                    "period_start": period.start,
                    "period_end": period.end,
                    "full_start": period.full_start,
                    "full_end": period.full_end,
                    "kind": kind,
                }
                if kind == "invoice":
                    move = next(move_iter)
                    row.update(move_id=move.id, amount_untaxed=move.amount_untaxed)
                else:
                    sale = next(order_iter)
                    row.update(sale_order_id=sale.id, amount_untaxed=sale.amount_untaxed)
                ledger_vals.append(row)
            self.env["icasa.subscription.period"].sudo().create(ledger_vals)
            for order, next_start in updates.items():
                order.icasa_next_period_start = next_start
            if created_orders:
                created_orders.action_confirm()
            posted = created_moves.filtered(lambda m: m.icasa_subscription_id.icasa_plan_id.auto_post)
            if posted:
                posted._post()
                to_send = posted.filtered(lambda m: m.icasa_subscription_id.icasa_plan_id.auto_email)
                if to_send:
                    to_send.sending_data = {
                        "author_user_id": self.env.user.id,
                        "author_partner_id": self.env.user.partner_id.id,
                    }
                    self.env.ref("account.ir_cron_account_move_send")._trigger()
            moves |= created_moves
            orders |= created_orders
        self._icasa_end_finished(today)
        return moves, orders

    def _icasa_prefetch(self):
        """Read what billing needs for the whole batch in a few queries."""
        lines = self.order_line
        lines.mapped("icasa_price_step_ids")
        lines.mapped("icasa_quantity_change_ids")
        lines.mapped("tax_id")
        lines.mapped("invoice_lines")
        lines.mapped("icasa_asset_id")
        self.mapped("transaction_ids")
        self.mapped("icasa_period_ids")

    def _icasa_invoice_context(self, company):
        """Values shared by the invoices of one company: its default sales
        journal per currency, and whether analytic distribution models exist
        (without any, the line's own distribution is final)."""
        journals = self.env["account.journal"].search(
            [*self.env["account.journal"]._check_company_domain(company), ("type", "=", "sale")]
        )
        has_models = bool(
            self.env["account.analytic.distribution.model"]
            .sudo()
            .search_count(self.env["account.analytic.distribution.model"]._check_company_domain(company), limit=1)
        )
        return {"journals": journals, "journal_by_currency": {}, "analytic_models": has_models}

    def _icasa_default_journal(self, context):
        currency = self.currency_id
        cache = context["journal_by_currency"]
        if currency not in cache:
            journals = context["journals"]
            cache[currency] = (
                journals.filtered(lambda j: j.currency_id == currency)
                or journals.filtered(lambda j: not j.currency_id)
                or journals
            )[:1]
        return cache[currency]

    def _icasa_due_periods(self, today):
        """The unbilled periods due up to ``today``. A tacitly renewed term is
        extended by another term when the period after its end falls due."""
        self.ensure_one()
        plan = self.icasa_plan_id
        grid_start = self.icasa_grid_start or self.icasa_start_date
        if not plan or not grid_start:
            return []
        recurrence = self._icasa_recurrence()
        first = max(self.icasa_next_period_start or grid_start, grid_start)
        end = self.icasa_end_date or None
        renews = self.icasa_tacit_renewal and self.icasa_term_months > 0
        due = []
        while True:
            if end and first > end:
                if not renews:
                    break
                upcoming = engine.period_containing(grid_start, recurrence, plan.alignment, first)
                if engine.due_date(upcoming, plan.billing_mode, plan.days_before) > today:
                    break
                end = end + relativedelta(months=self.icasa_term_months)
                self.icasa_end_date = end
                self.message_post(
                    body=self.env._(
                        "Renewed for another term of %(months)s months, until %(end)s.",
                        months=self.icasa_term_months,
                        end=format_date(self.env, end),
                    )
                )
            chunk = engine.periods_due(
                grid_start,
                recurrence,
                plan.alignment,
                plan.billing_mode,
                today,
                days_before=plan.days_before,
                end=end,
                first=first,
            )
            due += chunk
            if not chunk or not end or chunk[-1].end != end:
                break
            first = end + timedelta(days=1)
        return due

    def _icasa_end_finished(self, today):
        """Subscriptions past their end date with nothing left to bill are closed."""
        reason = self.env.ref("icasa_ev_subscription.close_reason_end_of_term", raise_if_not_found=False)
        for order in self:
            if (
                order.icasa_subscription_state == "active"
                and order.icasa_end_date
                and order.icasa_end_date < today
                and not order.icasa_tacit_renewal
                and order._icasa_next_period() is None
            ):
                order.write(
                    {
                        "icasa_subscription_state": "closed",
                        "icasa_close_date": order.icasa_end_date,
                        "icasa_close_reason_id": reason.id if reason else False,
                    }
                )

    def _icasa_line_label(self, product, start, end, line=None):
        name = product.display_name
        if line and line.icasa_asset_id:
            asset = line.icasa_asset_id
            name = f"{name} [{asset.sim_iccid or asset.serial_number}]"
        return self.env._(
            "%(product)s: %(start)s to %(end)s",
            product=name,
            start=format_date(self.env, start),
            end=format_date(self.env, end),
        )

    def _icasa_recurring_lines(self):
        return self.order_line.filtered(lambda line: line.icasa_recurring and not line.display_type)

    def _icasa_period_line_values(self, period):
        """Line values of one period: each recurring line at the quantity and
        price in force, split by days where either changes, pro-rata on
        partial periods."""
        self.ensure_one()
        digits = self.currency_id.decimal_places
        values = []
        for line in self._icasa_recurring_lines():
            line._icasa_apply_indexation(period)
            for start, end, quantity in line._icasa_quantity_segments(period.start, period.end):
                if not quantity:
                    continue
                price_segments = line._icasa_price_segments(start, end)
                parts = prorata.split_period(start, end, period.full_days, price_segments, digits)
                for part_start, part_end, _price, amount in parts:
                    values.append(
                        {
                            "line": line,
                            "start": part_start,
                            "end": part_end,
                            "quantity": quantity,
                            "price_unit": float(amount),
                        }
                    )
        return values

    def _icasa_prepare_period_invoice(self, period, one_time=False, context=None):
        self.ensure_one()
        vals = self._prepare_invoice()
        plan = self.icasa_plan_id
        if plan.journal_id:
            vals["journal_id"] = plan.journal_id.id
        elif "journal_id" not in vals and context:
            vals["journal_id"] = self._icasa_default_journal(context).id
        vals["icasa_subscription_id"] = self.id
        lines = []
        for part in self._icasa_period_line_values(period):
            line = part["line"]
            line_vals = line._prepare_invoice_line(
                name=self._icasa_line_label(line.product_id, part["start"], part["end"], line),
                quantity=part["quantity"],
                price_unit=part["price_unit"],
                icasa_period_start=part["start"],
                icasa_period_end=part["end"],
                icasa_subscription_line_id=line.id,
            )
            line_vals.pop("sale_line_ids", None)
            if context and not context["analytic_models"]:
                line_vals.setdefault("analytic_distribution", line.analytic_distribution or False)
            lines.append(Command.create(line_vals))
        if one_time and not self.icasa_milestone_billing:
            # one-time lines go on the first invoice, unless milestones bill them
            for line in self.order_line.filtered(
                lambda line: not line.icasa_recurring and not line.display_type and line.qty_to_invoice > 0
            ):
                lines.append(Command.create(line._prepare_invoice_line()))
        vals["invoice_line_ids"] = lines
        return vals

    def _icasa_prepare_period_order(self, period):
        self.ensure_one()
        lines = []
        for part in self._icasa_period_line_values(period):
            line = part["line"]
            lines.append(
                Command.create(
                    {
                        "product_id": line.product_id.id,
                        "name": self._icasa_line_label(line.product_id, part["start"], part["end"], line),
                        "product_uom_qty": part["quantity"],
                        "product_uom": line.product_uom.id,
                        "price_unit": part["price_unit"],
                        "discount": line.discount,
                        "tax_id": [Command.set(line.tax_id.ids)],
                        "icasa_recurring": False,
                        "icasa_asset_id": line.icasa_asset_id.id,
                    }
                )
            )
        return {
            "partner_id": self.partner_id.id,
            "partner_invoice_id": self.partner_invoice_id.id,
            "partner_shipping_id": self.partner_shipping_id.id,
            "pricelist_id": self.pricelist_id.id,
            "fiscal_position_id": self.fiscal_position_id.id,
            "payment_term_id": self.payment_term_id.id,
            "company_id": self.company_id.id,
            "user_id": self.user_id.id,
            "team_id": self.team_id.id,
            "origin": self.name,
            "client_order_ref": self.client_order_ref,
            "icasa_plan_id": False,
            "sale_order_template_id": False,
            "icasa_origin_order_id": self.id,
            "order_line": lines,
        }

    # ------------------------------------------------------------------
    # Activation of a hardware order
    # ------------------------------------------------------------------

    @api.depends("order_line.product_id")
    def _compute_icasa_activation_template_id(self):
        for order in self:
            if order.icasa_activation_template_id:
                continue
            templates = order.order_line.product_id.product_tmpl_id.icasa_subscription_template_id
            order.icasa_activation_template_id = templates[:1]

    def _icasa_start_activation_subscription(self, milestone):
        """Create and start the care subscription of this hardware order, once."""
        self.ensure_one()
        template = self.icasa_activation_template_id
        if not template or not template.icasa_plan_id:
            return self.env["sale.order"]
        existing = self.search([("icasa_source_order_id", "=", self.id), ("state", "!=", "cancel")], limit=1)
        if existing:
            return existing
        start = (
            fields.Date.context_today(self, milestone.reached_date)
            if milestone.reached_date
            else fields.Date.context_today(self)
        )
        assets = self.env["icasa.installed.asset"].search([("order_id", "=", self.id)])
        lines = []
        for template_line in template.sale_order_template_line_ids.filtered(lambda line: not line.display_type):
            values = template_line._prepare_order_line_values()
            if template_line.icasa_recurring and assets:
                for asset in assets:
                    lines.append(Command.create({**values, "icasa_asset_id": asset.id}))
            else:
                lines.append(Command.create(values))
        subscription = self.create(
            {
                "partner_id": self.partner_id.id,
                "partner_invoice_id": self.partner_invoice_id.id,
                "partner_shipping_id": self.partner_shipping_id.id,
                "company_id": self.company_id.id,
                "pricelist_id": self.pricelist_id.id,
                "user_id": self.user_id.id,
                "team_id": self.team_id.id,
                "sale_order_template_id": template.id,
                "icasa_plan_id": template.icasa_plan_id.id,
                "icasa_start_date": start,
                "icasa_source_order_id": self.id,
                "origin": self.name,
                "client_order_ref": self.client_order_ref,
                "order_line": lines,
            }
        )
        subscription.action_confirm()
        self.message_post(
            body=self.env._(
                "Activation reached: subscription %(subscription)s started on %(date)s.",
                subscription=subscription.name,
                date=fields.Date.to_string(start),
            )
        )
        subscription.message_post(
            body=self.env._(
                "Started by the activation of %(order)s (milestone %(milestone)s).",
                order=self.name,
                milestone=milestone.name,
            )
        )
        return subscription

    # ------------------------------------------------------------------
    # Views
    # ------------------------------------------------------------------

    def action_icasa_view_invoices(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("account.action_move_out_invoice_type")
        action["domain"] = [("icasa_subscription_id", "=", self.id)]
        action["context"] = {"default_move_type": "out_invoice", "create": False}
        return action
