from odoo import fields, models


class ResPartner(models.Model):
    _inherit = "res.partner"

    icasa_agreement_id = fields.Many2one(
        "icasa.partner.agreement",
        string="Paid By",
        index="btree_not_null",
        help="The partner agreement that pays for this end customer by default.",
    )
    icasa_payer_agreement_ids = fields.One2many("icasa.partner.agreement", "partner_id", string="Partner Agreements")
