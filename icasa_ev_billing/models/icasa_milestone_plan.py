from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import float_compare

from ..tools.shares import INFINITE, NOT_A_NUMBER, NOT_POSITIVE, OVER_100, TOO_LARGE, share_problem

SHARE_TYPES = [("percent", "Percentage"), ("fixed", "Fixed Amount")]
TRIGGERS = [
    ("confirmation", "Order Confirmation"),
    ("completion", "Completion by the Field Team"),
    ("date", "Scheduled Date"),
]
KINDS = [("installation", "Installation"), ("activation", "Activation"), ("other", "Other")]
DATE_UNITS = [("day", "Days"), ("week", "Weeks"), ("month", "Months"), ("year", "Years")]
SHARE_DIGITS = (16, 4)


class IcasaMilestonePlan(models.Model):
    """A reusable billing schedule: 30% at order, 50% at installation, 20% at activation."""

    _name = "icasa.milestone.plan"
    _description = "Milestone Plan"
    _order = "sequence, name"
    _check_company_auto = True

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    share_type = fields.Selection(
        SHARE_TYPES,
        required=True,
        default="percent",
        help="Percentage: shares are percentages of the order's untaxed total and must add up to 100. "
        "Fixed amount: shares are untaxed amounts in the plan's currency and must add up to the order total.",
    )
    company_id = fields.Many2one("res.company", help="Leave empty to share the plan between companies.")
    currency_id = fields.Many2one(
        "res.currency",
        default=lambda self: self.env.company.currency_id,
        required=True,
        help="Currency of fixed-amount shares; such a plan can only be used on orders in this currency.",
    )
    line_ids = fields.One2many("icasa.milestone.plan.line", "plan_id", string="Milestones", copy=True)
    total_share = fields.Float(
        compute="_compute_total_share",
        digits=SHARE_DIGITS,
        groups="sales_team.group_sale_salesman,account.group_account_invoice",
    )
    description = fields.Text(translate=True)

    @api.depends("line_ids.share")
    def _compute_total_share(self):
        for plan in self:
            plan.total_share = sum(plan.line_ids.mapped("share"))

    @api.constrains("share_type", "line_ids")
    def _check_percent_total(self):
        for plan in self.filtered(lambda p: p.share_type == "percent" and p.line_ids):
            if float_compare(plan.total_share, 100.0, precision_digits=SHARE_DIGITS[1]) != 0:
                raise ValidationError(
                    self.env._(
                        "The shares of milestone plan %(plan)s add up to %(total)s%%, not 100%% (gap %(gap)s%%). "
                        "Adjust the shares.",
                        plan=plan.name,
                        total=round(plan.total_share, 4),
                        gap=round(100.0 - plan.total_share, 4),
                    )
                )


class IcasaMilestonePlanLine(models.Model):
    _name = "icasa.milestone.plan.line"
    _description = "Milestone Plan Line"
    _order = "plan_id, sequence, id"

    plan_id = fields.Many2one("icasa.milestone.plan", required=True, ondelete="cascade", index=True)
    sequence = fields.Integer(default=10)
    name = fields.Char(required=True, translate=True)
    share_type = fields.Selection(related="plan_id.share_type")
    # a fixed-amount plan's shares are prices: not for field technicians
    share = fields.Float(
        required=True, digits=SHARE_DIGITS, groups="sales_team.group_sale_salesman,account.group_account_invoice"
    )
    trigger = fields.Selection(TRIGGERS, required=True, default="completion")
    kind = fields.Selection(KINDS, required=True, default="other")
    date_interval = fields.Integer(
        string="Due After",
        help="For a scheduled date: how long after the order confirmation the milestone is due.",
    )
    date_unit = fields.Selection(DATE_UNITS, default="month", string="Unit")
    team_id = fields.Many2one(
        "icasa.field.team",
        string="Field Team",
        help="The team that the milestones of new orders on this plan are assigned to, so that its "
        "technicians see them in My Field Work without the office assigning each one.",
    )

    def _icasa_share_error(self, problem, share, name, plan_name):
        messages = {
            NOT_A_NUMBER: self.env._(
                "Milestone %(milestone)s of plan %(plan)s has a share that is not a number. Enter a positive "
                "percentage or amount.",
                milestone=name,
                plan=plan_name,
            ),
            INFINITE: self.env._(
                "Milestone %(milestone)s of plan %(plan)s has a share that is infinite. Enter a positive "
                "percentage or amount.",
                milestone=name,
                plan=plan_name,
            ),
            NOT_POSITIVE: self.env._(
                "Milestone %(milestone)s of plan %(plan)s has a share of %(share)s: a share must be positive.",
                milestone=name,
                plan=plan_name,
                share=share,
            ),
            OVER_100: self.env._(
                "Milestone %(milestone)s of plan %(plan)s has a share of %(share)s%%: more than 100%% of the "
                "order. Enter a percentage up to 100.",
                milestone=name,
                plan=plan_name,
                share=share,
            ),
            TOO_LARGE: self.env._(
                "Milestone %(milestone)s of plan %(plan)s has a share of %(share)s: too large to bill. Enter the "
                "percentage or the amount of the order it bills.",
                milestone=name,
                plan=plan_name,
                share=share,
            ),
        }
        return ValidationError(messages[problem])

    def _icasa_check_share_values(self, vals_list):
        """Refuse shares the database cannot store (NaN, infinite, huge) with a clear message, before writing."""
        for vals, line in vals_list:
            if "share" not in vals:
                continue
            problem = share_problem(vals["share"], "fixed")
            if problem in (NOT_A_NUMBER, INFINITE, TOO_LARGE):
                plan = line.plan_id or self.env["icasa.milestone.plan"].browse(vals.get("plan_id"))
                raise self._icasa_share_error(problem, vals["share"], vals.get("name") or line.name, plan.name)

    @api.model_create_multi
    def create(self, vals_list):
        self._icasa_check_share_values([(vals, self.browse()) for vals in vals_list])
        return super().create(vals_list)

    def write(self, vals):
        self._icasa_check_share_values([(vals, line) for line in self])
        return super().write(vals)

    @api.constrains("share", "date_interval")
    def _check_share(self):
        for line in self:
            problem = share_problem(line.share, line.plan_id.share_type or "percent")
            if problem:
                raise self._icasa_share_error(problem, line.share, line.name, line.plan_id.name)
            if line.date_interval < 0:
                raise ValidationError(
                    self.env._("Milestone %(milestone)s: the due delay cannot be negative.", milestone=line.name)
                )
