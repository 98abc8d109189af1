from odoo import fields, models


class ProductTemplate(models.Model):
    _inherit = "product.template"

    icasa_subscription_template_id = fields.Many2one(
        "sale.order.template",
        string="Care Subscription",
        domain="[('icasa_plan_id', '!=', False)]",
        help="Hardware: the subscription template (maintenance, SIM data) started when "
        "the activation milestone of an order for this product is reached.",
    )
