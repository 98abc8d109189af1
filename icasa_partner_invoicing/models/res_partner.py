from odoo import fields, models
from odoo.exceptions import ValidationError


class ResPartner(models.Model):
    _inherit = "res.partner"

    icasa_agreement_id = fields.Many2one(
        "icasa.partner.agreement",
        string="Paid By",
        index="btree_not_null",
        help="The partner agreement that pays for this end customer by default.",
    )
    icasa_payer_agreement_ids = fields.One2many("icasa.partner.agreement", "partner_id", string="Partner Agreements")

    def _icasa_check_receivable(self, company, payer_of):
        """Refuse a payer without a receivable account in ``company``; ``payer_of`` names what it pays for."""
        self.ensure_one()
        if not self.with_company(company).property_account_receivable_id:
            raise ValidationError(
                self.env._(
                    "%(partner)s, who pays %(what)s, has no receivable account in %(company)s. "
                    "Set one on the partner's Accounting tab.",
                    partner=self.display_name,
                    what=payer_of,
                    company=company.name,
                )
            )
