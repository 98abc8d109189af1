from contextlib import ExitStack, closing
from datetime import date
from unittest.mock import patch

import psycopg2.errors

from odoo import SUPERUSER_ID, Command, api, sql_db
from odoo.tests import TransactionCase, tagged
from odoo.tools import SQL

from .committed_data import create_committed_subscriptions, remove_committed_subscriptions
from .common import SubscriptionCommon


class StopAfterBatches:
    """A run budget that runs out after ``batches`` batches (no clock in tests)."""

    def __init__(self, batches):
        self.left = batches

    def expired(self):
        self.left -= 1
        return self.left <= 0

    def elapsed(self):
        return 0.0


@tagged("post_install", "-at_install")
class TestBillingRunScale(SubscriptionCommon):
    """A run with a time budget, several billing crons (lanes) and a subscription
    with a long backlog beside normal ones."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Billing = cls.env["icasa.subscription.billing"].sudo()
        cls.lane_1 = cls.env.ref("icasa_ev_subscription.ir_cron_generate_recurring")
        cls.lane_2 = cls.env.ref("icasa_ev_subscription.ir_cron_generate_recurring_lane_2")
        cls.env["ir.config_parameter"].sudo().set_param("icasa_ev_subscription.max_periods_per_run", "24")

    def setUp(self):
        super().setUp()
        self.env["ir.cron.trigger"].sudo().search([("cron_id", "in", (self.lane_1 | self.lane_2).ids)]).unlink()

    def _subscriptions(self, count, start):
        orders = self.env["sale.order"].create(
            [
                {
                    "partner_id": self.customer.id,
                    "icasa_plan_id": self.monthly.id,
                    "icasa_start_date": start,
                    "order_line": [Command.create({"product_id": self.maintenance.id, "price_unit": 30.0})],
                }
                for _i in range(count)
            ]
        )
        orders.action_confirm()
        return orders

    def _run(self, today, batches=None, batch_size=50, **kwargs):
        """One run (with a budget of ``batches`` batches); returns its counts
        and the progress it reported."""
        calls = []
        with ExitStack() as stack:
            stack.enter_context(
                patch.object(
                    type(self.env["ir.cron"]),
                    "_notify_progress",
                    lambda cron, done, remaining, deactivate=False: calls.append((done, remaining)),
                )
            )
            if batches:
                stack.enter_context(
                    patch.object(type(self.Billing), "_run_budget", lambda service, seconds: StopAfterBatches(batches))
                )
            result = self.Billing.with_context(**kwargs)._cron_generate_recurring(batch_size=batch_size, today=today)
        return result, calls

    def _triggered(self):
        return set(
            self.env["ir.cron.trigger"].sudo().search([("cron_id", "in", (self.lane_1 | self.lane_2).ids)]).cron_id.ids
        )

    def test_backlog_beside_200_normal_subscriptions(self):
        today = date(2027, 1, 1)
        normal = self._subscriptions(200, today)
        # ten years behind: 121 monthly periods due, from January 2017 to January 2027
        backlog = self._subscriptions(1, date(2017, 1, 1))
        self.assertEqual(backlog.icasa_next_invoice_date, date(2017, 1, 1))

        # a run whose budget lasts four batches of 50: the 200 current ones come first
        result, calls = self._run(today, batches=4)
        self.assertEqual(result, {"subscriptions": 200, "documents": 200, "failed": 0})
        self.assertEqual(calls, [(50, 151), (100, 101), (150, 51), (200, 1)])
        for order in normal:
            self.assertEqual(self._ledger(order), [(today, date(2027, 1, 31), "invoice")])
            self.assertEqual(order.icasa_next_invoice_date, date(2027, 2, 1))
        self.assertFalse(backlog.icasa_period_ids)
        # the rest goes on: every billing cron is triggered
        self.assertEqual(self._triggered(), {self.lane_1.id, self.lane_2.id})

        # the backlog drains 24 periods a run; each run reports it as remaining work
        for run in range(1, 6):
            result, calls = self._run(today)
            self.assertEqual(result, {"subscriptions": 1, "documents": 24, "failed": 0})
            self.assertEqual(calls, [(1, 0), (1, 1)])
            self.assertEqual(len(backlog.icasa_period_ids), 24 * run)
            self.assertEqual(backlog.icasa_next_invoice_date, date(2017 + 2 * run, 1, 1))
        result, calls = self._run(today)
        self.assertEqual(result, {"subscriptions": 1, "documents": 1, "failed": 0})
        self.assertEqual(calls, [(1, 0)])
        result, calls = self._run(today)
        self.assertEqual(result, {"subscriptions": 0, "documents": 0, "failed": 0})
        self.assertEqual(calls, [])

        ledger = self._ledger(backlog)
        self.assertEqual(len(ledger), 121)
        self.assertEqual(ledger[0], (date(2017, 1, 1), date(2017, 1, 31), "invoice"))
        self.assertEqual(ledger[59], (date(2021, 12, 1), date(2021, 12, 31), "invoice"))
        self.assertEqual(ledger[-1], (date(2027, 1, 1), date(2027, 1, 31), "invoice"))
        self.assertEqual(len({start for start, _end, _kind in ledger}), 121)
        self.assertEqual(len(backlog.icasa_subscription_move_ids), 121)
        self.assertEqual(sum(backlog.icasa_subscription_move_ids.mapped("amount_untaxed")), 121 * 30.0)
        # the normal ones were billed once, in the first run only
        self.assertEqual(len(normal.icasa_period_ids), 200)

    def test_budget_hands_over_to_the_lanes(self):
        today = date(2027, 3, 1)
        orders = self._subscriptions(120, today)
        # lane 1 runs: a full first batch wakes lane 2, the budget ends after it
        result, calls = self._run(today, batches=1, cron_id=self.lane_1.id)
        self.assertEqual(result, {"subscriptions": 50, "documents": 50, "failed": 0})
        self.assertEqual(calls, [(50, 70)])
        self.assertEqual(self._triggered(), {self.lane_1.id, self.lane_2.id})
        # lane 2 (or lane 1 again) bills the rest, no period twice
        result, calls = self._run(today, cron_id=self.lane_2.id)
        self.assertEqual(result, {"subscriptions": 70, "documents": 70, "failed": 0})
        self.assertEqual(calls, [(50, 20), (70, 0)])
        self.assertEqual(orders.icasa_period_ids.mapped("period_start"), [today] * 120)
        self.assertEqual(len(orders.icasa_subscription_move_ids), 120)

    def test_a_run_within_one_batch_wakes_nobody(self):
        today = date(2027, 3, 1)
        self._subscriptions(3, today)
        result, calls = self._run(today, cron_id=self.lane_1.id)
        self.assertEqual(result, {"subscriptions": 3, "documents": 3, "failed": 0})
        self.assertEqual(calls, [(3, 0)])
        self.assertEqual(self._triggered(), set())

    def test_batches_take_the_due_subscriptions_in_order(self):
        today = date(2027, 1, 1)
        # billed for January, then a price change asks to check January again: not due by its date
        recheck = self._subscriptions(1, today)
        self.Billing._bill_orders(recheck, today)
        self.assertEqual(recheck.icasa_next_invoice_date, date(2027, 2, 1))
        recheck.with_context(icasa_engine=True).write({"icasa_recheck_from": today})
        first, second = self._subscriptions(2, today)
        older = self._subscriptions(1, date(2026, 12, 1))
        oldest = self._subscriptions(1, date(2026, 10, 1))
        in_error = self._subscriptions(1, today)
        in_error.with_context(icasa_engine=True).write({"icasa_billing_error": "The income account is deprecated."})
        expected = [recheck.id, first.id, second.id, older.id, oldest.id, in_error.id]

        self.assertEqual(self.Billing._lock_due_batch(today, 10), expected)
        # a batch that ends inside a part, or that takes the next part's first rows
        self.assertEqual(self.Billing._lock_due_batch(today, 1), expected[:1])
        self.assertEqual(self.Billing._lock_due_batch(today, 3), expected[:3])
        self.assertEqual(
            self.Billing._lock_due_batch(today, 6, skip_ids={first.id, oldest.id}),
            [recheck.id, second.id, older.id, in_error.id],
        )
        # the parts give what one query in the whole order gives
        self.env.cr.execute(SQL("%s ORDER BY %s", self.Billing._due_sql(today, ()), self.Billing._due_order()))
        self.assertEqual([row[0] for row in self.env.cr.fetchall()], expected)

    def test_a_run_counts_once_and_skips_only_what_is_still_due(self):
        today = date(2027, 1, 1)
        # ir.config_parameter is admin-only; the test user sets the cap as an administrator would
        self.env["ir.config_parameter"].sudo().set_param("icasa_ev_subscription.max_periods_per_run", "2")
        normal = self._subscriptions(5, today)
        poisoned_product, _account = self._poisoned_product("799998")
        poisoned = self._subscription(self.monthly, today, lines=[(poisoned_product, 1, 30.0)])
        # five months due, two billed a run
        backlog = self._subscriptions(1, date(2026, 9, 1))

        Service = type(self.Billing)
        skips, counts = [], []
        lock, count = Service._lock_due_batch, Service._count_due

        def recording_lock(service, day, limit, skip_ids=(), restart=False):
            skips.append(set(skip_ids))
            return lock(service, day, limit, skip_ids, restart=restart)

        def recording_count(service, day, skip_ids=()):
            counts.append(set(skip_ids))
            return count(service, day, skip_ids)

        with (
            patch.object(Service, "_lock_due_batch", recording_lock),
            patch.object(Service, "_count_due", recording_count),
        ):
            calls = []
            with patch.object(
                type(self.env["ir.cron"]),
                "_notify_progress",
                lambda cron, done, remaining, deactivate=False: calls.append((done, remaining)),
            ):
                result = self.Billing._cron_generate_recurring(batch_size=2, today=today)
        self.assertEqual(result, {"subscriptions": 6, "documents": 7, "failed": 1})
        self.assertIn("deprecated", poisoned.icasa_billing_error)
        # the lock query names only the run's subscriptions that are still due: the failed one, then the
        # backlog beyond the cap; never the five billed ones
        self.assertEqual(skips, [set(), set(), set(), {poisoned.id}, {poisoned.id, backlog.id}])
        # the due subscriptions are counted once, after the first batch; each batch then takes its own off
        self.assertEqual(counts, [set()])
        self.assertEqual(calls, [(2, 5), (4, 3), (6, 1), (7, 0), (7, 1)])
        for order in normal:
            self.assertEqual(self._ledger(order), [(today, date(2027, 1, 31), "invoice")])
        self.assertEqual(
            self._ledger(backlog),
            [(date(2026, 9, 1), date(2026, 9, 30), "invoice"), (date(2026, 10, 1), date(2026, 10, 31), "invoice")],
        )
        self.assertFalse(poisoned.icasa_period_ids)

    def test_a_stopped_run_counts_again_what_remains(self):
        today = date(2027, 4, 1)
        orders = self._subscriptions(6, today)
        Service = type(self.Billing)
        bill = Service._bill_orders
        batches = []

        def with_another_lane(service, records, day):
            batches.append(records.ids)
            if len(batches) == 2:
                # meanwhile another lane bills the last subscription
                bill(service, orders[-1], day)
            return bill(service, records, day)

        with patch.object(Service, "_bill_orders", with_another_lane):
            result, calls = self._run(today, batches=2, batch_size=2, cron_id=self.lane_1.id)
        self.assertEqual(result, {"subscriptions": 4, "documents": 4, "failed": 0})
        self.assertEqual(batches, [orders[:2].ids, orders[2:4].ids])
        # the second batch's estimate (4 - 2) still holds the other lane's subscription; the run stops and
        # reports the exact count: the fifth subscription only
        self.assertEqual(calls, [(2, 4), (4, 2), (4, 1)])
        self.assertFalse(orders[4].icasa_period_ids)
        self.assertEqual(len(orders.icasa_period_ids), 5)
        self.assertEqual(self._triggered(), {self.lane_1.id, self.lane_2.id})

    def test_lanes_are_the_billing_crons(self):
        self.assertEqual(self.Billing._billing_lanes(), self.lane_1 | self.lane_2)
        lane_3 = self.lane_2.sudo().copy({"name": "Subscriptions: bill due periods (lane 3)", "active": True})
        self.assertEqual(self.Billing._billing_lanes(), self.lane_1 | self.lane_2 | lane_3)
        self.lane_2.sudo().active = False
        self.assertEqual(self.Billing._billing_lanes(), self.lane_1 | lane_3)

    def test_time_budget_setting(self):
        # tests: never cut by the clock unless set
        self.assertIsNone(self.Billing._time_budget())
        self.env["ir.config_parameter"].sudo().set_param("icasa_ev_subscription.cron_time_budget", "45")
        self.assertEqual(self.Billing._time_budget(), 45.0)

    def test_plain_odoo_path_without_queue_job(self):
        self.assertNotIn("queue.job", self.env)
        self.assertFalse(self.Billing._use_queue_job())


TODAY = date(2000, 6, 1)  # before any other subscription in the database


@tagged("post_install", "-at_install")
class TestBillingLockConflict(TransactionCase):
    """Two real database connections: a worker whose snapshot predates another
    worker's commit on a due row gets a serialization failure when it locks
    that row (REPEATABLE READ). The run must not crash, and bill every period
    once. The data is committed in a cursor of its own and removed in a cleanup."""

    def setUp(self):
        super().setUp()
        self.db = sql_db.db_connect(self.env.cr.dbname)
        self.ids = create_committed_subscriptions(self.db, "Lock conflict", TODAY)
        self.addCleanup(remove_committed_subscriptions, self.db, self.ids)
        self.order_ids = self.ids["orders"]

    def _conflict(self, cr1, bill=False):
        """cr1 takes its snapshot; then a second worker locks the first due
        row, changes it (bills it, with ``bill``) and commits. Returns its id."""
        cr1.execute("SELECT count(*) FROM sale_order")
        target = self.order_ids[0]
        with closing(self.db.cursor()) as cr2:
            env2 = api.Environment(cr2, SUPERUSER_ID, {})
            cr2.execute("SELECT id FROM sale_order WHERE id = %s FOR UPDATE", [target])
            if bill:
                result = env2["icasa.subscription.billing"]._bill_orders(env2["sale.order"].browse(target), TODAY)
                self.assertEqual(len(result["moves"]), 1)
            else:
                cr2.execute("UPDATE sale_order SET write_date = now() at time zone 'UTC' WHERE id = %s", [target])
            cr2.commit()
        return target

    def _due_lock_query(self):
        return "SELECT id FROM sale_order WHERE id = ANY(%s) ORDER BY id FOR UPDATE SKIP LOCKED"

    def test_the_conflict_is_real(self):
        """The situation below does raise SerializationFailure on a plain SKIP LOCKED query."""
        with closing(self.db.cursor()) as cr1:
            self._conflict(cr1)
            with self.assertRaises(psycopg2.errors.SerializationFailure):
                cr1.execute(self._due_lock_query(), [self.order_ids], log_exceptions=False)

    def test_lock_conflict_leaves_the_row_to_its_worker(self):
        with closing(self.db.cursor()) as cr1:
            target = self._conflict(cr1)
            env1 = api.Environment(cr1, SUPERUSER_ID, {})
            ids = env1["icasa.subscription.billing"]._lock_due_batch(TODAY, 10)
            self.assertEqual(sorted(ids), sorted(set(self.order_ids) - {target}))

    def test_lock_conflict_restarts_a_fresh_transaction(self):
        with closing(self.db.cursor()) as cr1:
            self._conflict(cr1)
            env1 = api.Environment(cr1, SUPERUSER_ID, {})
            ids = env1["icasa.subscription.billing"]._lock_due_batch(TODAY, 10, restart=True)
            # a new snapshot sees the other worker's commit: the row is free and still due
            self.assertEqual(sorted(ids), sorted(self.order_ids))

    def test_run_after_a_conflict_bills_each_period_once(self):
        with closing(self.db.cursor()) as cr1:
            target = self._conflict(cr1, bill=True)
            env1 = api.Environment(cr1, SUPERUSER_ID, {})
            result = env1["icasa.subscription.billing"]._cron_generate_recurring(batch_size=4, today=TODAY)
            self.assertEqual(result, {"subscriptions": 5, "documents": 5, "failed": 0})
            cr1.commit()
        with closing(self.db.cursor()) as cr:
            cr.execute(
                "SELECT order_id, count(*) FROM icasa_subscription_period WHERE order_id = ANY(%s) GROUP BY order_id",
                [self.order_ids],
            )
            self.assertEqual(dict(cr.fetchall()), dict.fromkeys(self.order_ids, 1))
            cr.execute("SELECT count(*) FROM account_move WHERE icasa_subscription_id = %s", [target])
            self.assertEqual(cr.fetchone()[0], 1)
