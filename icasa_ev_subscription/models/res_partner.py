from odoo import fields, models

OFFICE_GROUPS = "sales_team.group_sale_salesman,account.group_account_invoice"


class ResPartner(models.Model):
    _inherit = "res.partner"

    icasa_subscription_count = fields.Integer(
        string="Subscriptions", compute="_compute_icasa_subscription_count", groups=OFFICE_GROUPS
    )

    def _icasa_subscription_domain(self):
        return [
            ("partner_id", "child_of", self.commercial_partner_id.ids),
            ("icasa_plan_id", "!=", False),
            ("state", "!=", "cancel"),
        ]

    def _compute_icasa_subscription_count(self):
        for partner in self:
            partner.icasa_subscription_count = (
                self.env["sale.order"].search_count(partner._icasa_subscription_domain()) if partner.id else 0
            )

    def action_icasa_view_subscriptions(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("icasa_ev_subscription.action_icasa_subscriptions")
        action["domain"] = self._icasa_subscription_domain()
        action["context"] = {"default_partner_id": self.id}
        return action
