from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import SubscriptionCommon


@tagged("post_install", "-at_install")
class TestStandardInvoicingGuard(SubscriptionCommon):
    """Odoo's "Create Invoice" must not bill recurring lines outside the period ledger."""

    def test_recurring_lines_are_not_invoiceable_by_odoo(self):
        order = self._subscription(
            self.monthly, self.d("2027-03-01"), lines=[(self.maintenance, 2, 30.0), (self.sim, 2, 4.5)]
        )
        self.assertEqual(order.order_line.mapped("qty_to_invoice"), [0.0, 0.0])
        self.assertEqual(order.invoice_status, "no")
        with self.assertRaises(UserError):
            order._create_invoices()
        self.assertFalse(order.invoice_ids)

    def test_one_time_line_alone_goes_through_create_invoice(self):
        order = self._subscription(
            self.monthly,
            self.d("2027-03-01"),
            lines=[(self.maintenance, 1, 30.0), (self.install, 1, 450.0)],
        )
        recurring, one_time = order.order_line
        self.assertEqual((recurring.qty_to_invoice, one_time.qty_to_invoice), (0.0, 1.0))
        self.assertEqual(order.invoice_status, "to invoice")
        invoice = order._create_invoices()
        self.assertEqual(invoice.invoice_line_ids.product_id, self.install)
        self.assertEqual(invoice.amount_untaxed, 450.0)
        # the period engine still bills the recurring line once for March, and not the installation again
        self._bill(self.d("2027-03-01"))
        period_invoice = order.icasa_period_ids.move_id
        self.assertEqual(len(period_invoice), 1)
        self.assertEqual(period_invoice.invoice_line_ids.product_id, self.maintenance)
        self.assertEqual(period_invoice.amount_untaxed, 30.0)

    def test_recurring_product_on_plain_order_is_invoiced_normally(self):
        order = self.env["sale.order"].create(
            {
                "partner_id": self.customer.id,
                "order_line": [Command.create({"product_id": self.maintenance.id, "price_unit": 30.0})],
            }
        )
        order.action_confirm()
        self.assertEqual(order.order_line.qty_to_invoice, 1.0)
        self.assertEqual(order._create_invoices().amount_untaxed, 30.0)
