from lxml import etree

from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import SubscriptionCommon

REFUSAL = r"%s: a subscription is not billed by Create Invoice\. .*use Invoice Now .*scheduled billing"


@tagged("post_install", "-at_install")
class TestDefect3CreateInvoiceRefused(SubscriptionCommon):
    """Defect 3: Odoo's Create Invoice billed subscriptions outside the period ledger (a 100%
    down payment, then Invoice Now billed the same period again). Every mode now refuses a
    subscription; the ledger bills it, one-time lines included, on its first period invoice."""

    def _subscription_with_installation(self):
        return self._subscription(
            self.monthly, self.d("2027-03-01"), lines=[(self.maintenance, 1, 30.0), (self.install, 1, 450.0)]
        )

    def _wizard(self, orders, **values):
        return (
            self.env["sale.advance.payment.inv"]
            .with_context(active_model="sale.order", active_ids=orders.ids, active_id=orders[:1].id)
            .create(values)
        )

    def _assert_refused(self, order, **values):
        wizard = self._wizard(order, **values)
        with self.assertRaisesRegex(UserError, REFUSAL % order.name):
            wizard.create_invoices()
        self.assertFalse(order.invoice_ids)
        self.assertFalse(order.order_line.filtered("is_downpayment"), "no down payment line left behind")

    def test_defect_3_regular_invoice_refused(self):
        order = self._subscription_with_installation()
        self.assertEqual(order.invoice_status, "to invoice", "the installation is invoiceable")
        self._assert_refused(order, advance_payment_method="delivered")

    def test_defect_3_down_payment_percentage_refused(self):
        order = self._subscription_with_installation()
        self._assert_refused(order, advance_payment_method="percentage", amount=100.0)

    def test_defect_3_down_payment_fixed_refused(self):
        order = self._subscription_with_installation()
        self._assert_refused(order, advance_payment_method="fixed", fixed_amount=480.0)

    def test_defect_3_the_ledger_bills_the_first_period_with_the_one_time_line(self):
        order = self._subscription_with_installation()
        self._assert_refused(order, advance_payment_method="percentage", amount=100.0)
        self._bill(self.d("2027-03-01"))
        invoice = order.icasa_period_ids.move_id
        self.assertEqual(len(invoice), 1)
        self.assertEqual(invoice.invoice_line_ids.product_id, self.maintenance | self.install)
        self.assertEqual(invoice.amount_untaxed, 480.00)  # 30.00 for March + 450.00 once
        self._bill(self.d("2027-03-01"))
        self.assertEqual(order.icasa_period_ids.move_id, invoice, "billed once")

    def test_defect_3_list_selection_with_a_subscription_refused_whole(self):
        plain = self.env["sale.order"].create(
            {
                "partner_id": self.customer.id,
                "order_line": [Command.create({"product_id": self.install.id, "price_unit": 450.0})],
            }
        )
        plain.action_confirm()
        order = self._subscription_with_installation()
        with self.assertRaisesRegex(UserError, REFUSAL % order.name):
            self._wizard(plain | order).create_invoices()
        self.assertFalse((plain | order).invoice_ids)

    def test_defect_3_create_invoice_buttons_hidden_on_subscriptions(self):
        arch = self.env["sale.order"].get_view(self.env.ref("sale.view_order_form").id)["arch"]
        form = etree.fromstring(arch)
        for button_id in ("create_invoice", "create_invoice_percentage"):
            invisible = form.xpath(f"//button[@id='{button_id}']")[0].get("invisible")
            self.assertIn("icasa_plan_id", invisible)
            self.assertIn("icasa_milestone_billing", invisible, "the milestone condition stays")
