"""The billing service of subscriptions: the run that bills due periods and
checks billed ones again, its locks, batches, isolation and error reports,
the one builder of period documents, and the only writer of the ledger.

Kept apart from ``sale.order`` the way Odoo keeps ``account.move.send`` apart
from ``account.move``: the order holds the subscription and its life cycle,
this service turns it into documents."""

import logging
from collections import defaultdict
from datetime import timedelta

import psycopg2.errors

from odoo import Command, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL, format_date

from odoo.addons.icasa_ev_billing.models.cron_batch import commit_batch

from ..tools import ledger as ledger_math
from ..tools import periods as engine
from .icasa_subscription_period import KEYED_KINDS

_logger = logging.getLogger(__name__)

BATCH_SIZE_PARAM = "icasa_ev_subscription.cron_batch_size"
DEFAULT_BATCH_SIZE = 100
MAX_PERIODS_PARAM = "icasa_ev_subscription.max_periods_per_run"
DEFAULT_MAX_PERIODS = 24
LOCK_RETRIES = 5
# what makes a subscription due, and the order batches take them in (``_due_order``)
DUE_FIELDS = [
    "icasa_subscription_state",
    "icasa_next_invoice_date",
    "icasa_recheck_from",
    "icasa_billing_error",
    "state",
]


class IcasaSubscriptionBilling(models.AbstractModel):
    _name = "icasa.subscription.billing"
    _description = "Subscription Billing Service"

    # ------------------------------------------------------------------
    # Settings
    # ------------------------------------------------------------------

    @api.model
    def _int_param(self, key, default):
        # technical settings that every user's billing reads; ir.config_parameter is admin-only
        value = self.env["ir.config_parameter"].sudo().get_param(key)
        try:
            number = int(value) if value else default
        except ValueError:
            number = default
        return max(number, 1)

    @api.model
    def _batch_size(self):
        return self._int_param(BATCH_SIZE_PARAM, DEFAULT_BATCH_SIZE)

    @api.model
    def _max_periods(self):
        return self._int_param(MAX_PERIODS_PARAM, DEFAULT_MAX_PERIODS)

    # ------------------------------------------------------------------
    # The run
    # ------------------------------------------------------------------

    @api.model
    def _due_sql(self, today, skip_ids):
        return SQL(
            """
            SELECT id FROM sale_order
             WHERE icasa_subscription_state IN ('active', 'paused', 'closed')
               AND state = 'sale'
               AND (icasa_next_invoice_date <= %(today)s OR icasa_recheck_from IS NOT NULL)
               AND company_id = ANY(%(companies)s)
               AND NOT (id = ANY(%(skip)s))
            """,
            today=today,
            companies=self.env.user.company_ids.ids or self.env.companies.ids,
            skip=list(skip_ids),
        )

    @api.model
    def _lock_due_batch(self, today, limit, skip_ids=(), restart=False):
        """Ids of due subscriptions (``_due_order``), locked for this
        transaction. Rows that other workers hold are skipped, so parallel
        runs split the work. A row that another worker changed and committed
        after this transaction's snapshot raises a serialization failure,
        which a new try in the same snapshot raises again: with ``restart``
        (the caller has just committed, the transaction holds nothing) the
        transaction is rolled back and the lock tried again in a new
        snapshot; otherwise, or when that keeps failing, the rows are locked
        one by one and the conflicting ones left to their worker."""
        self.env["sale.order"].flush_model(DUE_FIELDS)
        due = self._due_sql(today, skip_ids)
        for _attempt in range(LOCK_RETRIES):
            try:
                with self.env.cr.savepoint(flush=False):
                    ids = []
                    for part, order in self._due_parts(today):
                        # not logged as a bad query: a conflict is expected and handled here
                        self.env.cr.execute(
                            SQL(
                                "%s AND %s ORDER BY %s LIMIT %s FOR UPDATE SKIP LOCKED",
                                due,
                                part,
                                order,
                                limit - len(ids),
                            ),
                            log_exceptions=False,
                        )
                        ids += [row[0] for row in self.env.cr.fetchall()]
                        if len(ids) >= limit:
                            break
                    return ids
            except psycopg2.errors.SerializationFailure:
                if not restart:
                    break
                _logger.info("Recurring billing: lock conflict with another worker, trying again in a new snapshot")
                self.env.cr.rollback()
        return self._lock_due_rows(today, limit, skip_ids)

    @api.model
    def _count_due(self, today, skip_ids=()):
        self.env.cr.execute(SQL("SELECT count(*) FROM (%s) due", self._due_sql(today, skip_ids)))
        return self.env.cr.fetchone()[0]

    @api.model
    def _cron_generate_recurring(self, batch_size=None, today=None, time_budget=None):
        """Bill every subscription period due up to ``today`` and check again
        the billed periods that changed, in batches: each batch is locked with
        SKIP LOCKED, billed, and committed (outside tests). A subscription
        bills at most ``max_periods_per_run`` new periods per run; its backlog
        goes on in the next run. A run starts batches for ``time_budget``
        seconds (default ``_time_budget``: under the cron's time limit), then
        reports what remains (``_notify_progress``) and triggers the billing
        crons again, which share the rest (``_wake_lanes``). With OCA
        queue_job installed, it queues one job per batch instead. Returns counts."""
        today = today or fields.Date.context_today(self)
        batch_size = batch_size or self._batch_size()
        if self._use_queue_job():
            return self._enqueue_due_batches(today, batch_size)
        budget = self._run_budget(self._time_budget() if time_budget is None else time_budget)
        queries = self._sql_count()
        # seen: every subscription this run took; skip: those of them still due after their batch (a failure,
        # a backlog beyond the cap), which the run does not take again. The others are no longer due, so the
        # lock query need not name them: its list stays short however many subscriptions the run bills.
        seen, skip, failed = set(), set(), set()
        totals = {"subscriptions": 0, "documents": 0, "failed": 0}
        capped = stopped = False
        reported = None
        # a new snapshot for the first lock, so that a lock conflict can start again
        fresh = commit_batch(self.env)
        while True:
            ids = self._lock_due_batch(today, batch_size, skip, restart=fresh)
            if not ids:
                break
            if not seen and len(ids) == batch_size:
                # more than a batch to do: the other billing crons join in
                self._wake_lanes()
            seen.update(ids)
            with self.env.cr.savepoint(flush=True):
                result = self._bill_orders(self.env["sale.order"].browse(ids), today)
                totals["subscriptions"] += len(ids) - len(result["failed"])
                totals["documents"] += len(result["moves"]) + len(result["orders"])
                totals["failed"] += len(result["failed"])
                failed.update(result["failed"])
                capped = capped or result["capped"]
                skip.update(self._due_among(today, ids))
                # the due subscriptions are counted once; each batch then takes its own off. Progress only: what
                # other lanes bill meanwhile stays in the figure until the run ends, which counts again.
                reported = self._count_due(today, skip) if reported is None else max(reported - len(ids), 0)
                self.env["ir.cron"]._notify_progress(done=len(seen), remaining=reported)
            fresh = commit_batch(self.env)
            if budget.expired():
                stopped = True
                break
        # what another lane holds is its own; a backlog beyond the cap is ours
        remaining = (self._count_due(today, skip) if stopped else 0) + (
            len(self._due_among(today, skip - failed)) if capped else 0
        )
        if reported is not None and remaining != reported:
            self.env["ir.cron"]._notify_progress(done=len(seen), remaining=remaining)
        if remaining:
            self._wake_lanes(include_self=True)
        _logger.info(
            "Recurring billing: %(subscriptions)s subscriptions billed, %(documents)s documents, %(failed)s failed, "
            "%(remaining)s remaining, in %(seconds).1f s and %(queries)s queries",
            dict(totals, remaining=remaining, seconds=budget.elapsed(), queries=self._sql_count() - queries),
        )
        return totals

    @api.model
    def _bill_orders(self, orders, today):
        """Bill ``orders`` (locked by the caller), isolating each subscription:
        the whole batch in one savepoint, one by one when that fails."""
        result = {"moves": self.env["account.move"], "orders": self.env["sale.order"], "failed": {}, "capped": False}
        if not orders:
            return result
        try:
            with self.env.cr.savepoint(flush=True):
                moves, created, capped = self._bill_group(orders, today)
        except Exception:  # not reported here: each subscription is billed again alone and reports its own error
            moves, created, capped = self.env["account.move"], self.env["sale.order"], False
            for order in orders.browse(orders.ids):
                order_moves, order_orders, order_capped = self._bill_isolated(order, today, result["failed"])
                moves |= order_moves
                created |= order_orders
                capped = capped or order_capped
        result.update(moves=moves, orders=created, capped=capped)
        recovered = orders.browse([oid for oid in orders.ids if oid not in result["failed"]]).filtered(
            "icasa_billing_error"
        )
        for order in recovered:
            self._report_recovery(order)
        return result

    @api.model
    def _bill_isolated(self, order, today, failed):
        try:
            with self.env.cr.savepoint(flush=True):
                return self._bill_group(order, today)
        except (UserError, ValidationError) as error:
            message = str(error.args[0]) if error.args else str(error)
        except Exception as error:  # a bug of ours: logged with its traceback, the run goes on
            _logger.exception("Recurring billing of %s failed with an unexpected error", order.name)
            detail = f"{type(error).__name__}: {error}"
            message = self.env._(
                "Unexpected error (%(error)s). The server log has the details; please report it.", error=detail
            )
        failed[order.id] = message
        self._report_error(order.browse(order.id), message)
        return self.env["account.move"], self.env["sale.order"], False

    @api.model
    def _report_error(self, order, message):
        """Post the error on the subscription, flag it and ask its accountant
        to look. In its own savepoint: a report that fails (a cron user
        without an e-mail address, say) never undoes the billing of others."""
        try:
            with self.env.cr.savepoint(flush=True):
                order._icasa_record_billing_error(message)
            return
        except Exception:  # a report that fails never undoes billing: logged with its traceback
            _logger.exception("Could not report the billing error of %s on its chatter", order.name)
        try:
            with self.env.cr.savepoint(flush=True):
                order.with_context(icasa_engine=True).icasa_billing_error = message
        except Exception:  # same: logged with its traceback
            _logger.exception("Could not flag the billing error of %s", order.name)

    @api.model
    def _report_recovery(self, order):
        try:
            with self.env.cr.savepoint(flush=True):
                order._icasa_clear_billing_error()
        except Exception:  # same: logged with its traceback
            _logger.exception("Could not clear the billing error of %s", order.name)

    # ------------------------------------------------------------------
    # Billing a group of locked subscriptions
    # ------------------------------------------------------------------

    @api.model
    def _bill_group(self, orders, today):
        """Bill the due and changed periods of ``orders`` (no isolation here):
        documents are created with one create per company and language, the
        ledger rows in the same transaction."""
        moves = self.env["account.move"]
        created_orders = self.env["sale.order"]
        capped = False
        groups = defaultdict(list)
        for order in orders:
            groups[(order.company_id, self._document_lang(order))].append(order.id)
        max_periods = self._max_periods()
        for (company, lang), ids in groups.items():
            env_orders = orders.browse(ids).with_company(company).with_context(lang=lang or None)
            env_orders._icasa_prefetch()
            context = self._invoice_context(company)
            specs = []
            for order in env_orders:
                order_specs, order_capped = self._order_specs(order, today, max_periods, context)
                specs += order_specs
                capped = capped or order_capped
            group_moves, group_orders = self._create_documents(specs, company, lang, today, context)
            moves |= group_moves
            created_orders |= group_orders
        orders._icasa_end_finished(today)
        return moves, created_orders, capped

    @api.model
    def _document_lang(self, order):
        """The language the documents of ``order`` are written in: the one of who receives them."""
        return order.partner_invoice_id.lang or ""

    @api.model
    def _order_specs(self, order, today, max_periods, context):
        """What to create for one subscription: a spec per period whose net
        differs from what it served, and per new period due."""
        recheck_from = order.icasa_recheck_from
        new_periods = order._icasa_due_periods(today, limit=max_periods + 1)
        capped = len(new_periods) > max_periods
        new_periods = new_periods[:max_periods]
        periods = {}
        if recheck_from:
            for row in order.icasa_period_ids.sorted("period_start"):
                if row.period_end >= recheck_from and row.period_start not in periods:
                    periods[row.period_start] = engine.Period(
                        start=row.period_start,
                        end=row.period_end,
                        full_start=row.full_start or row.period_start,
                        full_end=row.full_end or row.period_end,
                    )
        for period in new_periods:
            periods.setdefault(period.start, period)
        specs = []
        for start in sorted(periods):
            specs += self._period_specs(order, periods[start], recheck_from)
        values = {"icasa_recheck_from": False}
        if new_periods:
            values["icasa_next_period_start"] = new_periods[-1].end + timedelta(days=1)
        if recheck_from or new_periods:
            order.with_context(icasa_engine=True).write(values)
        return specs, capped

    @api.model
    def _period_specs(self, order, period, recheck_from=None):
        """The documents (or the nothing-to-bill row) that bring ``period`` to
        what it served: one per payer of the period (``_period_payers``)."""
        digits = order.currency_id.decimal_places
        rows = order.icasa_period_ids.filtered(lambda r: r.period_start == period.start)
        ranges = order._icasa_served_ranges(period)
        parts_by_line = {}
        for line in order._icasa_recurring_lines():
            line._icasa_apply_indexation(period)
            parts_by_line[line] = line._icasa_period_parts(ranges, period.full_days, digits)
        specs = []
        for payer in self._period_payers(order, period, rows, parts_by_line, digits):
            spec = self._payer_spec(order, period, recheck_from, payer, digits)
            if spec:
                specs.append(spec)
        return specs

    @api.model
    def _period_payers(self, order, period, rows, parts_by_line, digits):
        """Who a period is billed to, each with its ledger rows, its invoice
        parts per line ``[(first, last, quantity, unit amount, share)]``
        (``share``: None, or the percent of a split part, billed at quantity
        1 without discount) and its target per line. Here one payer: the
        customer's invoice address; ``icasa_partner_invoicing`` splits it."""
        return [
            {
                "rows": rows,
                "parts": {line: [(*part, None) for part in parts] for line, parts in parts_by_line.items()},
                "targets": {
                    line.id: ledger_math.parts_total(parts, line.discount, digits)
                    for line, parts in parts_by_line.items()
                },
                "row_values": {},
                "one_time": True,
            }
        ]

    @api.model
    def _payer_spec(self, order, period, recheck_from, payer, digits):
        """The document that brings one payer's part of ``period`` to what it served."""
        plan = order.icasa_plan_id
        rows = payer["rows"]
        keyed = rows.filtered(lambda r: r.live and r.billing_key)
        counted = rows._counted()
        net = counted._net_by_line()
        diff = ledger_math.deltas(payer["targets"], net, digits)
        billed = any(order.currency_id.round(amount) for amount in net.values())
        if diff and not billed and keyed.filtered(lambda r: r.kind == "none"):
            # a period recorded as nothing to bill that serves days after all (a resume, a
            # quantity back from zero): its first document takes the key
            keyed.filtered(lambda r: r.kind == "none").sudo().write(  # the engine writes the ledger
                {"live": False, "billing_key": False, "note": self.env._("billed after all")}
            )
            keyed = keyed.filtered(lambda r: r.live)
            counted = counted.filtered(lambda r: r.live)
        one_time = (
            order._icasa_one_time_lines_to_bill()
            if payer["one_time"] and not keyed and period.start == order.icasa_start_date
            else []
        )
        base = {
            "order": order,
            "period": period,
            "payer": payer,
            "keyed": not keyed,
            "one_time": one_time,
            "sign": 1,
            "correction": False,
        }
        if not diff and not one_time:
            if keyed or counted:
                return None
            return {**base, "kind": "none", "lines": []}
        if not billed:
            # a first document: one line per part, as the customer reads it
            lines = [
                (line, first, last, quantity, amount, share)
                for line, parts in payer["parts"].items()
                for first, last, quantity, amount, share in parts
            ]
            sign = 1
        else:
            # a correction of what the period billed: one line per recurring line
            total = sum(diff.values())
            sign = 1 if total >= 0 else -1
            by_id = {line.id: line for line in payer["parts"]}
            first = max(period.start, min(recheck_from or period.start, period.end))
            lines = [
                (by_id.get(line_id) or order.order_line.browse(line_id), first, period.end, 1, amount * sign, None)
                for line_id, amount in sorted(diff.items())
            ]
        if keyed or sign < 0:
            kind = "adjust" if sign > 0 else "credit"
        else:
            kind = "order" if plan.generate == "order" else "invoice"
        return {
            **base,
            "kind": kind,
            "sign": sign,
            "correction": billed,
            "lines": lines,
            "line_amounts": {str(line_id): float(amount) for line_id, amount in diff.items()},
        }

    @api.model
    def _create_documents(self, specs, company, lang, today, context):
        """Create the documents of ``specs`` (one create per model) and their ledger rows."""
        Move = (
            self.env["account.move"]
            .with_company(company)
            .with_context(lang=lang or None, tracking_disable=True, default_move_type="out_invoice", icasa_engine=True)
        )
        Order = self.env["sale.order"].with_company(company).with_context(lang=lang or None, mail_create_nolog=True)
        move_specs, order_specs = [], []
        for spec in specs:
            if spec["kind"] != "none":
                (order_specs if spec["order"].icasa_plan_id.generate == "order" else move_specs).append(spec)
        made = self._make_moves(Move, move_specs, today, context)
        created = Order.create([self._prepare_order(spec) for spec in order_specs]) if order_specs else Order
        rows = [
            self._row_values(
                spec, move_id=move.id, amount=move.amount_untaxed * spec["sign"] if amount is None else amount
            )
            for spec, move, amount in made
        ]
        rows += [
            self._row_values(spec, sale_order_id=sale.id, amount=sale.amount_untaxed)
            for spec, sale in zip(order_specs, created, strict=True)
        ]
        rows += [self._row_values(spec, amount=0.0) for spec in specs if spec["kind"] == "none"]
        # only the engine writes the ledger; users have read access. Keys given up by
        # rows of this run go to the database before new rows take them.
        Period = self.env["icasa.subscription.period"].sudo()
        Period.flush_model(["live", "billing_key"])
        Period.create(rows)
        if created:
            created.action_confirm()
        moves = Move.browse(list(dict.fromkeys(move.id for _spec, move, _amount in made if move)))
        self._post_and_send(moves)
        for spec, move, amount in made:
            if spec["correction"] and move:
                spec["order"].message_post(
                    body=self.env._(
                        "%(document)s of %(amount)s brings the period from %(start)s to %(end)s to what it served.",
                        document=move.name if move.name and move.name != "/" else move.display_name,
                        amount=move.amount_untaxed * spec["sign"] if amount is None else amount,
                        start=format_date(self.env, spec["period"].start),
                        end=format_date(self.env, spec["period"].end),
                    )
                )
        return moves, created

    @api.model
    def _make_moves(self, Move, specs, today, context):
        """The invoices and credit notes of ``specs``, one per spec, made with
        one create. Returns ``[(spec, move, ledger amount or None)]``; None:
        the row takes the document's untaxed amount. A charge that a later
        document will bill (``icasa_partner_invoicing``: a consolidated
        invoice) has an empty ``move`` and its amount."""
        if not specs:
            return []
        moves = Move.create([self._prepare_move(spec, today, context) for spec in specs])
        return [(spec, move, None) for spec, move in zip(specs, moves, strict=True)]

    @api.model
    def _row_values(self, spec, amount, move_id=False, sale_order_id=False):
        period = spec["period"]
        return {
            "order_id": spec["order"].id,
            "period_start": period.start,
            "period_end": period.end,
            "full_start": period.full_start,
            "full_end": period.full_end,
            "kind": spec["kind"],
            "billing_key": period.start if spec["keyed"] and spec["kind"] in KEYED_KINDS else False,
            "move_id": move_id,
            "sale_order_id": sale_order_id,
            "amount_untaxed": amount,
            "line_amounts": spec.get("line_amounts") or {},
            **spec["payer"]["row_values"],
        }

    @api.model
    def _post_and_send(self, moves):
        posted = moves.filtered(lambda m: m.icasa_subscription_id.icasa_plan_id.auto_post)
        if not posted:
            return
        posted._post(soft=False)  # dated by the run's day, which may be ahead of the clock
        to_send = posted.filtered(
            lambda m: m.move_type == "out_invoice" and m.icasa_subscription_id.icasa_plan_id.auto_email
        )
        if to_send:
            to_send.sending_data = {
                "author_user_id": self.env.user.id,
                "author_partner_id": self.env.user.partner_id.id,
            }
            self.env.ref("account.ir_cron_account_move_send")._trigger()

    # ------------------------------------------------------------------
    # The one document builder
    # ------------------------------------------------------------------

    @api.model
    def _invoice_context(self, company):
        """Values shared by the invoices of one company: its sales journals,
        and whether analytic distribution models exist (without any, the
        line's own distribution is final)."""
        journals = self.env["account.journal"].search(
            [*self.env["account.journal"]._check_company_domain(company), ("type", "=", "sale")]
        )
        # distribution models are accounting configuration that salesmen cannot read
        has_models = bool(
            self.env["account.analytic.distribution.model"]
            .sudo()
            .search_count(self.env["account.analytic.distribution.model"]._check_company_domain(company), limit=1)
        )
        return {"journals": journals, "journal_by_currency": {}, "analytic_models": has_models}

    @api.model
    def _default_journal(self, order, context):
        cache = context["journal_by_currency"]
        currency = order.currency_id
        if currency not in cache:
            journals = context["journals"]
            cache[currency] = (
                journals.filtered(lambda j: j.currency_id == currency)
                or journals.filtered(lambda j: not j.currency_id)
                or journals
            )[:1]
        return cache[currency]

    @api.model
    def _prepare_move(self, spec, today, context):
        """An invoice or credit note of one period: the order's journal,
        currency, fiscal position, payment terms and invoice address
        (``_prepare_invoice``), dated by the run, service dates on every line,
        and the subscription and period it is for."""
        order = spec["order"]
        vals = order._prepare_invoice()
        plan = order.icasa_plan_id
        if plan.journal_id:
            vals["journal_id"] = plan.journal_id.id
        elif not vals.get("journal_id"):
            vals["journal_id"] = self._default_journal(order, context).id
        vals.update(
            move_type="out_invoice" if spec["sign"] > 0 else "out_refund",
            invoice_date=today,
            icasa_subscription_id=order.id,
            icasa_period_start=spec["period"].start,
        )
        if spec["kind"] == "credit":
            origin = spec["payer"]["rows"].filtered(lambda r: r.live and r.move_id)[:1]
            vals["reversed_entry_id"] = origin.move_id.id
        vals["invoice_line_ids"] = [Command.create(line_vals) for line_vals in self._prepare_move_lines(spec, context)]
        return vals

    @api.model
    def _prepare_move_lines(self, spec, context):
        """The invoice line values of one spec: a line per period part or
        correction, then the one-time lines of a first invoice."""
        lines = []
        for line, first, last, quantity, amount, share in spec["lines"]:
            line_vals = line._icasa_prepare_period_invoice_line(
                first, last, quantity, float(amount), correction=spec["correction"], share=share
            )
            if not context["analytic_models"]:
                line_vals.setdefault("analytic_distribution", line.analytic_distribution or False)
            lines.append(line_vals)
        lines += [line._prepare_invoice_line() for line in spec["one_time"]]
        return lines

    @api.model
    def _prepare_order(self, spec):
        order = spec["order"]
        lines = [
            Command.create(
                line._icasa_prepare_period_order_line(
                    first, last, quantity, float(amount) * spec["sign"], correction=spec["correction"], share=share
                )
            )
            for line, first, last, quantity, amount, share in spec["lines"]
        ]
        vals = order._icasa_prepare_period_order_values()
        vals.update(icasa_period_start=spec["period"].start, order_line=lines)
        return vals
