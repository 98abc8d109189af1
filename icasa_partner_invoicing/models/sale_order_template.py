from odoo import fields, models

from .icasa_partner_agreement import PAYER_KINDS


class SaleOrderTemplate(models.Model):
    _inherit = "sale.order.template"

    icasa_payer_kind = fields.Selection(
        PAYER_KINDS,
        string="Who Pays",
        help="The default for quotes of this template when the customer has no partner agreement.",
    )
    icasa_split_rule_ids = fields.One2many("icasa.payer.split.rule", "template_id", string="Split", copy=True)
