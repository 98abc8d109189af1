from datetime import date

from freezegun import freeze_time

from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import SubscriptionCommon


@tagged("post_install", "-at_install")
class TestSubscriptionReopen(SubscriptionCommon):
    """A cancelled or deleted period invoice opens its period again: the next
    run (or Invoice now) bills it once more, exactly once, whichever period it is."""

    def _live(self, order, start):
        """The invoices of ``order`` not cancelled that bill the period starting on ``start``."""
        return order.icasa_subscription_move_ids.filtered(
            lambda m: (
                m.state != "cancel"
                and m.move_type == "out_invoice"
                and start in m.invoice_line_ids.mapped("icasa_period_start")
            )
        )

    def test_cancel_draft_then_rerun_bills_the_period_exactly_once(self):
        order = self._subscription(self.monthly, date(2027, 1, 1))
        self._bill(date(2027, 2, 1))
        _jan, feb = order.icasa_period_ids.sorted("period_start").move_id
        feb.button_cancel()
        self.assertEqual(feb.state, "cancel")
        body = order.message_ids[0].body
        self.assertIn("cancelled", body)
        self.assertIn("02/01/2027", body)
        self.assertIn("02/28/2027", body)
        self.assertEqual(order.icasa_next_invoice_date, date(2027, 2, 1))
        result = self._bill(date(2027, 2, 1))
        self.assertEqual(result, {"subscriptions": 1, "documents": 1, "failed": 0})
        new = self._live(order, date(2027, 2, 1))
        self.assertEqual(len(new), 1)
        self.assertNotEqual(new, feb)
        self.assertEqual(new.amount_untaxed, 30.0)
        self.assertEqual(
            (new.invoice_line_ids.icasa_period_start, new.invoice_line_ids.icasa_period_end),
            (date(2027, 2, 1), date(2027, 2, 28)),
        )
        self.assertEqual(
            self._ledger(order),
            [
                (date(2027, 1, 1), date(2027, 1, 31), "invoice"),
                (date(2027, 2, 1), date(2027, 2, 28), "invoice"),
                (date(2027, 2, 1), date(2027, 2, 28), "invoice"),
            ],
        )
        self.assertEqual(
            [(r.live, r.note) for r in order.icasa_period_ids.sorted("id")],
            [(True, False), (False, "cancelled"), (True, False)],
        )
        # a second run adds nothing; the next month goes on as usual
        self.assertEqual(self._bill(date(2027, 2, 1))["documents"], 0)
        self.assertEqual(order.icasa_next_invoice_date, date(2027, 3, 1))
        self._bill(date(2027, 3, 1))
        self.assertEqual(self._live(order, date(2027, 3, 1)).amount_untaxed, 30.0)

    def test_invoice_now_bills_a_cancelled_period_again(self):
        order = self._subscription(self.monthly, date(2027, 1, 1))
        with freeze_time("2027-01-05"):
            order.action_icasa_invoice_now()
            order.icasa_subscription_move_ids.button_cancel()
            order.action_icasa_invoice_now()
            order.action_icasa_invoice_now()
        self.assertEqual(len(self._live(order, date(2027, 1, 1))), 1)
        self.assertEqual(len(order.icasa_subscription_move_ids), 2)

    def test_cancelling_a_posted_invoice_reopens_the_period(self):
        plan = self._plan("Posted", auto_post=True)
        order = self._subscription(plan, date(2027, 1, 1))
        self._bill(date(2027, 1, 1))
        posted = order.icasa_subscription_move_ids
        self.assertEqual(posted.state, "posted")
        posted.button_cancel()
        self._bill(date(2027, 1, 10))
        new = self._live(order, date(2027, 1, 1))
        self.assertEqual(len(new), 1)
        self.assertEqual(new.state, "posted")
        self.assertEqual(new.amount_untaxed, 30.0)

    def test_cancelling_an_earlier_period_catches_it_up(self):
        # January carries the one-time installation: 30.00 + 450.00 = 480.00
        order = self._subscription(
            self.monthly, date(2027, 1, 1), lines=[(self.maintenance, 1, 30.0), (self.install, 1, 450.0)]
        )
        self._bill(date(2027, 3, 1))
        jan, feb, mar = order.icasa_period_ids.sorted("period_start").move_id
        self.assertEqual((jan.amount_untaxed, feb.amount_untaxed, mar.amount_untaxed), (480.0, 30.0, 30.0))
        jan.button_cancel()
        install_line = order.order_line.filtered(lambda line: line.product_id == self.install)
        self.assertEqual(install_line.qty_invoiced, 0.0)
        self.assertEqual(order.icasa_next_invoice_date, date(2027, 1, 1))
        result = self._bill(date(2027, 3, 15))
        self.assertEqual(result["documents"], 1)
        new = self._live(order, date(2027, 1, 1))
        self.assertEqual(len(new), 1)
        self.assertEqual(new.amount_untaxed, 480.0)
        self.assertEqual(install_line.qty_invoiced, 1.0)
        for start in (date(2027, 2, 1), date(2027, 3, 1)):
            self.assertEqual(len(self._live(order, start)), 1)
        self.assertEqual(self._bill(date(2027, 3, 15))["documents"], 0)
        self.assertEqual(order.icasa_next_invoice_date, date(2027, 4, 1))

    def test_deleting_an_earlier_or_the_last_period_invoice_reopens_it(self):
        order = self._subscription(self.monthly, date(2027, 1, 1))
        self._bill(date(2027, 3, 1))
        jan, _feb, mar = order.icasa_period_ids.sorted("period_start").move_id
        jan.unlink()
        released = order.icasa_period_ids.filtered(lambda r: not r.live)
        self.assertEqual(
            (released.period_start, released.move_id, released.note), (date(2027, 1, 1), jan.browse(), "deleted")
        )
        self.assertIn("deleted", order.message_ids[0].body)
        self.assertIn("01/01/2027", order.message_ids[0].body)
        mar.unlink()
        self.assertEqual(order.icasa_next_invoice_date, date(2027, 1, 1))
        self.assertEqual(self._bill(date(2027, 3, 1))["documents"], 2)
        for start in (date(2027, 1, 1), date(2027, 2, 1), date(2027, 3, 1)):
            live = self._live(order, start)
            self.assertEqual(len(live), 1)
            self.assertEqual(live.amount_untaxed, 30.0)
        self.assertEqual(self._bill(date(2027, 3, 1))["documents"], 0)

    def test_partial_first_period_billed_again_at_the_same_pro_rata(self):
        # calendar-aligned from 17 January: 30 x 15/31 = 14.516... -> 14.52, again after a cancel
        order = self._subscription(self.monthly_calendar, date(2027, 1, 17))
        self._bill(date(2027, 2, 1))
        first = order.icasa_period_ids.sorted("period_start")[0].move_id
        first.button_cancel()
        self._bill(date(2027, 2, 1))
        new = self._live(order, date(2027, 1, 17))
        self.assertEqual(new.amount_untaxed, 14.52)
        self.assertEqual(
            (new.invoice_line_ids.icasa_period_start, new.invoice_line_ids.icasa_period_end),
            (date(2027, 1, 17), date(2027, 1, 31)),
        )
        self.assertEqual(self._live(order, date(2027, 2, 1)).amount_untaxed, 30.0)

    def test_reset_to_draft_takes_the_period_back(self):
        order = self._subscription(self.monthly, date(2027, 1, 1))
        self._bill(date(2027, 1, 1))
        move = order.icasa_subscription_move_ids
        move.button_cancel()
        move.button_draft()
        self.assertEqual(move.state, "draft")
        self.assertEqual(self._ledger(order), [(date(2027, 1, 1), date(2027, 1, 31), "invoice")])
        self.assertIn("reset to draft", order.message_ids[0].body)
        self.assertEqual(self._bill(date(2027, 1, 1))["documents"], 0)

    def test_reset_to_draft_refused_once_billed_again(self):
        order = self._subscription(self.monthly, date(2027, 1, 1))
        self._bill(date(2027, 1, 1))
        old = order.icasa_subscription_move_ids
        old.button_cancel()
        self._bill(date(2027, 1, 1))
        new = order.icasa_subscription_move_ids - old
        with self.assertRaisesRegex(UserError, "cannot be reset to draft"):
            old.button_draft()
        self.assertEqual(old.state, "cancel")
        self.assertEqual(self._live(order, date(2027, 1, 1)), new)

    def test_closed_subscription_bills_a_cancelled_last_period_again(self):
        # postpaid March closed on 20 March: 30 x 20/31 = 19.354... -> 19.35
        order = self._subscription(self.monthly_postpaid, date(2027, 3, 1))
        order._icasa_close(date(2027, 3, 20))
        self._bill(date(2027, 3, 21))
        order.icasa_subscription_move_ids.button_cancel()
        self.assertEqual(order.icasa_next_invoice_date, date(2027, 3, 1))
        self._bill(date(2027, 3, 25))
        live = self._live(order, date(2027, 3, 1))
        self.assertEqual(len(live), 1)
        self.assertEqual(live.amount_untaxed, 19.35)
        self.assertEqual(order.icasa_subscription_state, "closed")
        self.assertFalse(order.icasa_next_invoice_date)

    def test_cancelled_period_order_is_created_again_once(self):
        plan = self._plan("Orders", generate="order")
        order = self._subscription(plan, date(2027, 1, 1), lines=[(self.maintenance, 2, 30.0)])
        self._bill(date(2027, 2, 1))
        _jan, feb = order.icasa_period_ids.sorted("period_start").sale_order_id
        feb._action_cancel()
        self.assertIn("cancelled", order.message_ids[0].body)
        self.assertEqual(self._bill(date(2027, 2, 1))["documents"], 1)
        created = order.icasa_period_ids.filtered(lambda r: r.kind == "order").sale_order_id
        feb_orders = created.filtered(lambda o: o.state != "cancel" and "02/01/2027" in o.order_line.name)
        self.assertEqual(len(feb_orders), 1)
        self.assertEqual(feb_orders.amount_untaxed, 60.0)
        self.assertEqual(self._bill(date(2027, 2, 1))["documents"], 0)
        # the cancelled one cannot come back: February is ordered again
        with self.assertRaisesRegex(UserError, "cannot be reset to draft"):
            feb.action_draft()
        self.assertEqual(feb.state, "cancel")

    def test_a_subscription_whose_invoices_were_all_deleted_can_be_deleted(self):
        order = self._subscription(self.monthly, date(2027, 1, 1))
        self._bill(date(2027, 1, 1))
        order.icasa_subscription_move_ids.unlink()
        order._action_cancel()
        self.assertEqual(order.icasa_subscription_state, "quotation")
        order.unlink()
        self.assertFalse(order.exists())
        # a cancelled invoice is still a document: its subscription stays
        order = self._subscription(self.monthly, date(2027, 1, 1))
        self._bill(date(2027, 1, 1))
        order.icasa_subscription_move_ids.button_cancel()
        order._action_cancel()
        with self.assertRaisesRegex(UserError, "billed periods"):
            order.unlink()
