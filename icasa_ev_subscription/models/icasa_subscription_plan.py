from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..tools.periods import Recurrence

# How many months one period of each unit spans, to express revenue per month.
MONTHS_PER_UNIT = {"week": 12.0 / 52.0, "month": 1.0, "year": 12.0}


class IcasaSubscriptionPlan(models.Model):
    """How a subscription is billed: recurrence, prepaid or postpaid, alignment,
    and what each period produces."""

    _name = "icasa.subscription.plan"
    _description = "Subscription Plan"
    _order = "sequence, id"
    _check_company_auto = True

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one("res.company", help="Leave empty to share the plan between companies.")
    interval_number = fields.Integer(string="Every", required=True, default=1)
    interval_unit = fields.Selection(
        [("week", "Weeks"), ("month", "Months"), ("year", "Years")],
        string="Unit",
        required=True,
        default="month",
    )
    billing_mode = fields.Selection(
        [("prepaid", "Prepaid (at the start of the period)"), ("postpaid", "Postpaid (after the period)")],
        required=True,
        default="prepaid",
    )
    days_before = fields.Integer(
        string="Days in Advance",
        default=0,
        help="Prepaid plans: invoice this many days before the period starts.",
    )
    alignment = fields.Selection(
        [
            ("anniversary", "Anniversary (periods start on the start date)"),
            ("calendar", "Calendar (Monday, 1st, 1 January)"),
        ],
        required=True,
        default="anniversary",
        help="Calendar alignment bills a pro-rata first period up to the next calendar boundary.",
    )
    generate = fields.Selection(
        [("invoice", "Invoice"), ("order", "Sale Order")],
        string="Each Period Creates",
        required=True,
        default="invoice",
    )
    auto_post = fields.Boolean(string="Post Invoices", default=True)
    auto_email = fields.Boolean(string="E-mail Invoices", help="Send posted invoices to the customer.")
    credit_on_close = fields.Boolean(
        string="Credit Unused Days on Close",
        default=True,
        help="Prepaid plans: closing mid-period issues a credit note for the days not served.",
    )
    journal_id = fields.Many2one(
        "account.journal",
        string="Invoicing Journal",
        domain="[('type', '=', 'sale')]",
        check_company=True,
        help="Leave empty to use the default sales journal of the company.",
    )
    subscription_count = fields.Integer(compute="_compute_subscription_count")

    @api.constrains("interval_number", "interval_unit", "days_before")
    def _check_interval(self):
        for plan in self:
            if plan.interval_number <= 0:
                raise ValidationError(
                    self.env._(
                        "Plan %(plan)s: the recurrence interval is %(number)s; set a whole number of weeks, "
                        "months or years of at least 1.",
                        plan=plan.name,
                        number=plan.interval_number,
                    )
                )
            longest = {"week": 5200, "month": 1200, "year": 100}.get(plan.interval_unit, 100)
            if plan.interval_number > longest:
                raise ValidationError(
                    self.env._(
                        "Plan %(plan)s: a period of %(number)s %(unit)s is longer than a hundred years; set at "
                        "most %(max)s.",
                        plan=plan.name,
                        number=plan.interval_number,
                        unit=plan.interval_unit,
                        max=longest,
                    )
                )
            if plan.days_before < 0:
                raise ValidationError(
                    self.env._("Plan %(plan)s: the days in advance must be zero or more.", plan=plan.name)
                )

    def _compute_subscription_count(self):
        groups = self.env["sale.order"]._read_group(
            [("icasa_plan_id", "in", self.ids), ("icasa_subscription_state", "in", ("active", "paused"))],
            ["icasa_plan_id"],
            ["__count"],
        )
        counts = {plan.id: count for plan, count in groups}
        for plan in self:
            plan.subscription_count = counts.get(plan.id, 0)

    def _recurrence(self):
        self.ensure_one()
        return Recurrence(self.interval_number, self.interval_unit)

    def _months_per_period(self):
        self.ensure_one()
        return MONTHS_PER_UNIT[self.interval_unit] * self.interval_number

    def write(self, vals):
        grid_fields = {"interval_number", "interval_unit", "alignment"}
        if grid_fields & set(vals):
            # A change after invoicing applies from the next period only: the
            # subscriptions already billed restart their grid where billing stopped.
            orders = self.env["sale.order"].search(
                [("icasa_plan_id", "in", self.ids), ("icasa_period_ids", "!=", False)]
            )
            orders._icasa_restart_grid()
        return super().write(vals)

    def action_view_subscriptions(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("icasa_ev_subscription.action_icasa_subscriptions")
        action["domain"] = [("icasa_plan_id", "=", self.id)]
        return action
