from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import IcasaMilestoneCommon


@tagged("post_install", "-at_install")
class TestStandardInvoicingWizard(IcasaMilestoneCommon):
    """Odoo's Create Invoice wizard (sale.advance.payment.inv) with our add-ons installed."""

    def _wizard(self, orders, **values):
        return (
            self.env["sale.advance.payment.inv"]
            .with_context(active_model="sale.order", active_ids=orders.ids, active_id=orders[:1].id)
            .create(values)
        )

    def test_defect_11_down_payment_called_with_a_dict_as_odoo_tests_do(self):
        """Defect 11: Odoo's sale/tests/test_accrued_sale_orders.py calls `_create_invoices` with
        a dict, not a recordset; the down payment modes bill the wizard's orders and ignore it."""
        order = self._order(plan=False)
        order.action_confirm()
        wizard = self._wizard(order, advance_payment_method="percentage", amount=50.0)
        invoice = wizard._create_invoices({"sale_orders": {"active_ids": order.ids}})
        # half of 1,080.00 + 450.00 + 90.00 + 120.00 = 1,740.00 untaxed, 21% tax on top
        self.assertEqual(invoice.amount_untaxed, 870.00)
        self.assertEqual(invoice.amount_total, 1052.70)
        # one down payment line per income account: installation 225.00, the rest 645.00
        self.assertEqual(sorted(invoice.invoice_line_ids.mapped("price_subtotal")), [225.00, 645.00])
        down_payment_lines = invoice.invoice_line_ids.sale_line_ids
        self.assertEqual(down_payment_lines.order_id, order)
        self.assertEqual(down_payment_lines.mapped("is_downpayment"), [True, True])

    def test_defect_11_milestone_order_still_refused_with_a_dict(self):
        order = self._order()
        order.action_confirm()
        wizard = self._wizard(order, advance_payment_method="percentage", amount=50.0)
        with self.assertRaisesRegex(UserError, r"S\d+ are billed by milestones"):
            wizard._create_invoices({"sale_orders": {"active_ids": order.ids}})
        self.assertFalse(order.order_line.filtered("is_downpayment"))

    def test_regular_invoice_of_a_plain_order(self):
        order = self._order(plan=False)
        order.action_confirm()
        self._wizard(order).create_invoices()
        self.assertEqual(order.invoice_ids.amount_untaxed, 1740.00)
