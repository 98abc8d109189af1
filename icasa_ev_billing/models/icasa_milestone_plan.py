from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import float_compare

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
    total_share = fields.Float(compute="_compute_total_share", digits=SHARE_DIGITS)
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
    share = fields.Float(required=True, digits=SHARE_DIGITS)
    trigger = fields.Selection(TRIGGERS, required=True, default="completion")
    kind = fields.Selection(KINDS, required=True, default="other")
    date_interval = fields.Integer(
        string="Due After",
        help="For a scheduled date: how long after the order confirmation the milestone is due.",
    )
    date_unit = fields.Selection(DATE_UNITS, default="month", string="Unit")

    @api.constrains("share", "date_interval")
    def _check_share(self):
        for line in self:
            if float_compare(line.share, 0.0, precision_digits=SHARE_DIGITS[1]) <= 0:
                raise ValidationError(
                    self.env._(
                        "Milestone %(milestone)s of plan %(plan)s has a share of %(share)s: a share must be positive.",
                        milestone=line.name,
                        plan=line.plan_id.name,
                        share=line.share,
                    )
                )
            if line.date_interval < 0:
                raise ValidationError(
                    self.env._("Milestone %(milestone)s: the due delay cannot be negative.", milestone=line.name)
                )
