import logging
from datetime import timedelta

from dateutil.relativedelta import relativedelta

from odoo import Command, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import SQL, format_date
from odoo.tools.sql import create_index

from ..tools import ledger as ledger_math
from ..tools import periods as engine

_logger = logging.getLogger(__name__)

# Billing state: set by the subscription's actions and the billing service only.
ENGINE_FIELDS = frozenset(
    {
        "icasa_subscription_state",
        "icasa_next_period_start",
        "icasa_grid_start",
        "icasa_recheck_from",
        "icasa_close_date",
        "icasa_billing_error",
    }
)
# stored for the engine, meaningless to users: kept out of the custom Group By and sort menus
TECHNICAL_FIELDS = frozenset({"icasa_grid_start"})
# the plausible years of a start date, and the longest fixed term
PLAUSIBLE_YEARS = 50
MAX_TERM_MONTHS = 1200


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
        string="Period Grid Start",
        copy=False,
        help="The day the current period grid hangs on: the start date, or the first "
        "unbilled period after a plan change (technical).",
    )
    icasa_next_period_start = fields.Date(
        string="Billed Until (excl.)", copy=False, readonly=True, help="First day not billed yet."
    )
    icasa_recheck_from = fields.Date(
        string="Check Again From",
        copy=False,
        readonly=True,
        index="btree_not_null",
        help="Billed periods ending on or after this day changed (quantity, price, close, pause, a cancelled "
        "document): the next run brings them to what they served.",
    )
    icasa_pause_ids = fields.One2many("icasa.subscription.pause", "order_id", string="Pauses", copy=False)
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
    icasa_close_date = fields.Date(string="Closed On", copy=False, readonly=True)
    icasa_billing_error = fields.Text(string="Billing Error", copy=False, readonly=True)
    icasa_period_ids = fields.One2many("icasa.subscription.period", "order_id", string="Period Ledger", copy=False)
    icasa_subscription_move_ids = fields.One2many(
        "account.move", "icasa_subscription_id", string="Subscription Invoices", copy=False
    )
    icasa_subscription_move_count = fields.Integer(compute="_compute_icasa_subscription_move_count")
    icasa_period_start = fields.Date(
        string="Subscription Period", copy=False, readonly=True, help="The start of the period this order bills."
    )
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
    icasa_activation_subscription_count = fields.Integer(
        string="Started Subscriptions", compute="_compute_icasa_activation_subscription_count"
    )

    def init(self):
        res = super().init()
        # the billing run's batches read the due subscriptions in no error from today down
        # (``icasa.subscription.billing._due_parts``): in this index's order, a batch reads its own rows only,
        # however many subscriptions are due or already billed
        create_index(
            self.env.cr,
            "sale_order_icasa_due_batch_index",
            self._table,
            ["icasa_next_invoice_date DESC", "id"],
            where="icasa_billing_error IS NULL AND icasa_next_invoice_date IS NOT NULL AND state = 'sale'"
            " AND icasa_subscription_state IN ('active', 'paused', 'closed')",
        )
        # and the few in error, last
        create_index(
            self.env.cr,
            "sale_order_icasa_billing_error_index",
            self._table,
            ["id"],
            where="icasa_billing_error IS NOT NULL",
        )
        return res

    @api.model
    def fields_get(self, allfields=None, attributes=None):
        res = super().fields_get(allfields, attributes)
        for name in TECHNICAL_FIELDS & set(res):
            if "groupable" in res[name]:
                res[name]["groupable"] = False
            if "sortable" in res[name]:
                res[name]["sortable"] = False
        return res

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
            if order.icasa_start_date and 0 < order.icasa_term_months <= MAX_TERM_MONTHS:
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
        "icasa_recheck_from",
        "icasa_end_date",
        "icasa_tacit_renewal",
        "icasa_term_months",
        "icasa_subscription_state",
        "state",
    )
    def _compute_icasa_next_invoice_date(self):
        for order in self:
            plan = order.icasa_plan_id
            if order.state == "cancel" or order.icasa_subscription_state not in ("active", "paused", "closed"):
                order.icasa_next_invoice_date = False
                continue
            period = order._icasa_next_period()
            dates = [engine.due_date(period, plan.billing_mode, plan.days_before)] if period else []
            if order.icasa_recheck_from:
                dates.append(order.icasa_recheck_from)
            order.icasa_next_invoice_date = min(dates, default=False)

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

    def _compute_icasa_activation_subscription_count(self):
        groups = self._read_group(
            [("icasa_source_order_id", "in", self.ids), ("state", "!=", "cancel")],
            ["icasa_source_order_id"],
            ["__count"],
        )
        counts = {order.id: count for order, count in groups}
        for order in self:
            order.icasa_activation_subscription_count = counts.get(order.id, 0)

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

    @api.constrains("icasa_start_date", "icasa_term_months", "icasa_end_date")
    def _check_icasa_plausible(self):
        today = fields.Date.context_today(self)
        earliest = today - relativedelta(years=PLAUSIBLE_YEARS)
        latest = today + relativedelta(years=PLAUSIBLE_YEARS)
        for order in self:
            start = order.icasa_start_date
            if start and not earliest <= start <= latest and not order.icasa_period_ids:
                raise ValidationError(
                    self.env._(
                        "Subscription %(order)s starts on %(start)s. A start date must lie between %(earliest)s "
                        "and %(latest)s; correct the start date.",
                        order=order.name,
                        start=start,
                        earliest=earliest,
                        latest=latest,
                    )
                )
            end = order.icasa_end_date
            if start and end and end > start + relativedelta(months=MAX_TERM_MONTHS):
                raise ValidationError(
                    self.env._(
                        "Subscription %(order)s ends on %(end)s, more than %(max)s months after its start. Leave "
                        "the end date empty for an open-ended subscription.",
                        order=order.name,
                        end=end,
                        max=MAX_TERM_MONTHS,
                    )
                )
            if not 0 <= order.icasa_term_months <= MAX_TERM_MONTHS:
                raise ValidationError(
                    self.env._(
                        "Subscription %(order)s has a fixed term of %(months)s months. Enter 0 for an "
                        "open-ended subscription, or a term of at most %(max)s months.",
                        order=order.name,
                        months=order.icasa_term_months,
                        max=MAX_TERM_MONTHS,
                    )
                )

    @api.ondelete(at_uninstall=False)
    def _unlink_except_billed_periods(self):
        # rows of deleted documents are history only: they go with the order
        billed = self.filtered(lambda o: o.icasa_period_ids.filtered(lambda r: r.live or r.move_id or r.sale_order_id))
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
        self.icasa_period_ids.sudo().filtered(lambda r: not r.live and not r.move_id and not r.sale_order_id).unlink()
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

    def _icasa_restart_grid(self):
        """Apply a plan change from the next period only: the grid restarts on
        the first day not billed yet."""
        for order in self:
            if order.icasa_next_period_start and order.icasa_period_ids:
                order.with_context(icasa_engine=True).icasa_grid_start = order.icasa_next_period_start

    def write(self, vals):
        engine_fields = ENGINE_FIELDS & set(vals)
        if engine_fields and not self.env.context.get("icasa_engine") and not self.env.su:
            names = ", ".join(sorted(self._fields[name].string for name in engine_fields))
            raise UserError(
                self.env._(
                    "%(fields)s of %(orders)s are set by the subscription's actions (Start, Pause, Resume, Close) "
                    "and its billing, never by hand. Use those actions.",
                    fields=names,
                    orders=", ".join(self.mapped("name")),
                )
            )
        if "icasa_end_date" in vals and not self.env.context.get("icasa_engine"):
            running = self.filtered(lambda o: o.icasa_subscription_state in ("active", "paused", "closed"))
            changed = running.filtered(lambda o: o.icasa_end_date != fields.Date.to_date(vals["icasa_end_date"]))
            if changed.filtered(lambda o: o.icasa_period_ids):
                raise UserError(
                    self.env._(
                        "%(orders)s has billed periods: end it with Close Subscription, which credits or bills "
                        "the last period, rather than by editing its end date.",
                        orders=", ".join(changed.mapped("name")),
                    )
                )
        if "icasa_plan_id" in vals:
            self.filtered(lambda o: o.icasa_plan_id.id != vals["icasa_plan_id"])._icasa_restart_grid()
        return super().write(vals)

    def _icasa_recheck_from(self, day):
        """Billed periods ending on or after ``day`` changed: the next run (or
        Invoice Now) brings them to what they served."""
        for order in self:
            if order.icasa_period_ids and (not order.icasa_recheck_from or day < order.icasa_recheck_from):
                order.with_context(icasa_engine=True).icasa_recheck_from = day

    def _icasa_due_periods(self, today, limit=None):
        """The unbilled periods due up to ``today``, at most ``limit``. A
        tacitly renewed term is extended by another term when the period
        after its end falls due. Dates out of range give a clear error."""
        self.ensure_one()
        try:
            return self._icasa_due_periods_unchecked(today, limit)
        except (OverflowError, ValueError) as error:
            raise UserError(
                self.env._(
                    "Subscription %(order)s cannot compute its periods (%(error)s). Check its start date, end "
                    "date, fixed term and plan.",
                    order=self.name,
                    error=str(error),
                )
            ) from error

    def _icasa_due_periods_unchecked(self, today, limit):
        plan = self.icasa_plan_id
        grid_start = self.icasa_grid_start or self.icasa_start_date
        if not plan or not grid_start:
            return []
        recurrence = self._icasa_recurrence()
        first = max(self.icasa_next_period_start or grid_start, grid_start)
        end = self.icasa_end_date or None
        renews = self.icasa_tacit_renewal and self.icasa_term_months > 0
        due = []
        while limit is None or len(due) < limit:
            if end and first > end:
                if not renews:
                    break
                upcoming = engine.period_containing(grid_start, recurrence, plan.alignment, first)
                if engine.due_date(upcoming, plan.billing_mode, plan.days_before) > today:
                    break
                end = end + relativedelta(months=self.icasa_term_months)
                self.with_context(icasa_engine=True).icasa_end_date = end
                self.message_post(
                    body=self.env._(
                        "Renewed for another term of %(months)s months, until %(end)s.",
                        months=self.icasa_term_months,
                        end=format_date(self.env, end),
                    )
                )
            chunk = []
            for period in engine.iter_periods(grid_start, recurrence, plan.alignment, end=end, first=first):
                if engine.due_date(period, plan.billing_mode, plan.days_before) > today:
                    break
                chunk.append(period)
                if limit is not None and len(due) + len(chunk) >= limit:
                    break
            due += chunk
            if not chunk or not end or chunk[-1].end != end:
                break
            first = end + timedelta(days=1)
        return due

    def _icasa_served_ranges(self, period):
        """The days of ``period`` this subscription served: from its start, up
        to its close, outside its pauses. A prepaid plan that does not credit
        unused days serves a started period in full."""
        self.ensure_one()
        plan = self.icasa_plan_id
        pauses = [(pause.date_from, pause.date_to or None) for pause in self.icasa_pause_ids]
        last_day = self.icasa_close_date if self.icasa_subscription_state == "closed" else None
        return ledger_math.served_ranges(
            period.start,
            period.end,
            self.icasa_start_date or period.start,
            last_day,
            pauses,
            keep_started=plan.billing_mode == "prepaid" and not plan.credit_on_close,
        )

    def _icasa_one_time_lines_to_bill(self):
        """One-time lines go with the first period's invoice, unless milestones bill them."""
        self.ensure_one()
        if self.icasa_milestone_billing or self.icasa_plan_id.generate == "order":
            return []
        return list(
            self.order_line.filtered(
                lambda line: not line.icasa_recurring and not line.display_type and line.qty_to_invoice > 0
            )
        )

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
            order.with_context(icasa_engine=True).write(
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

    def action_icasa_pause(self, date_from=None):
        """Pause from ``date_from`` (default today): the days from then to the
        resume are not served. A prepaid period billed already is credited for
        them when the plan credits unused days."""
        today = fields.Date.context_today(self)
        for order in self:
            day = fields.Date.to_date(date_from) if date_from else max(today, order.icasa_start_date or today)
            if order.icasa_subscription_state != "active":
                raise UserError(
                    self.env._(
                        "Subscription %(order)s is not active; only an active subscription can be paused.",
                        order=order.name,
                    )
                )
            last_resume = max(order.icasa_pause_ids.mapped("date_to"), default=None)
            if day < order.icasa_start_date or (last_resume and day < last_resume):
                raise UserError(
                    self.env._(
                        "Subscription %(order)s cannot be paused from %(date)s: pick a day after its start and "
                        "after its last pause.",
                        order=order.name,
                        date=format_date(self.env, day),
                    )
                )
            # the pause log is written by this action only: users read it
            self.env["icasa.subscription.pause"].sudo().create({"order_id": order.id, "date_from": day})
            order.with_context(icasa_engine=True).icasa_subscription_state = "paused"
            order._icasa_recheck_from(day)
            order.message_post(body=self.env._("Paused from %(date)s.", date=format_date(self.env, day)))
        self._icasa_bill_changes()
        return True

    def action_icasa_resume(self, date_to=None):
        """Resume on ``date_to`` (default today), the first day served again.
        Periods that fell due before the pause are billed as they were."""
        today = fields.Date.context_today(self)
        for order in self:
            if order.icasa_subscription_state != "paused":
                raise UserError(
                    self.env._("Subscription %(order)s is not paused; there is nothing to resume.", order=order.name)
                )
            pause = order.icasa_pause_ids.filtered(lambda p: not p.date_to)[:1]
            day = fields.Date.to_date(date_to) if date_to else max(today, pause.date_from or today)
            if pause and day < pause.date_from:
                raise UserError(
                    self.env._(
                        "Subscription %(order)s was paused on %(paused)s: it cannot resume on %(date)s, before.",
                        order=order.name,
                        paused=format_date(self.env, pause.date_from),
                        date=format_date(self.env, day),
                    )
                )
            pause.sudo().date_to = day  # the pause log is written by this action only
            order.with_context(icasa_engine=True).icasa_subscription_state = "active"
            order._icasa_recheck_from(pause.date_from if pause else day)
            order.message_post(body=self.env._("Resumed on %(date)s.", date=format_date(self.env, day)))
        self._icasa_bill_changes()
        return True

    def _icasa_close(self, close_date, reason=None):
        """Close on ``close_date`` (the last day served). The billing service
        then brings every period to what it served: a prepaid period billed
        beyond the close is credited for the unused days when the plan says
        so, a postpaid one bills its last part."""
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
            if not order.icasa_plan_id or order.icasa_subscription_state not in ("active", "paused"):
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
            open_pause = order.icasa_pause_ids.filtered(lambda p: not p.date_to)
            if open_pause:
                # the pause log is written by the subscription's actions only
                open_pause.sudo().date_to = max(close_date + timedelta(days=1), open_pause.date_from)
            order.with_context(icasa_engine=True).write(
                {
                    "icasa_subscription_state": "closed",
                    "icasa_close_date": close_date,
                    "icasa_close_reason_id": reason.id if reason else False,
                    "icasa_end_date": max(close_date, order.icasa_start_date or close_date),
                    "icasa_tacit_renewal": False,
                }
            )
            order._icasa_recheck_from(close_date + timedelta(days=1))
            order.message_post(
                body=self.env._("Closed: the last day served is %(date)s.", date=format_date(self.env, close_date))
            )
        return self._icasa_bill_changes()

    def _icasa_bill_changes(self):
        """Bring the changed periods to what they served right away when the
        user may invoice; otherwise the next run does it."""
        changed = self.filtered(lambda o: o.icasa_recheck_from)
        if not changed:
            return self.env["account.move"]
        if not self.env.user.has_group("account.group_account_invoice"):
            for order in changed:
                order.message_post(
                    body=self.env._(
                        "The periods from %(date)s are billed or credited by the next billing run.",
                        date=format_date(self.env, order.icasa_recheck_from),
                    )
                )
            return self.env["account.move"]
        locked = changed._icasa_try_lock()
        today = fields.Date.context_today(self)
        result = self.env["icasa.subscription.billing"]._bill_orders(locked, today)
        return result["moves"]

    def _icasa_try_lock(self):
        """The orders of ``self`` locked for this transaction; those a billing
        worker holds are left to the run."""
        self.flush_recordset()
        self.env.cr.execute(SQL("SELECT id FROM sale_order WHERE id = ANY(%s) FOR UPDATE SKIP LOCKED", self.ids))
        locked = {row[0] for row in self.env.cr.fetchall()}
        return self.filtered(lambda o: o.id in locked)

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

    def _action_cancel(self):
        """Cancelling a running subscription that billed nothing takes it back
        to a quotation; one with billed periods must be closed instead (its
        ledger and credit of unused days). A cancelled order that a period
        created opens that period again, as a cancelled invoice does."""
        running = self.filtered(lambda o: o.icasa_subscription_state in ("active", "paused"))
        billed = running.filtered(lambda o: any(r.live for r in o.icasa_period_ids))
        if billed:
            raise UserError(
                self.env._(
                    "%(orders)s has billed periods: use Close Subscription to stop its billing rather than "
                    "cancelling the order.",
                    orders=", ".join(billed.mapped("name")),
                )
            )
        result = super()._action_cancel()
        running.with_context(icasa_engine=True).icasa_subscription_state = "quotation"
        self._icasa_generated_rows()._icasa_kill(self.env._("cancelled"))
        return result

    def action_draft(self):
        """A cancelled order that a period created, set back to quotation,
        counts for its period again."""
        cancelled = self.filtered(lambda o: o.state == "cancel")
        rows = cancelled._icasa_generated_rows()._icasa_check_revive()
        result = super().action_draft()
        rows._icasa_revive()
        return result

    def _icasa_generated_rows(self):
        """The ledger rows of the documents these orders are."""
        if not self.ids:
            return self.env["icasa.subscription.period"]
        # the ledger is read by the engine whatever the user's rights on other orders
        return self.env["icasa.subscription.period"].sudo().search([("sale_order_id", "in", self.ids)])

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
        idle = self.filtered(lambda o: o.icasa_subscription_state not in ("active", "paused", "closed"))
        if idle:
            raise UserError(
                self.env._(
                    "%(orders)s has not started: confirm or start it before invoicing.",
                    orders=", ".join(idle.mapped("name")),
                )
            )
        self._icasa_lock_or_raise()
        result = self.env["icasa.subscription.billing"]._bill_orders(self, fields.Date.context_today(self))
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
        if not documents and not result["orders"]:
            return {
                "type": "ir.actions.client",
                "tag": "display_notification",
                "params": {
                    "type": "info",
                    "title": self.env._("Nothing to invoice"),
                    "message": self._icasa_nothing_due_message(),
                    "next": {"type": "ir.actions.client", "tag": "soft_reload"},
                },
            }
        return True

    def _icasa_nothing_due_message(self):
        """What Invoice Now says when nothing is due: billed up to when, and the next invoice date."""
        messages = []
        for order in self:
            if order.icasa_next_invoice_date:
                messages.append(
                    self.env._(
                        "%(order)s: every period due up to today is billed already; the next invoice is due on "
                        "%(date)s.",
                        order=order.name,
                        date=format_date(self.env, order.icasa_next_invoice_date),
                    )
                )
            else:
                messages.append(
                    self.env._("%(order)s: every period is billed already; nothing more falls due.", order=order.name)
                )
        return "\n".join(messages)

    def _icasa_lock_or_raise(self):
        """Take the row locks the cron takes; refuse when a cron worker holds one."""
        busy = self - self._icasa_try_lock()
        if busy:
            raise UserError(
                self.env._(
                    "%(orders)s is being invoiced right now by the scheduled action. Try again in a minute.",
                    orders=", ".join(busy.mapped("name")),
                )
            )

    def _icasa_record_billing_error(self, message):
        """Post the error on the subscription, flag it and ask its accountant to
        look. A subscription failing run after run keeps one open activity and
        posts the error again only when it changes."""
        self.ensure_one()
        changed = message != self.icasa_billing_error
        self.with_context(icasa_engine=True).icasa_billing_error = message
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

    def _icasa_clear_billing_error(self):
        self.with_context(icasa_engine=True).icasa_billing_error = False
        self._icasa_failure_activities().action_feedback(feedback=self.env._("Billed successfully by a later run."))

    def _icasa_failure_activities(self):
        activity_type = self.env.ref("icasa_ev_subscription.mail_activity_billing_failed", raise_if_not_found=False)
        return self.activity_ids.filtered(lambda a: a.activity_type_id == activity_type and activity_type)

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
        self.mapped("icasa_pause_ids")

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
                order.with_context(icasa_engine=True).write(
                    {
                        "icasa_subscription_state": "closed",
                        "icasa_close_date": order.icasa_end_date,
                        "icasa_close_reason_id": reason.id if reason else False,
                    }
                )

    def _icasa_recurring_lines(self):
        return self.order_line.filtered(lambda line: line.icasa_recurring and not line.display_type)

    def _icasa_prepare_period_order_values(self):
        """The header of a sale order that bills one period (plans that generate orders)."""
        self.ensure_one()
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

    def action_icasa_view_activation_subscriptions(self):
        """The subscriptions that the activation of this hardware order started."""
        self.ensure_one()
        subscriptions = self.search([("icasa_source_order_id", "=", self.id), ("state", "!=", "cancel")])
        return subscriptions._icasa_subscription_action()

    def _icasa_subscription_action(self):
        """These subscriptions in the subscription views: the form for one, the list for more."""
        action = self.env["ir.actions.act_window"]._for_xml_id("icasa_ev_subscription.action_icasa_subscriptions")
        action["context"] = {"create": False}
        if len(self) == 1:
            form = self.env.ref("icasa_ev_subscription.icasa_subscription_view_form")
            action.update(view_mode="form", views=[(form.id, "form")], res_id=self.id)
        else:
            action["domain"] = [("id", "in", self.ids)]
        return action

    def action_icasa_view_invoices(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("account.action_move_out_invoice_type")
        action["domain"] = [("icasa_subscription_id", "=", self.id)]
        action["context"] = {"default_move_type": "out_invoice", "create": False}
        return action
