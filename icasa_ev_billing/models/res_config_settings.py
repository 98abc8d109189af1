from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    icasa_milestone_invoice_post = fields.Boolean(related="company_id.icasa_milestone_invoice_post", readonly=False)
