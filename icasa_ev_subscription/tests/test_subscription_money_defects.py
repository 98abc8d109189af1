"""One test per money defect of the billing-invariants issue, named after it.

Every amount is worked out by hand in the comment above its assertion."""

from datetime import date
from unittest.mock import patch

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, tagged

from .common import SubscriptionCommon

BILLING_LOGGER = "odoo.addons.icasa_ev_subscription.models.icasa_subscription_billing"


@tagged("post_install", "-at_install")
class TestSubscriptionMoneyDefects(SubscriptionCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.crediting = cls._plan("Monthly, credits unused days", credit_on_close=True)
        cls.salesman = cls.env["res.users"].create(
            {
                "name": "Sam Sales",
                "login": "icasa_money_sales",
                "email": "sam@example.com",
                "groups_id": [Command.set(cls.env.ref("sales_team.group_sale_salesman_all_leads").ids)],
                "company_id": cls.env.company.id,
                "company_ids": [Command.set(cls.env.company.ids)],
            }
        )
        cls.accountant = cls.env["res.users"].create(
            {
                "name": "Alex Accounts",
                "login": "icasa_money_accountant",
                "email": "alex@example.com",
                "groups_id": [
                    Command.set(
                        (
                            cls.env.ref("account.group_account_invoice")
                            | cls.env.ref("sales_team.group_sale_salesman_all_leads")
                        ).ids
                    )
                ],
                "company_id": cls.env.company.id,
                "company_ids": [Command.set(cls.env.company.ids)],
            }
        )

    def _moves(self, order, move_type):
        return order.icasa_subscription_move_ids.filtered(lambda m: m.move_type == move_type and m.state != "cancel")

    def _net(self, order):
        """Untaxed, invoices minus credit notes, documents not cancelled."""
        return round(
            sum(self._moves(order, "out_invoice").mapped("amount_untaxed"))
            - sum(self._moves(order, "out_refund").mapped("amount_untaxed")),
            2,
        )

    # 1 ----------------------------------------------------------------

    def test_defect01_quantity_change_keeps_the_subscription_price(self):
        order = self._subscription(self.monthly, date(2027, 3, 1), lines=[(self.maintenance, 1, 31.0)])
        self._bill(date(2027, 3, 1))
        self.maintenance.list_price = 35.0
        line = order.order_line
        with freeze_time("2027-03-11"):
            line.product_uom_qty = 2
        self.assertEqual(line.price_unit, 31.0)
        # one more unit for 11-31 March: 31.00 x 21/31 = 21.00
        adjust = self._moves(order, "out_invoice") - order.icasa_period_ids.filtered("billing_key").move_id
        self.assertEqual(adjust.amount_untaxed, 21.0)
        self._bill(date(2027, 4, 1))
        april = order.icasa_subscription_move_ids.filtered(lambda m: m.icasa_period_start == date(2027, 4, 1))
        self.assertEqual(april.amount_untaxed, 62.0)
        self.assertFalse(order.message_ids.filtered(lambda m: "base price changed" in (m.body or "")))
        # the same in the order form
        with freeze_time("2027-04-05"), Form(order) as form, form.order_line.edit(0) as form_line:
            form_line.product_uom_qty = 3
            self.assertEqual(form_line.price_unit, 31.0)
        self.assertEqual(line.price_unit, 31.0)

    # 2 ----------------------------------------------------------------

    def test_defect02a_close_after_a_decrease_credits_from_the_net(self):
        order = self._subscription(self.crediting, date(2027, 3, 1), lines=[(self.maintenance, 2, 31.0)])
        self._bill(date(2027, 3, 1))  # 2 x 31.00 = 62.00
        with freeze_time("2027-03-11"):
            order.order_line.product_uom_qty = 1
            # one unit less for 11-31 March: 31.00 x 21/31 = 21.00 credited
        with freeze_time("2027-03-20"):
            order._icasa_close(date(2027, 3, 20))
        # served: 2 x 31 x 10/31 + 1 x 31 x 10/31 = 30.00; credited 62.00 - 30.00 = 32.00 in all
        credits = self._moves(order, "out_refund")
        self.assertEqual(sorted(credits.mapped("amount_untaxed")), [11.0, 21.0])
        self.assertEqual(self._net(order), 30.0)

    def test_defect02b_close_after_an_increase_credits_from_the_net(self):
        order = self._subscription(self.crediting, date(2027, 3, 1), lines=[(self.maintenance, 1, 31.0)])
        self._bill(date(2027, 3, 1))
        with freeze_time("2027-03-11"):
            order.order_line.product_uom_qty = 2  # + 21.00
        with freeze_time("2027-03-20"):
            order._icasa_close(date(2027, 3, 20))
        # served: 1 x 10.00 + 2 x 10.00 = 30.00; billed 31.00 + 21.00 = 52.00; credited 22.00
        self.assertEqual(self._moves(order, "out_refund").amount_untaxed, 22.0)
        self.assertEqual(self._net(order), 30.0)

    def test_defect02c_close_after_a_full_refund_credits_nothing_more(self):
        yearly = self._plan("Yearly", interval_unit="year", credit_on_close=True, auto_post=True)
        order = self._subscription(yearly, date(2027, 1, 1), lines=[(self.maintenance, 1, 240.0)])
        self._bill(date(2027, 1, 1))
        invoice = order.icasa_subscription_move_ids
        with freeze_time("2027-05-01"):
            reversal = (
                self.env["account.move.reversal"]
                .with_context(active_model="account.move", active_ids=invoice.ids)
                .create({"journal_id": invoice.journal_id.id, "reason": "wrong customer"})
            )
            refund = self.env["account.move"].browse(reversal.refund_moves()["res_id"])
            refund.action_post()
        self.assertIn("credited in full", order.icasa_period_ids.filtered(lambda r: r.move_id == invoice).note)
        with freeze_time("2027-09-30"):
            order._icasa_close(date(2027, 9, 30))
        # no credit of the unused days of an invoice refunded already: the year is billed
        # again, once, for what it served: 240 x 273/365 = 179.506... -> 179.51
        self.assertEqual(self._moves(order, "out_refund"), refund)
        self.assertEqual(self._net(order), 179.51)

    def test_defect02d_partial_first_period_credit_leaves_the_exact_value_served(self):
        calendar = self._plan("Calendar", alignment="calendar", credit_on_close=True)
        order = self._subscription(calendar, date(2028, 2, 10), lines=[(self.maintenance, 1, 45.0)])
        self._bill(date(2028, 2, 10))
        # 10-29 February 2028: 45 x 20/29 = 31.034... -> 31.03
        self.assertEqual(order.icasa_subscription_move_ids.amount_untaxed, 31.03)
        with freeze_time("2028-02-20"):
            order._icasa_close(date(2028, 2, 20))
        # served 10-20 February: 45 x 11/29 = 17.068... -> 17.07. The credit brings the net
        # there: 31.03 - 17.07 = 13.96. Crediting 45 x 9/29 = 13.97 would leave 17.06,
        # a cent short of the value served.
        self.assertEqual(self._moves(order, "out_refund").amount_untaxed, 13.96)
        self.assertEqual(self._net(order), 17.07)

    # 8 ----------------------------------------------------------------

    def test_defect08_a_salesman_changes_quantities_and_the_run_bills_them(self):
        order = self._subscription(self.monthly, date(2027, 3, 1), lines=[(self.maintenance, 1, 31.0)])
        self._bill(date(2027, 3, 1))
        with freeze_time("2027-03-11"):
            order.order_line.with_user(self.salesman).product_uom_qty = 2
        self.assertEqual(len(order.icasa_subscription_move_ids), 1, "no document made with a salesman's rights")
        self.assertEqual(order.icasa_recheck_from, date(2027, 3, 11))
        self.assertIn("next billing run", order.message_ids[0].body)
        self._bill(date(2027, 3, 12))
        # 31.00 x 21/31 = 21.00, made by the run
        adjust = order.icasa_period_ids.filtered(lambda r: r.kind == "adjust")
        self.assertEqual(adjust.move_id.amount_untaxed, 21.0)
        self.assertEqual(adjust.move_id.invoice_date, date(2027, 3, 12))
        with self.assertRaises(AccessError):
            self.env["icasa.subscription.close.wizard"].with_user(self.salesman).create(
                {"order_id": order.id, "reason_id": self.env.ref("icasa_ev_subscription.close_reason_end_of_term").id}
            )

    def test_defect08_an_accountant_bills_a_change_without_superuser(self):
        order = self._subscription(self.monthly, date(2027, 3, 1), lines=[(self.maintenance, 1, 31.0)])
        self._bill(date(2027, 3, 1))
        with freeze_time("2027-03-11"):
            order.order_line.with_user(self.accountant).product_uom_qty = 2
        adjust = order.icasa_period_ids.filtered(lambda r: r.kind == "adjust").move_id
        self.assertEqual(adjust.amount_untaxed, 21.0)
        self.assertEqual(adjust.create_uid, self.accountant)

    # 9 ----------------------------------------------------------------

    def test_defect09_a_bug_is_logged_with_its_traceback_and_isolated(self):
        healthy = self._subscription(self.monthly, date(2027, 1, 1))
        broken = self._subscription(self.monthly, date(2027, 1, 1))
        Billing = type(self.env["icasa.subscription.billing"])
        original = Billing._period_specs

        def buggy(service, order, period, recheck_from=None):
            if order == broken:
                raise ZeroDivisionError("division by zero")
            return original(service, order, period, recheck_from)

        with patch.object(Billing, "_period_specs", buggy), self.assertLogs(BILLING_LOGGER, "ERROR") as logs:
            result = self._bill(date(2027, 1, 1))
        self.assertEqual((result["subscriptions"], result["failed"]), (1, 1))
        self.assertTrue(healthy.icasa_period_ids)
        self.assertFalse(broken.icasa_period_ids)
        self.assertIn(broken.name, logs.output[0])
        self.assertIn("ZeroDivisionError", logs.output[0])  # the traceback
        self.assertIn("Unexpected error", broken.icasa_billing_error)

    def test_defect09_a_user_error_goes_on_the_chatter_not_in_the_error_log(self):
        bad_account = self.company_data["default_account_revenue"].copy({"code": "799997", "deprecated": True})
        product = self.env["product.product"].create(
            {"name": "Broken", "type": "service", "icasa_billing_role": "maintenance", "taxes_id": []}
        )
        product.property_account_income_id = bad_account
        order = self._subscription(self.monthly, date(2027, 1, 1), lines=[(product, 1, 30.0)])
        with self.assertNoLogs(BILLING_LOGGER, "ERROR"):
            result = self._bill(date(2027, 1, 1))
        self.assertEqual(result["failed"], 1)
        self.assertIn("deprecated", order.message_ids[0].body)

    # 10 ---------------------------------------------------------------

    def test_defect10_invoices_are_dated_by_the_run_and_changes_by_their_date(self):
        order = self._subscription(self.monthly, date(2027, 3, 1), lines=[(self.maintenance, 1, 31.0)])
        self._bill(date(2027, 3, 3))
        self.assertEqual(order.icasa_subscription_move_ids.invoice_date, date(2027, 3, 3))
        # on 25 March, a second unit from 11 March: 31.00 x 21/31 = 21.00 for 11-31 March
        with freeze_time("2027-03-25"):
            order.order_line.with_context(icasa_effective_date=date(2027, 3, 11)).product_uom_qty = 2
        adjust = order.icasa_period_ids.filtered(lambda r: r.kind == "adjust").move_id
        self.assertEqual(adjust.amount_untaxed, 21.0)
        self.assertEqual(adjust.invoice_date, date(2027, 3, 25))
        self.assertEqual(
            (adjust.invoice_line_ids.icasa_period_start, adjust.invoice_line_ids.icasa_period_end),
            (date(2027, 3, 11), date(2027, 3, 31)),
        )
        with self.assertRaisesRegex(UserError, "Pick a later effective date"):
            order.order_line.with_context(icasa_effective_date=date(2027, 3, 5)).product_uom_qty = 3

    # 12 ---------------------------------------------------------------

    def test_defect12_implausible_dates_are_refused_clearly(self):
        with self.assertRaisesRegex(ValidationError, "starts on .*correct the start date"):
            self._subscription(self.monthly, date(1726, 11, 1))
        with self.assertRaisesRegex(ValidationError, "at most 1200 months"):
            self._subscription(self.monthly, date(2027, 1, 1), icasa_term_months=100000)
        with self.assertRaisesRegex(ValidationError, "Leave the end date empty"):
            self._subscription(self.monthly, date(2027, 1, 1), icasa_end_date=date(9999, 12, 31))
        with self.assertRaisesRegex(ValidationError, "longer than a hundred years"):
            self._plan("Millennial", interval_unit="year", interval_number=1000)

    def test_defect12_a_backlog_is_capped_per_run_and_the_others_are_billed(self):
        self.env["ir.config_parameter"].sudo().set_param("icasa_ev_subscription.max_periods_per_run", "24")
        normal = [self._subscription(self.monthly, date(2027, 1, 1)) for _i in range(200)]
        # ten years behind
        backlog = self._subscription(self.monthly, date(2017, 1, 1))
        result = self._bill(date(2027, 1, 1))
        self.assertEqual(result["failed"], 0)
        for order in normal:
            self.assertEqual(len(order.icasa_period_ids), 1)
        self.assertEqual(len(backlog.icasa_period_ids), 24)
        # 121 periods (January 2017 to January 2027): 24 a run, drained by the sixth run
        for _run in range(4):
            self._bill(date(2027, 1, 1))
        self.assertEqual(len(backlog.icasa_period_ids), 120)
        self._bill(date(2027, 1, 1))
        self.assertEqual(len(backlog.icasa_period_ids), 121)
        self.assertEqual(backlog.icasa_next_invoice_date, date(2027, 2, 1))

    # 13 ---------------------------------------------------------------

    def test_defect13_rebilling_after_an_increase_bills_the_change_once(self):
        order = self._subscription(self.monthly, date(2027, 3, 1), lines=[(self.maintenance, 1, 31.0)])
        self._bill(date(2027, 3, 1))
        with freeze_time("2027-03-11"):
            order.order_line.product_uom_qty = 2  # + 21.00
        first = order.icasa_period_ids.filtered("billing_key").move_id
        first.button_cancel()
        with freeze_time("2027-03-12"):
            order.action_icasa_invoice_now()
        # served: 31.00 + 21.00 = 52.00; live: the adjustment 21.00 and a new 31.00
        self.assertEqual(self._net(order), 52.0)

    def test_defect13_rebilling_after_a_decrease_to_zero(self):
        order = self._subscription(self.monthly, date(2027, 3, 1), lines=[(self.maintenance, 1, 31.0)])
        self._bill(date(2027, 3, 1))
        with freeze_time("2027-03-11"):
            order.order_line.product_uom_qty = 0  # - 21.00
        order.icasa_period_ids.filtered("billing_key").move_id.button_cancel()
        with freeze_time("2027-03-12"):
            order.action_icasa_invoice_now()
        # served 1-10 March: 31.00 x 10/31 = 10.00
        self.assertEqual(self._net(order), 10.0)

    def test_defect13_a_cancelled_adjustment_is_made_again(self):
        order = self._subscription(self.crediting, date(2027, 3, 1), lines=[(self.maintenance, 1, 31.0)])
        self._bill(date(2027, 3, 1))
        with freeze_time("2027-03-11"):
            order.order_line.product_uom_qty = 2
        order.icasa_period_ids.filtered(lambda r: r.kind == "adjust").move_id.button_cancel()
        with freeze_time("2027-03-20"):
            order._icasa_close(date(2027, 3, 20))
        credit = order.icasa_period_ids.filtered(lambda r: r.kind == "credit" and r.live).move_id
        credit.button_cancel()
        self._bill(date(2027, 3, 21))
        # served: 1 x 10.00 + 2 x 10.00 = 30.00
        self.assertEqual(self._net(order), 30.0)

    def test_defect13_reverse_and_create_puts_the_new_draft_in_the_ledger(self):
        plan = self._plan("Posted", auto_post=True)
        order = self._subscription(plan, date(2027, 3, 1), lines=[(self.maintenance, 1, 31.0)])
        self._bill(date(2027, 3, 1))
        invoice = order.icasa_subscription_move_ids
        with freeze_time("2027-03-05"):
            (
                self.env["account.move.reversal"]
                .with_context(active_model="account.move", active_ids=invoice.ids)
                .create({"journal_id": invoice.journal_id.id, "reason": "new address"})
                .modify_moves()
            )
        new = order.icasa_subscription_move_ids.filtered(lambda m: m.state == "draft")
        self.assertEqual(len(new), 1)
        row = order.icasa_period_ids.filtered(lambda r: r.move_id == new)
        self.assertTrue(row.live)
        self.assertEqual(row.billing_key, date(2027, 3, 1))
        self.assertEqual(self._bill(date(2027, 3, 6))["documents"], 0, "the period is billed once")
        self.assertEqual(self._net(order), 31.0)

    # 14 ---------------------------------------------------------------

    def test_defect14_a_failing_report_never_undoes_the_billing(self):
        good = [self._subscription(self.monthly, date(2027, 1, 1)) for _i in range(5)]
        bad_account = self.company_data["default_account_revenue"].copy({"code": "799996", "deprecated": True})
        product = self.env["product.product"].create(
            {"name": "Broken", "type": "service", "icasa_billing_role": "maintenance", "taxes_id": []}
        )
        product.property_account_income_id = bad_account
        poisoned = self._subscription(self.monthly, date(2027, 1, 1), lines=[(product, 1, 30.0)])
        Order = type(self.env["sale.order"])

        def cannot_post(order, message):
            raise UserError(order.env._("Unable to send message, please configure the sender's email address."))

        with (
            patch.object(Order, "_icasa_record_billing_error", cannot_post),
            self.assertLogs(BILLING_LOGGER, "ERROR"),
        ):
            result = self._bill(date(2027, 1, 1))
        self.assertEqual((result["subscriptions"], result["failed"]), (5, 1))
        for order in good:
            self.assertEqual(len(order.icasa_period_ids), 1)
        self.assertIn("deprecated", poisoned.icasa_billing_error)

    def test_defect14_a_cron_user_of_one_company_bills_that_company(self):
        company = self.setup_other_company(name="Company B")["company"]
        here = self._subscription(self.monthly, date(2027, 1, 1))
        there = self._subscription_in(company, self.monthly, date(2027, 1, 1))
        cron_user = self.env["res.users"].create(
            {
                "name": "Cron A",
                "login": "icasa_cron_a",
                "groups_id": [Command.set(self.env.ref("account.group_account_invoice").ids)],
                "company_id": self.env.company.id,
                "company_ids": [Command.set(self.env.company.ids)],
            }
        )
        result = (
            self.env["icasa.subscription.billing"].with_user(cron_user)._cron_generate_recurring(today=date(2027, 1, 1))
        )
        self.assertEqual(result["failed"], 0)
        self.assertEqual(len(here.icasa_period_ids), 1)
        self.assertFalse(there.icasa_period_ids)

    # 15 ---------------------------------------------------------------

    def test_defect15_billing_state_is_not_writable_by_hand(self):
        order = self._subscription(self.monthly, date(2027, 1, 1))
        self._bill(date(2027, 1, 1))
        as_accountant = order.with_user(self.accountant)
        with self.assertRaisesRegex(UserError, "never by hand"):
            as_accountant.write({"icasa_next_period_start": date(2027, 6, 1)})
        with self.assertRaisesRegex(UserError, "never by hand"):
            as_accountant.write({"icasa_subscription_state": "closed"})
        with self.assertRaisesRegex(UserError, "Close Subscription"):
            as_accountant.write({"icasa_end_date": date(2027, 1, 15)})
        with self.assertRaises(AccessError):
            self.env["icasa.subscription.period"].with_user(self.accountant).create(
                {"order_id": order.id, "period_start": date(2000, 1, 1), "period_end": date(2000, 1, 31)}
            )
        self.assertEqual(order.icasa_next_period_start, date(2027, 2, 1))

    # 19 ---------------------------------------------------------------

    def test_defect19_a_period_due_before_the_pause_is_billed(self):
        order = self._subscription(self.crediting, date(2027, 5, 7), lines=[(self.maintenance, 1, 31.0)])
        self._bill(date(2027, 5, 7))
        # no run on 7 June; paused on 20 June, resumed on 10 July
        with freeze_time("2027-06-20"):
            order.action_icasa_pause(date(2027, 6, 20))
        with freeze_time("2027-07-10"):
            order.action_icasa_resume(date(2027, 7, 10))
        self._bill(date(2027, 7, 10))
        june = order.icasa_subscription_move_ids.filtered(lambda m: m.icasa_period_start == date(2027, 6, 7))
        # 7 June - 6 July has 30 days; served 7-19 June: 31.00 x 13/30 = 13.433... -> 13.43
        self.assertEqual(june.amount_untaxed, 13.43)
        july = order.icasa_subscription_move_ids.filtered(lambda m: m.icasa_period_start == date(2027, 7, 7))
        # 7 July - 6 August has 31 days; served from 10 July, 28 days: 31.00 x 28/31 = 28.00
        self.assertEqual(july.amount_untaxed, 28.0)

    def test_defect19_a_pause_and_resume_on_one_day_loses_nothing(self):
        order = self._subscription(self.crediting, date(2027, 1, 1), lines=[(self.maintenance, 1, 31.0)])
        with freeze_time("2027-04-01"):
            order.action_icasa_pause(date(2027, 4, 1))
            order.action_icasa_resume(date(2027, 4, 1))
        self._bill(date(2027, 4, 1))
        self.assertEqual(self._net(order), 124.0)  # January to April, 4 x 31.00

    def test_defect19_closing_a_paused_subscription_bills_no_paused_period(self):
        order = self._subscription(self.crediting, date(2027, 5, 7), lines=[(self.maintenance, 1, 31.0)])
        self._bill(date(2027, 5, 7))
        with freeze_time("2027-05-20"):
            order.action_icasa_pause(date(2027, 5, 20))
        # 7 May - 6 June has 31 days; served 7-19 May: 31.00 x 13/31 = 13.00; 18.00 credited
        self.assertEqual(self._moves(order, "out_refund").amount_untaxed, 18.0)
        with freeze_time("2027-08-15"):
            order._icasa_close(date(2027, 8, 15))
        self._bill(date(2027, 8, 20))
        self.assertEqual(self._net(order), 13.0)
        self.assertFalse(self._moves(order, "out_invoice").filtered(lambda m: m.icasa_period_start > date(2027, 5, 7)))

    def test_defect19_a_quantity_change_while_paused_counts_from_the_resume(self):
        order = self._subscription(self.crediting, date(2027, 3, 1), lines=[(self.maintenance, 1, 31.0)])
        self._bill(date(2027, 3, 1))
        with freeze_time("2027-03-05"):
            order.action_icasa_pause(date(2027, 3, 5))  # 4 days served: 4.00, 27.00 credited
        with freeze_time("2027-03-10"):
            order.order_line.product_uom_qty = 2
        with freeze_time("2027-03-22"):
            order.action_icasa_resume(date(2027, 3, 22))
        # served: 1-4 March at 1 unit, 22-31 March at 2 units: 4.00 + 2 x 10.00 = 24.00
        self.assertEqual(self._net(order), 24.0)

    # 20 ---------------------------------------------------------------

    def test_defect20_a_period_with_nothing_to_bill_is_recorded_and_billing_goes_on(self):
        order = self._subscription(self.monthly, date(2027, 3, 1), lines=[(self.maintenance, 2, 31.0)])
        self._bill(date(2027, 3, 1))
        with freeze_time("2027-03-01"):
            order.order_line.product_uom_qty = 0  # from its first day: 62.00 credited
        result = self._bill(date(2027, 4, 1))
        self.assertEqual(result["failed"], 0)
        self.assertEqual(self._ledger(order)[-1], (date(2027, 4, 1), date(2027, 4, 30), "none"))
        with freeze_time("2027-04-16"):
            order.order_line.product_uom_qty = 1
        # one unit 16-30 April: 31.00 x 15/30 = 15.50
        april = order.icasa_subscription_move_ids.filtered(lambda m: m.icasa_period_start == date(2027, 4, 1))
        self.assertEqual(april.amount_untaxed, 15.5)
        self._bill(date(2027, 5, 1))
        self.assertFalse(order.icasa_billing_error)
        self.assertEqual(self._net(order), 46.5)  # 15.50 + May 31.00

    # 21 ---------------------------------------------------------------

    def test_defect21_cancel_then_close_bills_up_to_the_close(self):
        order = self._subscription(self.crediting, date(2027, 5, 7), lines=[(self.maintenance, 1, 31.0)])
        self._bill(date(2027, 5, 7))
        with freeze_time("2027-05-10"):
            order.icasa_subscription_move_ids.button_cancel()
        with freeze_time("2027-05-20"):
            order._icasa_close(date(2027, 5, 20))
        self._bill(date(2027, 5, 21))
        # 7-20 May of a 31-day period: 31.00 x 14/31 = 14.00
        self.assertEqual(self._net(order), 14.0)

    # The order as Odoo users expect it -------------------------------

    def test_order_invoices_button_and_status_see_the_period_invoices(self):
        order = self._subscription(self.monthly, date(2027, 1, 1))
        self._bill(date(2027, 2, 1))
        self.assertEqual(order.invoice_ids, order.icasa_subscription_move_ids)
        self.assertEqual(order.invoice_count, 2)
        self.assertEqual(order.order_line.invoice_status, "invoiced")
        self.assertNotEqual(order.invoice_status, "upselling")

    def test_a_line_added_to_a_running_subscription_serves_from_its_day(self):
        order = self._subscription(self.crediting, date(2027, 3, 1), lines=[(self.maintenance, 1, 31.0)])
        self._bill(date(2027, 3, 1))
        with freeze_time("2027-03-11"):
            order.write({"order_line": [Command.create({"product_id": self.sim.id, "price_unit": 4.5})]})
        sim_line = order.order_line.filtered(lambda line: line.product_id == self.sim)
        # SIM data from 11 March: 4.50 x 21/31 = 3.048... -> 3.05, nothing before
        adjust = order.icasa_period_ids.filtered(lambda r: r.kind == "adjust")
        self.assertEqual(adjust.line_amounts, {str(sim_line.id): 3.05})
        with freeze_time("2027-03-20"):
            order._icasa_close(date(2027, 3, 20))
        # served: 31 x 20/31 = 20.00 and 4.50 x 10/31 = 1.451... -> 1.45
        self.assertEqual(self._net(order), 21.45)
        with self.assertRaisesRegex(UserError, "cannot change"):
            order.order_line[0].product_id = self.sim
