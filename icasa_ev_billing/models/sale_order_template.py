from odoo import fields, models


class SaleOrderTemplate(models.Model):
    _inherit = "sale.order.template"

    icasa_milestone_plan_id = fields.Many2one(
        "icasa.milestone.plan",
        string="Milestone Plan",
        check_company=True,
        help="Quotations made from this template are billed by these milestones.",
    )
