from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    icasa_milestone_invoice_post = fields.Boolean(
        string="Post Milestone Invoices",
        help="Post the invoice of a milestone as soon as the milestone is reached; otherwise it stays a draft.",
    )
