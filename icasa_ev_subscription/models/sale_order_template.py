from odoo import api, fields, models


class SaleOrderTemplate(models.Model):
    _inherit = "sale.order.template"

    icasa_plan_id = fields.Many2one(
        "icasa.subscription.plan",
        string="Subscription Plan",
        check_company=True,
        help="Quotes from this template are subscriptions billed on this plan; "
        "their maintenance and connectivity lines recur every period.",
    )
    icasa_term_months = fields.Integer(string="Fixed Term (months)")
    icasa_tacit_renewal = fields.Boolean(string="Tacit Renewal")


class SaleOrderTemplateLine(models.Model):
    _inherit = "sale.order.template.line"

    icasa_recurring = fields.Boolean(
        string="Recurring",
        compute="_compute_icasa_recurring",
        store=True,
        readonly=False,
        precompute=True,
    )

    @api.depends("product_id")
    def _compute_icasa_recurring(self):
        for line in self:
            line.icasa_recurring = line.product_id.icasa_billing_role in ("maintenance", "connectivity")

    def _prepare_order_line_values(self):
        values = super()._prepare_order_line_values()
        values["icasa_recurring"] = self.icasa_recurring
        return values
