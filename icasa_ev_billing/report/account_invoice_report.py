from odoo import api, fields, models
from odoo.tools import SQL

from ..models.product_template import BILLING_ROLES


class AccountInvoiceReport(models.Model):
    _inherit = "account.invoice.report"

    icasa_billing_role = fields.Selection(BILLING_ROLES, string="Billing Role", readonly=True)
    icasa_asset_type_id = fields.Many2one("icasa.asset.type", string="Asset Type", readonly=True)

    @api.model
    def _select(self) -> SQL:
        return SQL(
            "%s, template.icasa_billing_role AS icasa_billing_role, "
            "template.icasa_asset_type_id AS icasa_asset_type_id",
            super()._select(),
        )
