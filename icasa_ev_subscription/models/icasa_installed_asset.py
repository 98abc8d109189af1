from odoo import fields, models


class IcasaInstalledAsset(models.Model):
    _inherit = "icasa.installed.asset"

    icasa_subscription_line_ids = fields.One2many(
        "sale.order.line", "icasa_asset_id", string="Subscription Lines", readonly=True
    )
    icasa_subscription_count = fields.Integer(
        string="Subscriptions",
        compute="_compute_icasa_subscription_count",
        groups="sales_team.group_sale_salesman,account.group_account_invoice",
    )

    def _icasa_subscriptions(self):
        return self.icasa_subscription_line_ids.order_id.filtered(lambda o: o.icasa_plan_id and o.state != "cancel")

    def _compute_icasa_subscription_count(self):
        for asset in self:
            asset.icasa_subscription_count = len(asset._icasa_subscriptions())

    def action_icasa_view_subscriptions(self):
        """The subscription (or subscriptions) whose recurring lines serve this asset."""
        self.ensure_one()
        return self._icasa_subscriptions()._icasa_subscription_action()
