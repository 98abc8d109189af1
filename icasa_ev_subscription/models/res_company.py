from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    icasa_index_notice_days = fields.Integer(
        string="Price Change Notice (days)",
        default=30,
        help="Customers are e-mailed the new price of an indexed subscription line this many days "
        "before the indexation takes effect.",
    )
