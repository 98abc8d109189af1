from datetime import date

from freezegun import freeze_time

from odoo import Command
from odoo.tests import tagged

from .common import SubscriptionCommon


@tagged("post_install", "-at_install")
class TestSubscriptionActivation(SubscriptionCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.care = cls.env["sale.order.template"].create(
            {
                "name": "Care",
                "icasa_plan_id": cls.monthly_calendar.id,
                "sale_order_template_line_ids": [
                    Command.create({"product_id": cls.maintenance.id, "product_uom_qty": 1}),
                    Command.create({"product_id": cls.sim.id, "product_uom_qty": 1}),
                ],
            }
        )
        cls.wallbox = cls.env["product.product"].create(
            {
                "name": "Wallbox",
                "type": "consu",
                "list_price": 1200.0,
                "invoice_policy": "order",
                "icasa_billing_role": "hardware",
                "icasa_subscription_template_id": cls.care.id,
                "taxes_id": [Command.clear()],
            }
        )
        cls.milestones = cls.env["icasa.milestone.plan"].create(
            {
                "name": "Order / activation",
                "share_type": "percent",
                "line_ids": [
                    Command.create({"sequence": 1, "name": "Order", "share": 70, "trigger": "confirmation"}),
                    Command.create({"sequence": 2, "name": "Activation", "share": 30, "kind": "activation"}),
                ],
            }
        )

    def test_activation_starts_the_care_subscription_prorata(self):
        order = self.env["sale.order"].create(
            {
                "partner_id": self.customer.id,
                "icasa_milestone_plan_id": self.milestones.id,
                "order_line": [Command.create({"product_id": self.wallbox.id, "product_uom_qty": 1})],
            }
        )
        self.assertEqual(order.icasa_activation_template_id, self.care)
        order.action_confirm()
        asset_type = self.env["icasa.asset.type"].search([], limit=1)
        asset = self.env["icasa.installed.asset"].create(
            {
                "serial_number": "WB-7",
                "asset_type_id": asset_type.id,
                "partner_id": self.customer.id,
                "order_id": order.id,
            }
        )
        activation = order.icasa_milestone_ids.filtered(lambda m: m.kind == "activation")
        with freeze_time("2027-01-17 10:00:00"):
            self.env["icasa.milestone.reach.wizard"].create(
                {"milestone_ids": [Command.set(activation.ids)]}
            ).action_confirm()
        subscription = self.env["sale.order"].search([("icasa_source_order_id", "=", order.id)])
        self.assertEqual(len(subscription), 1)
        self.assertEqual(subscription.icasa_subscription_state, "active")
        self.assertEqual(subscription.icasa_start_date, date(2027, 1, 17))
        self.assertEqual(subscription.icasa_plan_id, self.monthly_calendar)
        self.assertEqual(subscription.order_line.icasa_asset_id, asset)
        self.assertEqual(subscription.order_line.mapped("product_id"), self.maintenance | self.sim)
        # pro-rata from the activation date: (30.00 + 4.50) x 15/31 = 14.52 + 2.18 (4.5 x 15/31 = 2.177...)
        self._bill(date(2027, 1, 17))
        first = subscription.icasa_subscription_move_ids
        self.assertEqual(first.invoice_line_ids.mapped("price_unit"), [14.52, 2.18])
        self.assertEqual(first.amount_untaxed, 16.70)
        self.assertIn("WB-7", first.invoice_line_ids[0].name)
        # reaching it again cannot start a second subscription
        order._icasa_start_activation_subscription(activation)
        self.assertEqual(self.env["sale.order"].search_count([("icasa_source_order_id", "=", order.id)]), 1)
