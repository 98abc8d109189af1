"""How the billing run shares out over Odoo's scheduler: its time budget, the
billing crons ("lanes") that split the due subscriptions through the row
locks, the lock fallback when another worker's commit conflicts, and the
optional OCA ``queue_job`` path (one job per batch, never a dependency)."""

import hashlib
import logging

import psycopg2.errors

from odoo import api, fields, models, sql_db
from odoo.tools import SQL, config

from odoo.addons.icasa_ev_billing.models.cron_batch import in_test_mode

from ..tools.run_budget import RunBudget, cron_time_limit, run_budget
from .icasa_subscription_billing import DUE_FIELDS

_logger = logging.getLogger(__name__)

TIME_BUDGET_PARAM = "icasa_ev_subscription.cron_time_budget"
QUEUE_JOB_PARAM = "icasa_ev_subscription.use_queue_job"
QUEUE_CHANNEL = "root.icasa_subscription_billing"
LANE_METHOD = "_cron_generate_recurring"


class IcasaSubscriptionBilling(models.AbstractModel):
    _inherit = "icasa.subscription.billing"

    # ------------------------------------------------------------------
    # Time budget
    # ------------------------------------------------------------------

    @api.model
    def _time_budget(self):
        """Seconds a run may start new batches for: the parameter
        ``icasa_ev_subscription.cron_time_budget`` when set, else a share of
        the server's cron time limit (tools/run_budget.py). None: no budget
        (tests, where a run is never cut by the clock)."""
        # a technical setting every billing run reads; ir.config_parameter is admin-only
        value = self.env["ir.config_parameter"].sudo().get_param(TIME_BUDGET_PARAM)
        try:
            seconds = float(value) if value else 0.0
        except ValueError:
            seconds = 0.0
        if seconds > 0:
            return seconds
        if in_test_mode(self.env):
            return None
        limit = cron_time_limit(
            config["limit_time_real_cron"], config["limit_time_real"], config["limit_time_cpu"], config["workers"]
        )
        return run_budget(limit)

    @api.model
    def _run_budget(self, seconds):
        return RunBudget(seconds)

    @api.model
    def _sql_count(self):
        """Queries run so far by this process (Odoo's own counter): logged per run."""
        return sql_db.sql_counter

    # ------------------------------------------------------------------
    # Which subscriptions first, and locking them
    # ------------------------------------------------------------------

    @api.model
    def _due_order(self):
        """The order batches take due subscriptions in: changed periods to
        check again first, then the most recently due, so that a subscription
        with a long backlog (billed ``max_periods_per_run`` periods a run)
        comes after the current ones; subscriptions in error last."""
        return SQL("icasa_billing_error IS NOT NULL, icasa_next_invoice_date DESC NULLS FIRST, id")

    @api.model
    def _due_parts(self, today):
        """The due subscriptions cut into parts that, taken one after the
        other, give ``_due_order``, each with its own order and index
        (``sale.order.init``). The part that holds nearly every row (in no
        error, due by its date) is read in the order of its index, from
        ``today`` down."""
        full = self._due_order()
        return [
            # changed periods to check again, not (or not yet) due by their date
            (
                SQL(
                    "icasa_billing_error IS NULL AND icasa_recheck_from IS NOT NULL"
                    " AND (icasa_next_invoice_date IS NULL OR icasa_next_invoice_date > %s)",
                    today,
                ),
                full,
            ),
            (
                SQL("icasa_billing_error IS NULL AND icasa_next_invoice_date <= %s", today),
                SQL("icasa_next_invoice_date DESC, id"),
            ),
            (SQL("icasa_billing_error IS NOT NULL"), full),
        ]

    @api.model
    def _lock_due_rows(self, today, limit, skip_ids=(), only_ids=None):
        """Lock due subscriptions one row at a time, each in a savepoint: a
        row that another worker changed and committed after this
        transaction's snapshot raises a serialization failure and is left to
        that worker. The fallback of ``_lock_due_batch`` when the
        transaction cannot start again."""
        due = self._due_sql(today, skip_ids)
        if only_ids is not None:
            due = SQL("%s AND id = ANY(%s)", due, list(only_ids))
        self.env.cr.execute(SQL("%s ORDER BY %s", due, self._due_order()))
        ids = []
        for (order_id,) in self.env.cr.fetchall():
            try:
                with self.env.cr.savepoint(flush=False):
                    self.env.cr.execute(
                        SQL("SELECT id FROM sale_order WHERE id = %s FOR UPDATE SKIP LOCKED", order_id),
                        log_exceptions=False,  # an expected conflict, handled below
                    )
                    locked = self.env.cr.fetchone()
            except psycopg2.errors.SerializationFailure:
                _logger.info("Recurring billing: subscription %s changed by another worker, left to it", order_id)
                continue
            if locked:
                ids.append(order_id)
                if len(ids) >= limit:
                    break
        return ids

    @api.model
    def _due_among(self, today, order_ids):
        """Those of ``order_ids`` that are still due (after their batch: a
        failure, or a backlog beyond the cap)."""
        self.env["sale.order"].flush_model(DUE_FIELDS)
        self.env.cr.execute(SQL("%s AND id = ANY(%s)", self._due_sql(today, ()), list(order_ids)))
        return [row[0] for row in self.env.cr.fetchall()]

    # ------------------------------------------------------------------
    # Lanes: several billing crons share the work
    # ------------------------------------------------------------------

    @api.model
    def _billing_lanes(self):
        """The active scheduled actions that run the billing: Odoo runs one
        job per cron worker at a time, so each lane can take a cron thread
        (of this server or another one on the same database)."""
        # ir.cron is readable by admins only; the run is the cron's or an accountant's
        return (
            self.env["ir.cron"]
            .sudo()
            .search([("model_id.model", "=", self._name), ("code", "like", LANE_METHOD)], order="id")
        )

    @api.model
    def _wake_lanes(self, include_self=False):
        """Trigger the other billing lanes that have no trigger pending, and
        this one (``include_self``) in any case: idle cron workers take them
        at once (the trigger notifies them on commit) and share the due
        subscriptions through the row locks."""
        current = self.env.context.get("cron_id")
        lanes = self._billing_lanes()
        others = lanes.filtered(lambda lane: lane.id != current)
        pending = (
            self.env["ir.cron.trigger"]
            .sudo()  # same as above
            .search([("cron_id", "in", others.ids), ("call_at", "<=", fields.Datetime.now())])
            .cron_id
        )
        woken = others - pending
        if include_self:
            # a run that leaves work runs again, and its worker is woken up for it
            woken |= lanes - others
        for lane in woken:
            lane._trigger()
        return woken

    # ------------------------------------------------------------------
    # OCA queue_job, where it is installed: one job per batch
    # ------------------------------------------------------------------

    @api.model
    def _use_queue_job(self):
        """Whether the run queues its batches as OCA queue_job jobs: when the
        queue_job module is installed and the parameter
        ``icasa_ev_subscription.use_queue_job`` is not ``0``."""
        if "queue.job" not in self.env or not hasattr(self, "with_delay"):
            return False
        # a technical setting; ir.config_parameter is admin-only
        value = self.env["ir.config_parameter"].sudo().get_param(QUEUE_JOB_PARAM, "1")
        return value.strip().lower() not in ("0", "false", "no")

    @api.model
    def _enqueue_due_batches(self, today, batch_size):
        """Queue one job per batch of due subscriptions, in the channel
        ``root.icasa_subscription_billing``. The jobs lock their batch with
        SKIP LOCKED and bill what is still due, so a batch queued twice bills
        once."""
        self.env["sale.order"].flush_model(DUE_FIELDS)
        self.env.cr.execute(SQL("%s ORDER BY %s", self._due_sql(today, ()), self._due_order()))
        ids = [row[0] for row in self.env.cr.fetchall()]
        jobs = 0
        for start in range(0, len(ids), batch_size):
            self._delay_batch(ids[start : start + batch_size], today, first=True)
            jobs += 1
        _logger.info("Recurring billing: %s due subscriptions queued in %s jobs (%s)", len(ids), jobs, QUEUE_CHANNEL)
        return {"subscriptions": 0, "documents": 0, "failed": 0, "jobs": jobs}

    @api.model
    def _delay_batch(self, order_ids, today, first=False):
        options = {
            "channel": QUEUE_CHANNEL,
            "description": self.env._("Bill %(count)s subscriptions due on %(date)s", count=len(order_ids), date=today),
        }
        if first:
            # the same batch queued again by another run while it waits: one job
            key = hashlib.sha1(f"{today}:{sorted(order_ids)}".encode()).hexdigest()
            options["identity_key"] = f"icasa_billing:{key}"
        return self.with_delay(**options)._job_bill_batch(list(order_ids), fields.Date.to_string(today))

    @api.model
    def _job_bill_batch(self, order_ids, today):
        """A queue_job job: bill those of ``order_ids`` that are still due and
        that no other worker holds; a backlog beyond the cap goes on in a
        new job."""
        today = fields.Date.to_date(today)
        self.env["sale.order"].flush_model(DUE_FIELDS)
        ids = []
        try:
            with self.env.cr.savepoint(flush=False):
                self.env.cr.execute(
                    SQL(
                        "%s AND id = ANY(%s) ORDER BY id FOR UPDATE SKIP LOCKED",
                        self._due_sql(today, ()),
                        list(order_ids),
                    ),
                    log_exceptions=False,  # an expected conflict, handled below
                )
                ids = [row[0] for row in self.env.cr.fetchall()]
        except psycopg2.errors.SerializationFailure:
            ids = self._lock_due_rows(today, len(order_ids), only_ids=order_ids)
        result = self._bill_orders(self.env["sale.order"].browse(ids), today)
        backlog = []
        if result["capped"]:
            backlog = self._due_among(today, [oid for oid in ids if oid not in result["failed"]])
            if backlog:
                self._delay_batch(backlog, today)
        return (
            f"{len(ids) - len(result['failed'])} subscriptions billed, {len(result['moves'])} invoices, "
            f"{len(result['failed'])} failed, {len(backlog)} with a backlog queued again"
        )
