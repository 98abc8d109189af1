from datetime import date
from unittest.mock import patch

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .common import SubscriptionCommon


@tagged("post_install", "-at_install")
class TestSubscriptionCron(SubscriptionCommon):
    def test_batches_report_progress(self):
        orders = [self._subscription(self.monthly, date(2027, 1, 1)) for _i in range(5)]
        calls = []
        Cron = type(self.env["ir.cron"])
        with patch.object(
            Cron, "_notify_progress", lambda self, done, remaining, deactivate=False: calls.append((done, remaining))
        ):
            result = (
                self.env["icasa.subscription.billing"]
                .sudo()
                ._cron_generate_recurring(batch_size=2, today=date(2027, 1, 1))
            )
        self.assertEqual(result, {"subscriptions": 5, "documents": 5, "failed": 0})
        self.assertEqual(calls, [(2, 3), (4, 1), (5, 0)])
        for order in orders:
            self.assertEqual(len(order.icasa_period_ids), 1)

    def test_batch_size_from_config(self):
        self.env["ir.config_parameter"].sudo().set_param("icasa_ev_subscription.cron_batch_size", "7")
        self.assertEqual(self.env["icasa.subscription.billing"]._batch_size(), 7)

    def test_crash_between_batches_then_rerun(self):
        orders = [self._subscription(self.monthly, date(2027, 1, 1)) for _i in range(5)]
        Billing = type(self.env["icasa.subscription.billing"])
        original = Billing._bill_orders
        batches = []

        def crash_on_second_batch(service, records, today):
            result = original(service, records, today)
            batches.append(records.ids)
            if len(batches) == 2:
                raise KeyboardInterrupt("simulated crash after billing, before the commit")
            return result

        crashed = False
        with patch.object(Billing, "_bill_orders", crash_on_second_batch):
            # not assertRaises: it would roll back the first batch too
            try:
                self.env["icasa.subscription.billing"].sudo()._cron_generate_recurring(
                    batch_size=2, today=date(2027, 2, 1)
                )
            except KeyboardInterrupt:
                crashed = True
        self.assertTrue(crashed)
        billed = [o for o in orders if o.icasa_period_ids]
        # the first batch is kept, the crashed one rolled back
        self.assertEqual(sorted(o.id for o in billed), sorted(batches[0]))
        result = (
            self.env["icasa.subscription.billing"].sudo()._cron_generate_recurring(batch_size=2, today=date(2027, 2, 1))
        )
        self.assertEqual(result["failed"], 0)
        for order in orders:
            self.assertEqual(
                self._ledger(order),
                [(date(2027, 1, 1), date(2027, 1, 31), "invoice"), (date(2027, 2, 1), date(2027, 2, 28), "invoice")],
            )
            self.assertEqual(len(order.icasa_subscription_move_ids), 2)

    def test_poisoned_subscription_among_healthy_ones(self):
        healthy = [self._subscription(self.monthly, date(2027, 1, 1)) for _i in range(3)]
        poisoned_product, bad_account = self._poisoned_product("799999")
        poisoned = self._subscription(self.monthly, date(2027, 1, 1), lines=[(poisoned_product, 1, 30.0)])
        result = (
            self.env["icasa.subscription.billing"]
            .sudo()
            ._cron_generate_recurring(batch_size=10, today=date(2027, 1, 1))
        )
        self.assertEqual(result, {"subscriptions": 3, "documents": 3, "failed": 1})
        for order in healthy:
            self.assertEqual(len(order.icasa_period_ids), 1)
        self.assertFalse(poisoned.icasa_period_ids)
        self.assertFalse(poisoned.icasa_subscription_move_ids)
        self.assertIn("deprecated", poisoned.icasa_billing_error)
        self.assertIn("deprecated", poisoned.message_ids[0].body)
        self.assertTrue(poisoned.activity_ids)
        # fixed, the next run bills it and clears the error
        bad_account.deprecated = False
        result = self.env["icasa.subscription.billing"].sudo()._cron_generate_recurring(today=date(2027, 1, 1))
        self.assertEqual(result, {"subscriptions": 1, "documents": 1, "failed": 0})
        self.assertFalse(poisoned.icasa_billing_error)

    def test_scheduled_action_runs(self):
        cron = self.env.ref("icasa_ev_subscription.ir_cron_generate_recurring")
        self.assertEqual(cron.code.strip(), "model._cron_generate_recurring()")
        cron.sudo().method_direct_trigger()

    def test_invoice_now_needs_accounting_rights(self):
        order = self._subscription(self.monthly, date(2027, 1, 1))
        salesman = self.env["res.users"].create(
            {
                "name": "Sales only",
                "login": "icasa_sales_only",
                "groups_id": [Command.set(self.env.ref("sales_team.group_sale_salesman_all_leads").ids)],
                "company_id": self.env.company.id,
                "company_ids": [Command.set(self.env.company.ids)],
            }
        )
        with self.assertRaisesRegex(AccessError, "accounting rights"):
            order.with_user(salesman).action_icasa_invoice_now()
        self.assertFalse(order.icasa_period_ids)

    def test_invoice_now_reports_a_failure_and_keeps_it(self):
        bad_account = self.company_data["default_account_revenue"].copy({"code": "799998", "deprecated": True})
        product = self.env["product.product"].create(
            {"name": "Broken", "type": "service", "icasa_billing_role": "maintenance", "taxes_id": []}
        )
        product.property_account_income_id = bad_account
        order = self._subscription(self.monthly, date(2027, 1, 1), lines=[(product, 1, 30.0)])
        with freeze_time("2027-01-05"):
            action = order.action_icasa_invoice_now()
        self.assertEqual(action["params"]["type"], "danger")
        self.assertIn("deprecated", order.icasa_billing_error)
        self.assertTrue(order.activity_ids)
        self.assertFalse(order.icasa_period_ids)

    def test_invoice_now_on_a_paused_subscription_bills_nothing_paused(self):
        order = self._subscription(self.monthly, date(2027, 1, 1))
        order.action_icasa_pause()  # from its start
        with freeze_time("2027-01-05"):
            action = order.action_icasa_invoice_now()
        self.assertEqual(action["params"]["title"], "Nothing to invoice")
        self.assertEqual(self._ledger(order), [(date(2027, 1, 1), date(2027, 1, 31), "none")])
        self.assertFalse(order.icasa_subscription_move_ids)
        quote = self._subscription(self.monthly, date(2027, 1, 1), confirm=False)
        with self.assertRaisesRegex(UserError, "has not started"):
            quote.action_icasa_invoice_now()

    def test_failure_activity_goes_to_an_accountant(self):
        salesman = self.env["res.users"].create(
            {
                "name": "Sales rep",
                "login": "icasa_sales_rep",
                "groups_id": [Command.set(self.env.ref("sales_team.group_sale_salesman").ids)],
                "company_id": self.env.company.id,
                "company_ids": [Command.set(self.env.company.ids)],
            }
        )
        accountant = self.env["res.users"].create(
            {
                "name": "Accountant",
                "login": "icasa_accountant",
                "groups_id": [Command.set(self.env.ref("account.group_account_manager").ids)],
                "company_id": self.env.company.id,
                "company_ids": [Command.set(self.env.company.ids)],
            }
        )
        bad_account = self.company_data["default_account_revenue"].copy({"code": "799997", "deprecated": True})
        product = self.env["product.product"].create(
            {
                "name": "Broken",
                "type": "service",
                "icasa_billing_role": "maintenance",
                "taxes_id": [],
                "property_account_income_id": bad_account.id,
            }
        )
        poisoned = self._subscription(self.monthly, date(2027, 1, 1), lines=[(product, 1, 30.0)], user_id=salesman.id)
        self._bill(date(2027, 1, 1))
        activity = poisoned.activity_ids
        self.assertEqual(len(activity), 1)
        self.assertEqual(activity.summary, "Recurring billing failed")
        self.assertNotEqual(activity.user_id, salesman)
        self.assertTrue(activity.user_id.has_group("account.group_account_manager"))
        # the salesperson who is an accountant gets it
        poisoned.user_id = accountant
        poisoned.activity_ids.unlink()
        self._bill(date(2027, 1, 1))
        self.assertEqual(poisoned.activity_ids.user_id, accountant)

    def test_failing_every_day_keeps_one_activity_done_when_fixed(self):
        bad_account = self.company_data["default_account_revenue"].copy({"code": "799996", "deprecated": True})
        product = self.env["product.product"].create(
            {
                "name": "Broken",
                "type": "service",
                "icasa_billing_role": "maintenance",
                "taxes_id": [],
                "property_account_income_id": bad_account.id,
            }
        )
        order = self._subscription(self.monthly, date(2027, 1, 1), lines=[(product, 1, 30.0)])

        def failures():
            return order.message_ids.filtered(lambda m: "Recurring billing failed" in (m.body or ""))

        for day in (1, 2, 3):
            self.assertEqual(self._bill(date(2027, 1, day))["failed"], 1)
        self.assertEqual(len(order.activity_ids), 1)
        self.assertEqual(len(failures()), 1)
        bad_account.deprecated = False
        self.assertEqual(self._bill(date(2027, 1, 4))["documents"], 1)
        self.assertFalse(order.activity_ids)
        self.assertFalse(order.icasa_billing_error)
