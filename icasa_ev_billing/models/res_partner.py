from odoo import fields, models

OFFICE_GROUPS = "sales_team.group_sale_salesman,account.group_account_invoice"


class ResPartner(models.Model):
    _inherit = "res.partner"

    icasa_asset_count = fields.Integer(
        string="Installed Assets", compute="_compute_icasa_asset_count", groups=OFFICE_GROUPS
    )

    def _compute_icasa_asset_count(self):
        for partner in self:
            partner.icasa_asset_count = self.env["icasa.installed.asset"].search_count(
                [("partner_id", "child_of", partner.commercial_partner_id.ids if partner.id else [])]
            )

    def action_icasa_view_assets(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("icasa_ev_billing.icasa_installed_asset_action")
        action["domain"] = [("partner_id", "child_of", self.commercial_partner_id.ids)]
        action["context"] = {"default_partner_id": self.id}
        return action
