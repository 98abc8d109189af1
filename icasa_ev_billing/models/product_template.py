from odoo import fields, models

BILLING_ROLES = [
    ("hardware", "Hardware"),
    ("installation", "Installation"),
    ("activation", "Activation"),
    ("inspection", "Technical Inspection"),
    ("maintenance", "Maintenance"),
    ("connectivity", "Connectivity / SIM Data"),
    ("other", "Other"),
]


class ProductTemplate(models.Model):
    _inherit = "product.template"

    icasa_asset_type_id = fields.Many2one(
        "icasa.asset.type",
        string="Asset Type",
        help="The kind of equipment this product is or serves (EV charger, solar panel, ...).",
    )
    icasa_billing_role = fields.Selection(
        BILLING_ROLES,
        string="Billing Role",
        default="other",
        help="What the product is billed for: groups reports and drives milestone and subscription rules.",
    )
