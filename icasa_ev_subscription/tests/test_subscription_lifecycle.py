from datetime import date

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged

from .common import SubscriptionCommon


@tagged("post_install", "-at_install")
class TestSubscriptionLifecycle(SubscriptionCommon):
    def test_close_prepaid_mid_period_credits_unused_days(self):
        # March prepaid at 30.00, closed on 20 March: 11 unused days, 30 x 11/31 = 10.645... -> 10.65
        order = self._subscription(self.monthly, date(2027, 3, 1))
        self._bill(date(2027, 3, 1))
        reason = self.env.ref("icasa_ev_subscription.close_reason_customer_request")
        wizard = self.env["icasa.subscription.close.wizard"].create(
            {"order_id": order.id, "close_date": date(2027, 3, 20), "reason_id": reason.id}
        )
        wizard.action_close()
        credit = order.icasa_subscription_move_ids.filtered(lambda m: m.move_type == "out_refund")
        self.assertEqual(credit.amount_untaxed, 10.65)
        self.assertEqual(
            (credit.invoice_line_ids.icasa_period_start, credit.invoice_line_ids.icasa_period_end),
            (date(2027, 3, 21), date(2027, 3, 31)),
        )
        self.assertEqual(order.icasa_subscription_state, "closed")
        self.assertEqual(order.icasa_close_reason_id, reason)
        self.assertEqual(
            self._ledger(order),
            [(date(2027, 3, 1), date(2027, 3, 31), "invoice"), (date(2027, 3, 1), date(2027, 3, 31), "credit")],
        )
        # nothing more is billed after the close
        self._bill(date(2027, 6, 1))
        self.assertEqual(len(order.icasa_period_ids), 2)
        with self.assertRaisesRegex(UserError, "already closed"):
            order._icasa_close(date(2027, 3, 25))

    def test_close_without_credit_option(self):
        plan = self._plan("No credit", credit_on_close=False)
        order = self._subscription(plan, date(2027, 3, 1))
        self._bill(date(2027, 3, 1))
        self.assertFalse(order._icasa_close(date(2027, 3, 20)))
        self.assertEqual(len(order.icasa_subscription_move_ids), 1)

    def test_close_postpaid_bills_the_last_partial_period(self):
        order = self._subscription(self.monthly_postpaid, date(2027, 3, 1))
        order._icasa_close(date(2027, 3, 20))
        self._bill(date(2027, 3, 21))
        # 30 x 20/31 = 19.354... -> 19.35
        self.assertEqual(self._ledger(order), [(date(2027, 3, 1), date(2027, 3, 20), "invoice")])
        self.assertEqual(order.icasa_subscription_move_ids.amount_untaxed, 19.35)

    def test_end_before_start_refused(self):
        with self.assertRaisesRegex(ValidationError, "before it starts"):
            self._subscription(self.monthly, date(2027, 3, 1), icasa_end_date=date(2027, 2, 1))

    def test_zero_or_negative_interval_refused(self):
        with self.assertRaisesRegex(ValidationError, "at least 1"):
            self._plan("Zero", interval_number=0)
        with self.assertRaisesRegex(ValidationError, "at least 1"):
            self.monthly.interval_number = -1

    def test_delete_billed_subscription_refused(self):
        order = self._subscription(self.monthly, date(2027, 1, 1))
        self._bill(date(2027, 1, 1))
        with self.assertRaisesRegex(UserError, "Close Subscription"):
            order._action_cancel()
        order._icasa_close(date(2027, 1, 31))
        order._action_cancel()
        with self.assertRaisesRegex(UserError, "billed periods"):
            order.unlink()
        quote = self._subscription(self.monthly, date(2027, 1, 1), confirm=False)
        quote.unlink()

    def test_pause_and_resume_bill_the_days_served(self):
        plan = self._plan("Credits unused days", credit_on_close=True)
        order = self._subscription(plan, date(2027, 1, 1))
        self._bill(date(2027, 1, 1))
        # paused from 10 January: 1-9 January served, 30 x 9/31 = 8.709... -> 8.71; 21.29 credited
        with freeze_time("2027-01-10"):
            order.action_icasa_pause(date(2027, 1, 10))
        credit = order.icasa_subscription_move_ids.filtered(lambda m: m.move_type == "out_refund")
        self.assertEqual(credit.amount_untaxed, 21.29)
        # February falls in the pause: recorded as nothing to bill
        self._bill(date(2027, 3, 14))
        self.assertEqual(
            self._ledger(order),
            [
                (date(2027, 1, 1), date(2027, 1, 31), "invoice"),
                (date(2027, 1, 1), date(2027, 1, 31), "credit"),
                (date(2027, 2, 1), date(2027, 2, 28), "none"),
                (date(2027, 3, 1), date(2027, 3, 31), "none"),
            ],
        )
        # resumed on 15 March: 15-31 March, 30 x 17/31 = 16.451... -> 16.45
        with freeze_time("2027-03-15"):
            order.action_icasa_resume(date(2027, 3, 15))
        march = order.icasa_subscription_move_ids.filtered(lambda m: m.icasa_period_start == date(2027, 3, 1))
        self.assertEqual(march.amount_untaxed, 16.45)
        self.assertEqual(
            (march.invoice_line_ids.icasa_period_start, march.invoice_line_ids.icasa_period_end),
            (date(2027, 3, 15), date(2027, 3, 31)),
        )
        self._bill(date(2027, 4, 1))
        april = order.icasa_subscription_move_ids.filtered(lambda m: m.icasa_period_start == date(2027, 4, 1))
        self.assertEqual(april.amount_untaxed, 30.0)

    def test_fixed_term_with_tacit_renewal(self):
        plan = self._plan("Yearly", interval_unit="year")
        order = self._subscription(plan, date(2027, 1, 1), icasa_term_months=12, icasa_tacit_renewal=True)
        self.assertEqual(order.icasa_end_date, date(2027, 12, 31))
        self._bill(date(2028, 1, 1))
        self.assertEqual(order.icasa_end_date, date(2028, 12, 31))
        self.assertEqual([p[0] for p in self._ledger(order)], [date(2027, 1, 1), date(2028, 1, 1)])
        self.assertEqual(order.icasa_subscription_state, "active")

    def test_fixed_term_without_renewal_ends(self):
        order = self._subscription(self.monthly, date(2027, 1, 1), icasa_term_months=2)
        self.assertEqual(order.icasa_end_date, date(2027, 2, 28))
        self._bill(date(2027, 6, 1))
        self.assertEqual(len(order.icasa_period_ids), 2)
        self.assertEqual(order.icasa_subscription_state, "closed")

    def test_duplicate_gives_a_fresh_quotation(self):
        order = self._subscription(
            self.monthly, date(2027, 1, 1), lines=[(self.maintenance, 2, 30.0), (self.sim, 2, 4.5)]
        )
        self._bill(date(2027, 1, 1))
        copy = order.copy()
        self.assertEqual(copy.icasa_plan_id, self.monthly)
        self.assertEqual(copy.icasa_subscription_state, "quotation")
        self.assertFalse(copy.icasa_start_date)
        self.assertFalse(copy.icasa_period_ids)
        self.assertEqual(copy.order_line.mapped("product_id"), order.order_line.mapped("product_id"))

    def test_mrr(self):
        yearly = self._plan("Yearly", interval_unit="year")
        order = self._subscription(yearly, date(2027, 1, 1), lines=[(self.maintenance, 1, 360.0)])
        self.assertEqual(order.icasa_mrr, 30.0)
        quarterly = self._plan("Quarterly", interval_number=3)
        order = self._subscription(
            quarterly, date(2027, 1, 1), lines=[(self.maintenance, 1, 90.0), (self.install, 1, 450.0)]
        )
        self.assertEqual(order.icasa_mrr, 30.0)

    def test_asset_reference_on_the_label(self):
        asset_type = self.env["icasa.asset.type"].search([], limit=1)
        asset = self.env["icasa.installed.asset"].create(
            {"serial_number": "WB-0042", "asset_type_id": asset_type.id, "partner_id": self.customer.id}
        )
        order = self._subscription(self.monthly, date(2027, 1, 1))
        order.order_line.icasa_asset_id = asset
        self._bill(date(2027, 1, 1))
        self.assertIn("WB-0042", order.icasa_subscription_move_ids.invoice_line_ids.name)

    def test_quantity_change_mid_period(self):
        order = self._subscription(self.monthly, date(2027, 3, 1))
        self._bill(date(2027, 3, 1))
        line = order.order_line
        # a second charger from 21 March: 11 days of 31 at 30.00 = 10.645... -> 10.65
        with freeze_time("2027-03-21"):
            line.product_uom_qty = 2
        adjust = order.icasa_period_ids.filtered(lambda r: r.kind == "adjust")
        self.assertEqual((adjust.period_start, adjust.period_end), (date(2027, 3, 1), date(2027, 3, 31)))
        self.assertEqual(
            (adjust.move_id.invoice_line_ids.icasa_period_start, adjust.move_id.invoice_line_ids.icasa_period_end),
            (date(2027, 3, 21), date(2027, 3, 31)),
        )
        self.assertEqual(adjust.move_id.move_type, "out_invoice")
        self.assertEqual(adjust.move_id.amount_untaxed, 10.65)
        self.assertEqual(adjust.move_id.invoice_line_ids.quantity, 1.0)
        # removed again from 26 March: 6 days credited, 30 x 6/31 = 5.806... -> 5.81
        with freeze_time("2027-03-26"):
            line.product_uom_qty = 1
        credit = order.icasa_period_ids.filtered(lambda r: r.kind == "credit")
        self.assertEqual(credit.move_id.amount_untaxed, 5.81)
        # April is billed at the new quantity
        self._bill(date(2027, 4, 1))
        april = order.icasa_period_ids.filtered(lambda r: r.kind == "invoice" and r.period_start == date(2027, 4, 1))
        self.assertEqual(april.move_id.amount_untaxed, 30.0)

    def test_plan_edit_after_invoicing_applies_from_next_period(self):
        plan = self._plan("Editable")
        order = self._subscription(plan, date(2027, 1, 10))
        self._bill(date(2027, 1, 10))
        plan.write({"interval_number": 2})
        self._bill(date(2027, 2, 10))
        self.assertEqual(
            self._ledger(order),
            [(date(2027, 1, 10), date(2027, 2, 9), "invoice"), (date(2027, 2, 10), date(2027, 4, 9), "invoice")],
        )

    def test_base_price_change_is_posted(self):
        order = self._subscription(self.monthly, date(2027, 1, 1))
        order.order_line.with_context(icasa_price_reason="renegotiated").price_unit = 28.0
        body = order.message_ids[0].body
        self.assertIn("30.00", body)
        self.assertIn("28.00", body)
        self.assertIn("renegotiated", body)

    def test_plan_added_after_confirmation_starts_on_demand(self):
        order = self.env["sale.order"].create(
            {"partner_id": self.customer.id, "order_line": [Command.create({"product_id": self.maintenance.id})]}
        )
        order.action_confirm()
        order.write({"icasa_plan_id": self.monthly.id, "icasa_start_date": date(2027, 1, 1)})
        self.assertEqual(order.icasa_subscription_state, "quotation")
        order.action_icasa_start()
        self.assertEqual(order.icasa_subscription_state, "active")
        self.assertEqual(order.icasa_next_invoice_date, date(2027, 1, 1))
        with self.assertRaisesRegex(UserError, "cannot start"):
            order.action_icasa_start()

    def test_quantity_change_mid_postpaid_period(self):
        order = self._subscription(self.monthly_postpaid, date(2027, 3, 1))
        with freeze_time("2027-03-21"):
            order.order_line.product_uom_qty = 2
        self.assertFalse(order.icasa_period_ids, "nothing is billed before the end of a postpaid period")
        self._bill(date(2027, 4, 1))
        move = order.icasa_subscription_move_ids
        lines = move.invoice_line_ids.sorted("icasa_period_start")
        # 1 charger 1-20 March: 30 x 20/31 = 19.354... -> 19.35; 2 chargers 21-31 March: 30 x 11/31 = 10.65 each
        self.assertEqual(
            [(ml.icasa_period_start, ml.icasa_period_end, ml.quantity, ml.price_unit) for ml in lines],
            [(date(2027, 3, 1), date(2027, 3, 20), 1.0, 19.35), (date(2027, 3, 21), date(2027, 3, 31), 2.0, 10.65)],
        )
        self.assertEqual(move.amount_untaxed, 40.65)
        self._bill(date(2027, 5, 1))
        april = order.icasa_period_ids.filtered(lambda r: r.period_start == date(2027, 4, 1)).move_id
        self.assertEqual(april.amount_untaxed, 60.0)

    def test_mrr_of_weekly_plans(self):
        # a month is 52/12 weeks: 7.00 a week = 7 x 52 / 12 = 30.333... -> 30.33
        weekly = self._plan("Weekly", interval_unit="week")
        order = self._subscription(weekly, date(2027, 1, 4), lines=[(self.maintenance, 1, 7.0)])
        self.assertEqual(order.icasa_mrr, 30.33)
        # 14.00 every two weeks is the same revenue
        fortnightly = self._plan("Fortnightly", interval_unit="week", interval_number=2)
        order = self._subscription(fortnightly, date(2027, 1, 4), lines=[(self.maintenance, 1, 14.0)])
        self.assertEqual(order.icasa_mrr, 30.33)
        # 2 x 30.00 + 2 x 4.50 = 69.00 a month
        order = self._subscription(
            self.monthly, date(2027, 1, 4), lines=[(self.maintenance, 2, 30.0), (self.sim, 2, 4.5)]
        )
        self.assertEqual(order.icasa_mrr, 69.0)

    def test_duplicate_keeps_lines_plan_and_term_with_fresh_dates(self):
        order = self._subscription(
            self.monthly,
            date(2027, 1, 1),
            lines=[(self.maintenance, 2, 31.0), (self.sim, 3, 4.5)],
            icasa_term_months=36,
            icasa_tacit_renewal=True,
        )
        self._bill(date(2027, 1, 1))
        copy = order.copy()
        self.assertEqual(copy.state, "draft")
        self.assertEqual(
            [(line.product_id, line.product_uom_qty, line.price_unit) for line in copy.order_line],
            [(self.maintenance, 2.0, 31.0), (self.sim, 3.0, 4.5)],
        )
        self.assertEqual((copy.icasa_term_months, copy.icasa_tacit_renewal), (36, True))
        self.assertFalse(copy.icasa_end_date)
        self.assertFalse(copy.icasa_next_invoice_date)
        self.assertFalse(copy.icasa_next_period_start)
        # confirmed, it starts today with a new term
        with freeze_time("2027-05-10"):
            copy.action_confirm()
        self.assertEqual((copy.icasa_start_date, copy.icasa_end_date), (date(2027, 5, 10), date(2030, 5, 9)))
        self.assertEqual(copy.icasa_next_invoice_date, date(2027, 5, 10))

    def test_fixed_term_of_36_months_ends(self):
        order = self._subscription(self.monthly, date(2027, 1, 15), icasa_term_months=36)
        self.assertEqual(order.icasa_end_date, date(2030, 1, 14))
        # at most 24 periods a run: the backlog goes on in the next run
        self._bill(date(2030, 6, 1))
        self.assertEqual(len(order.icasa_period_ids), 24)
        self._bill(date(2030, 6, 1))
        self.assertEqual(len(order.icasa_period_ids), 36)
        self.assertEqual(order.icasa_period_ids.sorted("period_start")[-1].period_end, date(2030, 1, 14))
        self.assertEqual(order.icasa_subscription_state, "closed")

    def test_cancelling_an_unbilled_subscription_takes_it_back_to_quotation(self):
        order = self._subscription(self.monthly, date(2027, 1, 1))
        order._action_cancel()
        self.assertEqual((order.state, order.icasa_subscription_state), ("cancel", "quotation"))
        self.assertFalse(order.icasa_next_invoice_date)
        self.assertEqual(self._bill(date(2027, 3, 1))["documents"], 0)

    def test_a_cancelled_closed_subscription_is_not_billed(self):
        # postpaid, closed on 20 March: its last partial period would be due on 21 March
        order = self._subscription(self.monthly_postpaid, date(2027, 3, 1))
        order._icasa_close(date(2027, 3, 20))
        order._action_cancel()
        self.assertFalse(order.icasa_next_invoice_date)
        self.assertEqual(self._bill(date(2027, 3, 21))["documents"], 0)
