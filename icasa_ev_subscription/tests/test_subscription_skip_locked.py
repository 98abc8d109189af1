from contextlib import closing
from datetime import date

from odoo import SUPERUSER_ID, api, sql_db
from odoo.exceptions import UserError
from odoo.tests import TransactionCase, tagged

from .committed_data import create_committed_subscriptions, remove_committed_subscriptions

TODAY = date(2001, 1, 1)  # long before any other subscription in the database


@tagged("post_install", "-at_install")
class TestSubscriptionSkipLocked(TransactionCase):
    """Two workers on two real database connections split the due subscriptions.

    The subscriptions must be committed to be seen by both connections, so they
    are created in a cursor of their own and removed again in a cleanup."""

    def test_two_workers_split_the_work(self):
        db = sql_db.db_connect(self.env.cr.dbname)
        ids = create_committed_subscriptions(db, "SKIP LOCKED", TODAY)
        self.addCleanup(remove_committed_subscriptions, db, ids)
        order_ids = ids["orders"]
        with closing(db.cursor()) as cr1, closing(db.cursor()) as cr2:
            env1 = api.Environment(cr1, SUPERUSER_ID, {})
            env2 = api.Environment(cr2, SUPERUSER_ID, {})
            # worker 1 takes a batch of 3 and holds the locks
            batch1 = env1["icasa.subscription.billing"]._lock_due_batch(TODAY, 3)
            self.assertEqual(len(batch1), 3)
            self.assertTrue(set(batch1) <= set(order_ids))
            # worker 2 runs the whole cron meanwhile: it skips the locked rows
            # the "Invoice now" button of a row a worker holds is refused, not queued
            with self.assertRaisesRegex(UserError, "being invoiced"):
                env2["sale.order"].browse(batch1[0])._icasa_lock_or_raise()
            result2 = env2["icasa.subscription.billing"]._cron_generate_recurring(batch_size=2, today=TODAY)
            self.assertEqual(result2, {"subscriptions": 3, "documents": 3, "failed": 0})
            billed2 = env2["icasa.subscription.period"].search([("order_id", "in", order_ids)]).order_id.ids
            self.assertEqual(sorted(billed2), sorted(set(order_ids) - set(batch1)))
            cr2.commit()
            # worker 1 bills its batch; a second pass of worker 2 finds nothing left
            result1 = env1["icasa.subscription.billing"]._bill_orders(env1["sale.order"].browse(batch1), TODAY)
            self.assertFalse(result1["failed"])
            self.assertEqual(len(result1["moves"]), 3)
            cr1.commit()
            self.assertEqual(env2["icasa.subscription.billing"]._cron_generate_recurring(today=TODAY)["documents"], 0)
            cr2.rollback()
        with closing(db.cursor()) as cr:
            cr.execute(
                "SELECT order_id, count(*) FROM icasa_subscription_period WHERE order_id = ANY(%s) GROUP BY order_id",
                [order_ids],
            )
            self.assertEqual(dict(cr.fetchall()), dict.fromkeys(order_ids, 1))
