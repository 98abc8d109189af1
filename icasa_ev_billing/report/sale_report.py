from odoo import fields, models

from ..models.product_template import BILLING_ROLES


class SaleReport(models.Model):
    _inherit = "sale.report"

    icasa_billing_role = fields.Selection(BILLING_ROLES, string="Billing Role", readonly=True)
    icasa_asset_type_id = fields.Many2one("icasa.asset.type", string="Asset Type", readonly=True)

    def _select_additional_fields(self):
        res = super()._select_additional_fields()
        res["icasa_billing_role"] = "t.icasa_billing_role"
        res["icasa_asset_type_id"] = "t.icasa_asset_type_id"
        return res

    def _group_by_sale(self):
        return f"{super()._group_by_sale()},\n            t.icasa_billing_role,\n            t.icasa_asset_type_id"
