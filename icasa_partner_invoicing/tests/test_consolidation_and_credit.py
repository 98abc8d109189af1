from datetime import date
from unittest.mock import patch

from odoo import sql_db
from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import PartnerCommon


@tagged("post_install", "-at_install")
class TestConsolidationAndCredit(PartnerCommon):
    def _shops(self):
        """Three shops of the reseller, monthly calendar subscriptions at
        30.00 starting on the 1st, 10th and 20th of January 2027, each billed
        on its start day."""
        orders = [
            self._subscription(self.monthly_calendar, start, partner=shop)
            for shop, start in (
                (self.shop_1, date(2027, 1, 1)),
                (self.shop_2, date(2027, 1, 10)),
                (self.shop_3, date(2027, 1, 20)),
            )
        ]
        for day in (date(2027, 1, 1), date(2027, 1, 10), date(2027, 1, 20)):
            self._bill(day)
        return orders

    def _consolidated(self):
        return self.env["account.move"].search(
            [("icasa_agreement_id", "=", self.reseller_agreement.id), ("icasa_consolidated", "=", True)],
            order="icasa_consolidation_start, id",
        )

    def _consolidate(self, day):
        return self.env["icasa.subscription.billing"]._cron_consolidate(today=day)

    def test_one_invoice_per_partner_and_month_names_each_end_customer(self):
        orders = self._shops()
        # billed: charges to consolidate, in each subscription's ledger
        self.assertFalse(self._consolidated())
        self.assertEqual(self.reseller_agreement.pending_amount, 62.9)
        self.assertFalse(self._consolidate(date(2027, 1, 31)))  # January has not ended
        self._bill(date(2027, 1, 25))  # a rerun bills nothing twice
        self.assertEqual(self.reseller_agreement.pending_amount, 62.9)
        invoice = self._consolidate(date(2027, 2, 1))
        self.assertEqual(invoice, self._consolidated())
        self.assertEqual((invoice.state, invoice.invoice_date), ("posted", date(2027, 2, 1)))
        self.assertEqual(invoice.invoice_date_due, date(2027, 2, 1))
        self.assertEqual(invoice.partner_id, self.reseller)
        self.assertEqual(
            (invoice.icasa_consolidation_start, invoice.icasa_consolidation_end), (date(2027, 1, 1), date(2027, 1, 31))
        )
        # 30.00; 30 x 22/31 = 21.29; 30 x 12/31 = 11.61
        self.assertEqual(
            [(customer.name, round(amount, 2)) for customer, amount in invoice._icasa_subtotals_by_end_customer()],
            [("Shop One", 30.0), ("Shop Three", 11.61), ("Shop Two", 21.29)],
        )
        self.assertEqual(invoice.amount_untaxed, 62.9)
        shop_two = invoice.invoice_line_ids.filtered(lambda line: line.icasa_end_customer_id == self.shop_2)
        self.assertEqual(shop_two.name, "Maintenance\nShop Two: 01/10/2027 to 01/31/2027")
        for order in orders:
            row = order.icasa_period_ids
            self.assertEqual((row.move_id, row.payer_role, row.payer_id), (invoice, "partner", self.reseller))
            self.assertTrue(row.billing_key)
            self.assertFalse(row.pending_lines)
        self.assertFalse(self._consolidate(date(2027, 2, 2)))
        # February goes on a new invoice
        self._bill(date(2027, 2, 1))
        february = self._consolidate(date(2027, 3, 1))
        self.assertEqual(february.amount_untaxed, 90.0)
        self.assertEqual(february.icasa_consolidation_start, date(2027, 2, 1))

    def test_a_consolidated_invoice_reads_its_order_lines_in_one_query(self):
        """Creating the invoice reads each line's order line; read one by one,
        that is a query per line, and a consolidated invoice has thousands."""
        orders = [self._subscription(self.monthly_calendar, date(2027, 1, 1), partner=self.shop_1) for _i in range(8)]
        self._bill(date(2027, 1, 1))
        self.env.invalidate_all()  # as in the nightly run: nothing of the orders in memory
        queries = []
        execute = sql_db.Cursor.execute

        def logged(cursor, query, params=None, log_exceptions=True):
            queries.append(str(query))
            return execute(cursor, query, params, log_exceptions)

        with patch.object(sql_db.Cursor, "execute", logged):
            invoice = self._consolidate(date(2027, 2, 1))
        self.assertEqual(len(invoice.invoice_line_ids), 8)
        self.assertEqual(invoice.invoice_line_ids.sale_line_ids, self.env["sale.order"].concat(*orders).order_line)
        reads = [q for q in queries if 'SELECT "sale_order_line"."id", "sale_order_line".' in q]
        self.assertLessEqual(len(reads), 2, "the order lines of a consolidated invoice are read one by one")

    def test_consolidate_now_then_a_deleted_line_of_the_draft_is_billed_again(self):
        orders = self._shops()
        action = self.reseller_agreement.action_consolidate_now()
        invoice = self.env["account.move"].browse(action["res_id"])
        self.assertEqual((invoice.state, invoice.amount_untaxed), ("draft", 62.9))
        self.assertFalse(self.reseller_agreement.pending_count)
        invoice.invoice_line_ids.filtered(lambda line: line.icasa_end_customer_id == self.shop_2).unlink()
        invoice.invoice_date = date(2027, 1, 31)
        invoice.action_post()
        self.assertEqual(invoice.amount_untaxed, 41.61)
        row = orders[1].icasa_period_ids.filtered(lambda r: r.move_id == invoice)
        self.assertEqual(row.amount_untaxed, 0.0)
        self._bill(date(2027, 2, 1))
        february = self._consolidate(date(2027, 3, 1))
        # February's 90.00 and Shop Two's January again, 21.29
        self.assertEqual(february.amount_untaxed, 111.29)

    def test_credit_one_end_customer_in_full_bills_its_period_again_once(self):
        orders = self._shops()
        invoice = self._consolidate(date(2027, 2, 1))
        refund = self._credit(invoice, mode="full", end_customer_ids=[(6, 0, self.shop_2.ids)])
        self.assertEqual((refund.move_type, refund.state, refund.amount_untaxed), ("out_refund", "posted", 21.29))
        self.assertEqual(refund.reversed_entry_id, invoice)
        shop_2_rows = orders[1].icasa_period_ids.sorted("id")
        self.assertEqual(
            [(r.kind, r.live, round(r.amount_untaxed, 2)) for r in shop_2_rows],
            [("invoice", False, 21.29), ("refund", True, -21.29)],
        )
        # the other shops are untouched
        for order in (orders[0], orders[2]):
            self.assertEqual(order.icasa_period_ids.mapped("live"), [True])
        self._bill(date(2027, 2, 1))
        self._bill(date(2027, 2, 2))
        february = self._consolidate(date(2027, 3, 1))
        self.assertEqual(february.amount_untaxed, 111.29)

    def test_credit_days_of_a_period_is_a_concession(self):
        self.reseller_agreement.consolidate = False
        order = self._subscription(self.monthly_calendar, date(2027, 1, 1), partner=self.shop_1)
        self._bill(date(2027, 1, 1))
        invoice = order.icasa_subscription_move_ids
        invoice.action_post()
        # 10 of 31 days: 30 x 10/31 = 9.68
        refund = self._credit(invoice, mode="days", date_from=date(2027, 1, 22))
        self.assertEqual(refund.amount_untaxed, 9.68)
        self.assertEqual(refund.partner_id, self.reseller)
        self.assertEqual(
            self._rows(order)[-1], (date(2027, 1, 1), "refund", "partner", "Charge Resell BV", -9.68, True)
        )
        self._bill(date(2027, 1, 25))
        self.assertEqual(len(order.icasa_subscription_move_ids), 2)  # not billed again
        with self.assertRaisesRegex(UserError, "more than what is left to credit"):
            self._credit(invoice, mode="amount", amount=20.33)
        last = self._credit(invoice, mode="amount", amount=20.32)
        self.assertEqual(last.amount_untaxed, 20.32)
        # now credited in full: the period is billed again, once
        self.assertFalse(order.icasa_period_ids.filtered(lambda r: r.kind == "invoice").live)
        self._bill(date(2027, 1, 26))
        again = order.icasa_subscription_move_ids.filtered(lambda m: m.move_type == "out_invoice") - invoice
        self.assertEqual(again.amount_untaxed, 30.0)
        with self.assertRaisesRegex(UserError, "Nothing is left to credit"):
            self._credit(invoice, mode="full")
