"""Invariants of the period ledger over random lifecycles.

A seeded random walk drives subscriptions through what users and the cron do,
in any order: billing runs on advancing days, quantity changes on a date,
price steps, pause, resume, close, posting, cancelling, deleting drafts,
full and partial credit notes, "reverse and create a new draft", resetting to
draft. After every step (each followed by the day's run, as the cron would)
it checks, period by period and line by line, that what the live documents
billed equals what was served, worked out here day by day from the test's own
record of quantities, prices, pauses and the close, and that the ledger and
the documents agree.

``ICASA_LIFECYCLE_RUNS`` (default 200) sets the number of sequences and
``ICASA_LIFECYCLE_SEED`` the first seed. A failing sequence prints its seed and
its steps, readable as a reproduction.
"""

import os
from collections import defaultdict
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from unittest.mock import patch

from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import tagged

from ..tools import periods as engine
from .common import SubscriptionCommon
from .seeded_runs import run_seeded_sequences

RUNS = int(os.environ.get("ICASA_LIFECYCLE_RUNS", "200"))
FIRST_SEED = int(os.environ.get("ICASA_LIFECYCLE_SEED", "1"))
MAX_STEPS = 30


def cents(value):
    return Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


class Model:
    """The test's own record of one subscription: what was served, day by day."""

    def __init__(self, start, lines):
        self.start = start
        self.quantities = {line: [(start, qty)] for line, (qty, _price) in lines.items()}
        self.prices = {line: [(start, price)] for line, (_qty, price) in lines.items()}
        self.pauses = []  # [first paused day, resumed on or None]
        self.close = None

    def quantity(self, line, day):
        return [q for d, q in self.quantities[line] if d <= day][-1]

    def price(self, line, day):
        return [p for d, p in self.prices[line] if d <= day][-1]

    def served(self, day):
        if day < self.start or (self.close and day > self.close):
            return False
        return not any(first <= day and (resumed is None or day < resumed) for first, resumed in self.pauses)

    def value(self, line, period):
        """quantity x the unit value of each run of served days at one quantity, per period."""
        total = Decimal(0)
        run_quantity, run_value = None, Decimal(0)
        day = period.start
        while day <= period.end + timedelta(days=1):
            quantity = self.quantity(line, day) if day <= period.end and self.served(day) else None
            if quantity != run_quantity:
                if run_quantity:
                    total += cents(run_value / period.full_days) * Decimal(str(run_quantity))
                run_quantity, run_value = quantity, Decimal(0)
            if quantity:
                run_value += Decimal(str(self.price(line, day)))
            day += timedelta(days=1)
        return cents(total)


@tagged("post_install", "-at_install")
class TestSubscriptionRandomLifecycle(SubscriptionCommon):
    RUNS = RUNS

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.plans = [
            cls._plan("Random prepaid", credit_on_close=True),
            cls._plan("Random calendar", alignment="calendar", credit_on_close=True),
            cls._plan("Random postpaid", billing_mode="postpaid"),
        ]

    def test_random_lifecycles_keep_the_ledger_exact(self):
        # the sequence's day is today for every Odoo call (lighter than freezegun, which
        # scans every module at each start)
        self.ctx = {"today": date(2027, 1, 1)}

        def today(*_args, **_kwargs):
            return self.ctx["today"]

        with (
            patch.object(fields.Date, "context_today", staticmethod(today)),
            patch.object(fields.Date, "today", staticmethod(today)),
        ):
            self._run_all()

    def _run_all(self):
        run_seeded_sequences(self.env.cr, range(FIRST_SEED, FIRST_SEED + self.RUNS), self._run_sequence, self._dump)

    # ------------------------------------------------------------------

    def _run_sequence(self, rnd, steps):
        start = date(2027, 1, 1) + timedelta(days=rnd.randrange(0, 60))
        plan = rnd.choice(self.plans)
        lines = {"maintenance": (rnd.randint(1, 3), 31.0), "sim": (rnd.randint(1, 2), 4.5)}
        steps.append(f"{plan.name} from {start}, maintenance {lines['maintenance']}, SIM {lines['sim']}")
        self.ctx["today"] = start
        order = self._subscription(
            plan,
            start,
            lines=[(self.maintenance, *lines["maintenance"]), (self.sim, *lines["sim"])],
            **self._order_values(rnd, steps),
        )
        self.ctx = {
            "order": order,
            "model": Model(start, lines),
            "today": start,
            "lines": {
                "maintenance": order.order_line.filtered(lambda line: line.product_id == self.maintenance),
                "sim": order.order_line.filtered(lambda line: line.product_id == self.sim),
            },
        }
        self._run_billing(steps)
        for _i in range(rnd.randint(5, MAX_STEPS)):
            action = rnd.choice(
                [
                    self._step_advance,
                    self._step_advance,
                    self._step_quantity,
                    self._step_price,
                    self._step_pause_resume,
                    self._step_close,
                    self._step_post,
                    self._step_cancel,
                    self._step_delete_draft,
                    self._step_credit,
                    self._step_reverse_and_create,
                    self._step_reset_to_draft,
                    *self._extra_steps(),
                ]
            )
            try:
                with self.env.cr.savepoint():
                    action(rnd, steps)
            except UserError as error:
                # a refusal is a legitimate outcome: it must leave nothing half-done
                steps.append(f"   refused: {error.args[0]}")
            self._run_billing(steps)

    def _extra_steps(self):
        """More kinds of steps (in icasa_partner_invoicing)."""
        return []

    def _order_values(self, rnd, steps):
        """More values of the sequence's subscription (who pays, in icasa_partner_invoicing)."""
        return {}

    def _run_billing(self, steps):
        result = self._bill(self.ctx["today"])
        if result["failed"]:
            raise AssertionError(f"billing failed: {self.ctx['order'].icasa_billing_error}")
        self._check_invariants()

    # ------------------------------------------------------------------
    # Steps
    # ------------------------------------------------------------------

    def _moves(self, states=("draft", "posted"), types=("out_invoice", "out_refund")):
        order = self.ctx["order"]
        # the subscription's own documents, and those that bill it among others
        moves = order.icasa_subscription_move_ids | order.icasa_period_ids.move_id
        moves |= moves.reversal_move_ids
        return moves.filtered(lambda m: m.state in states and m.move_type in types)

    def _step_advance(self, rnd, steps):
        self.ctx["today"] += timedelta(days=rnd.randint(1, 25))
        steps.append(f"advance to {self.ctx['today']}")

    def _step_quantity(self, rnd, steps):
        order, model = self.ctx["order"], self.ctx["model"]
        if order.icasa_subscription_state not in ("active", "paused"):
            return
        name = rnd.choice(["maintenance", "sim"])
        line = self.ctx["lines"][name]
        earliest = max(model.quantities[name][-1][0] + timedelta(days=1), model.start)
        if earliest > self.ctx["today"]:
            return
        day = earliest + timedelta(days=rnd.randint(0, (self.ctx["today"] - earliest).days))
        quantity = rnd.randint(0, 3)
        steps.append(f"{name} quantity {line.product_uom_qty:g} -> {quantity} from {day}")
        line.with_context(icasa_effective_date=day).product_uom_qty = quantity
        model.quantities[name].append((day, quantity))

    def _step_price(self, rnd, steps):
        order, model = self.ctx["order"], self.ctx["model"]
        if order.icasa_subscription_state not in ("active", "paused"):
            return
        name = rnd.choice(["maintenance", "sim"])
        line = self.ctx["lines"][name]
        earliest = model.prices[name][-1][0] + timedelta(days=1)
        day = max(earliest, self.ctx["today"] - timedelta(days=rnd.randint(0, 40)))
        price = round(rnd.uniform(1, 60), 2)
        steps.append(f"{name} price step {price} from {day}")
        self.env["icasa.subscription.price.step"].create(
            {"line_id": line.id, "date_from": day, "price_unit": price, "reason": "random"}
        )
        model.prices[name].append((day, price))

    def _step_pause_resume(self, rnd, steps):
        order, model, today = self.ctx["order"], self.ctx["model"], self.ctx["today"]
        if order.icasa_subscription_state == "active" and (not model.pauses or model.pauses[-1][1] <= today):
            if today < model.start:
                return
            steps.append(f"pause from {today}")
            order.action_icasa_pause(today)
            model.pauses.append([today, None])
        elif order.icasa_subscription_state == "paused":
            steps.append(f"resume on {today}")
            order.action_icasa_resume(today)
            model.pauses[-1][1] = today

    def _step_close(self, rnd, steps):
        order, model, today = self.ctx["order"], self.ctx["model"], self.ctx["today"]
        if order.icasa_subscription_state not in ("active", "paused"):
            return
        day = max(today + timedelta(days=rnd.randint(-10, 10)), model.start)
        if model.pauses:
            day = max(day, model.pauses[-1][0])
        steps.append(f"close, last day served {day}")
        reason = self.env.ref("icasa_ev_subscription.close_reason_customer_request")
        order._icasa_close(day, reason)
        model.close = day
        if model.pauses and model.pauses[-1][1] is None:
            model.pauses[-1][1] = max(day + timedelta(days=1), model.pauses[-1][0])

    def _pick(self, rnd, moves):
        return moves[rnd.randrange(len(moves))] if moves else None

    def _step_post(self, rnd, steps):
        move = self._pick(rnd, self._moves(states=("draft",)))
        if move:
            steps.append(f"post {move.move_type} of {move.amount_untaxed}")
            move.action_post()

    def _step_cancel(self, rnd, steps):
        move = self._pick(rnd, self._moves())
        if move:
            steps.append(f"cancel {move.state} {move.move_type} of {move.amount_untaxed}")
            if move.state == "posted":
                move.button_draft()
            move.button_cancel()

    def _step_delete_draft(self, rnd, steps):
        move = self._pick(rnd, self._moves(states=("draft",)))
        if move:
            steps.append(f"delete draft {move.move_type} of {move.amount_untaxed}")
            move.unlink()

    def _reversal(self, move):
        return (
            self.env["account.move.reversal"]
            .with_context(active_model="account.move", active_ids=move.ids)
            .create({"journal_id": move.journal_id.id, "reason": "random", "date": self.ctx["today"]})
        )

    def _step_credit(self, rnd, steps):
        move = self._pick(rnd, self._moves(states=("posted",), types=("out_invoice",)))
        if not move:
            return
        action = self._reversal(move).refund_moves()
        refund = self.env["account.move"].browse(action["res_id"])
        if rnd.random() < 0.5:
            steps.append(f"credit in full {move.amount_untaxed}")
        else:
            line = refund.invoice_line_ids[:1]
            line.price_unit = round(line.price_unit / 2, 2)
            steps.append(f"credit in part {refund.amount_untaxed} of {move.amount_untaxed}")
        refund.action_post()

    def _step_reverse_and_create(self, rnd, steps):
        move = self._pick(rnd, self._moves(states=("posted",), types=("out_invoice",)))
        if move:
            steps.append(f"reverse and create a new draft of {move.amount_untaxed}")
            self._reversal(move).modify_moves()

    def _step_reset_to_draft(self, rnd, steps):
        move = self._pick(rnd, self._moves(states=("cancel",)))
        if move:
            steps.append(f"reset to draft a cancelled {move.move_type} of {move.amount_untaxed}")
            move.button_draft()

    def _dump(self):
        order = getattr(self, "ctx", {}).get("order")
        if not order or not order.exists():
            return "  (none)"
        return "\n".join(
            f"  {r.period_start} {r.kind:7} live={r.live!s:5} key={r.billing_key or '-'} "
            f"{r.move_id.name or r.move_id.id or '-'} {r.move_id.state or ''} {r.line_amounts} {r.note or ''}"
            for r in order.icasa_period_ids.sorted("id")
        )

    # ------------------------------------------------------------------
    # Invariants
    # ------------------------------------------------------------------

    def _check_invariants(self):
        order, model = self.ctx["order"], self.ctx["model"]
        self.assertFalse(order.icasa_recheck_from, "a run leaves no period to check again")
        rows = order.icasa_period_ids
        # the ledger and the documents agree
        for row in rows.filtered(lambda r: r.live and r.move_id):
            self.assertNotEqual(row.move_id.state, "cancel", f"{row.move_id.name} is cancelled but counts")
            self.assertEqual(
                {k: cents(v) for k, v in (row.line_amounts or {}).items() if cents(v)},
                {k: cents(v) for k, v in row.move_id._icasa_line_amounts(row).items() if cents(v)},
                f"the ledger row of {row.move_id.name} differs from its lines",
            )
        for move in self._moves():
            move_rows = rows.filtered(lambda r, move=move: r.move_id == move)
            live = move_rows.filtered("live")
            slots = [(r.period_start, r._icasa_slot()) for r in live]
            self.assertEqual(len(slots), len(set(slots)), f"{move.name} counts twice for one period")
            customer_refund = move_rows.filtered(lambda r: r.kind == "refund")
            credited = move_rows.filtered(lambda r: (r.note or "").startswith("credited in full"))
            if not customer_refund and not credited:
                self.assertTrue(live, f"{move.name} ({move.state}) does not count in the ledger")
        # at most one live first document per period and payer (the database key)
        keys = [(r.billing_key, r._icasa_slot()) for r in rows if r.live and r.billing_key]
        self.assertEqual(len(keys), len(set(keys)))
        # what each period billed, line by line, equals what it served
        billed_until = order.icasa_next_period_start - timedelta(days=1)
        net = defaultdict(lambda: defaultdict(Decimal))
        for row in rows._counted():
            for line_id, amount in (row.line_amounts or {}).items():
                net[row.period_start][int(line_id)] += Decimal(str(amount))
        recurrence = order._icasa_recurrence()
        plan = order.icasa_plan_id
        billed_periods = (
            engine.iter_periods(model.start, recurrence, plan.alignment, end=billed_until)
            if billed_until >= model.start
            else []
        )
        for period in billed_periods:
            self._check_period_payers(period, rows.filtered(lambda r, p=period: r.period_start == p.start))
            for name, line in self.ctx["lines"].items():
                expected = model.value(name, period)
                got = cents(net[period.start][line.id])
                self.assertEqual(
                    got,
                    expected,
                    f"{name}, period {period.start} to {period.end}: billed {got}, served {expected}",
                )
            net.pop(period.start, None)
        leftovers = {start: dict(v) for start, v in net.items() if any(cents(a) for a in v.values())}
        self.assertFalse(leftovers, f"billed outside the billed periods: {leftovers}")

    def _check_period_payers(self, period, rows):
        """More invariants of one billed period (per payer, in icasa_partner_invoicing)."""
