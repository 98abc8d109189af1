"""Invariants of the revenue share ledger over random lifecycles.

A seeded random walk drives customer invoices through what users do, in any
order: create (posted or draft), post, full and partial credit notes, full
and partial payments, cancel, reset to draft, edit a price or delete a line
of a draft, cancel a self-billing bill, and monthly self-billing runs on
advancing days, for two partners that share some of the same lines: a
reseller (10% of maintenance, 12.5% of installation, for its end
customers) and a site host (5% of every line delivered at its site), each
earning on posted or on paid invoices (drawn per sequence).

Whenever the ledger is brought up to date (after a run, and after half of
the other steps), it checks per (invoice line, partner) that the net share
equals percent x the line's untaxed amount, to the cent, for the lines that
count, and zero for the others (worked out here from the documents, not by
the code under test); and that no share is paid twice: each share reversed
at most once and by its opposite, every self-billing bill pays exactly the
shares of its statement, and after a run every share is on one bill.

``ICASA_LIFECYCLE_RUNS`` (default 200) sets the number of sequences (a
tenth of it here: these sequences post and pay documents) and
``ICASA_LIFECYCLE_SEED`` the first seed. A failing sequence prints its seed,
its steps and the ledger, readable as a reproduction.
"""

import os
from collections import defaultdict
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import tagged

from odoo.addons.icasa_ev_subscription.tests.seeded_runs import run_seeded_sequences

from .self_billing_common import SelfBillingCommon

RUNS = max(int(os.environ.get("ICASA_LIFECYCLE_RUNS", "200")) // 10, 1)
FIRST_SEED = int(os.environ.get("ICASA_LIFECYCLE_SEED", "1"))
MAX_STEPS = 24
PRICES = (30.0, 15.05, 4.5, 450.0, 99.99, 0.35)


def cents(value):
    return Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def settled(move):
    return move.payment_state in ("paid", "in_payment", "reversed")


@tagged("post_install", "-at_install")
class TestSelfBillingRandomLifecycle(SelfBillingCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.host = cls.env["res.partner"].create({"name": "Parking Centraal", "is_company": True})
        cls.site = cls.env["res.partner"].create(
            {"name": "P1 Stationsplein", "parent_id": cls.host.id, "type": "delivery"}
        )
        cls.host_agreement = cls.env["icasa.partner.agreement"].create(
            {
                "name": "Parking Centraal site",
                "partner_id": cls.host.id,
                "role": "site_host",
                "payer_kind": "customer",
                "consolidate": False,
                "share_start_date": date(2027, 1, 1),
                "share_rule_ids": [Command.create({"share_kind": "percent", "percent": 5.0})],
            }
        )
        cls.agreements = cls.agreement | cls.host_agreement
        cls.customers = cls.anna | cls.bram | cls.stranger
        cls.products = cls.maintenance | cls.installation | cls.sim | cls.wallbox

    # ------------------------------------------------------------------
    # What each partner is owed, worked out from the documents
    # ------------------------------------------------------------------

    def _percent(self, agreement, line):
        """The test's own reading of the agreements: percent or None."""
        move = line.move_id
        if agreement == self.agreement:
            if move.partner_id not in (self.anna | self.bram):
                return None
            if line.product_id == self.maintenance:
                return Decimal(10)
            if line.product_id == self.installation:
                return Decimal("12.5")
            return None
        if move.partner_shipping_id != self.site:
            return None
        return Decimal(5)

    def _counts(self, agreement, move):
        if move.state != "posted":
            return False
        if self.basis[agreement] == "posted":
            return True
        origin = move.reversed_entry_id
        return settled(move) and (not origin or (origin.state == "posted" and settled(origin)))

    def _expected(self, agreement, line):
        percent = self._percent(agreement, line)
        if percent is None or not self._counts(agreement, line.move_id):
            return Decimal(0)
        sign = -1 if line.move_id.move_type == "out_refund" else 1
        base = cents(sign * line.price_subtotal)
        return (base * percent / 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)

    # ------------------------------------------------------------------

    def test_random_lifecycles_keep_the_share_ledger_exact(self):
        run_seeded_sequences(self.env.cr, range(FIRST_SEED, FIRST_SEED + RUNS), self._run_sequence, self._dump)

    def _run_sequence(self, rnd, steps):
        self.basis = {agreement: rnd.choice(["posted", "paid"]) for agreement in self.agreements}
        for agreement, basis in self.basis.items():
            agreement.self_billing_basis = basis
        self.today = date(2027, 1, 1) + timedelta(days=rnd.randrange(0, 20))
        self.moves = self.env["account.move"]
        steps.append(
            f"from {self.today}: reseller on {self.basis[self.agreement]}, site host on "
            f"{self.basis[self.host_agreement]}"
        )
        self._step_invoice(rnd, steps)
        actions = [
            (self._step_invoice, 4),
            (self._step_post, 2),
            (self._step_credit, 2),
            (self._step_pay, 3),
            (self._step_cancel, 1),
            (self._step_reset_to_draft, 2),
            (self._step_edit_draft, 1),
            (self._step_cancel_bill, 1),
            (self._step_run, 3),
        ]
        for _ in range(rnd.randint(4, MAX_STEPS)):
            step = rnd.choices([a for a, _w in actions], weights=[w for _a, w in actions])[0]
            if step is self._step_run:
                self._step_run(rnd, steps)
                continue
            self.today += timedelta(days=rnd.randrange(0, 8))
            try:
                with self.env.cr.savepoint():
                    step(rnd, steps)
            except UserError as error:
                steps.append(f"   refused: {error.args[0]}")
            if rnd.random() < 0.5:
                steps.append(f"update shares on {self.today}")
                self.env["icasa.self.billing"].sudo()._sync(self.agreements, self.today)
                self._check()
        self._step_run(rnd, steps)

    # ------------------------------------------------------------------
    # Steps
    # ------------------------------------------------------------------

    def _pick(self, rnd, condition):
        moves = self.moves.filtered(condition)
        return rnd.choice(moves) if moves else None

    def _step_invoice(self, rnd, steps):
        customer = rnd.choices(self.customers, weights=[3, 3, 1])[0]
        at_site = rnd.random() < 0.5
        lines = [(rnd.choice(self.products), rnd.randint(1, 3), rnd.choice(PRICES)) for _ in range(rnd.randint(1, 3))]
        post = rnd.random() < 0.8
        move = self._invoice(customer, lines, self.today, post=False)
        if at_site:
            move.partner_shipping_id = self.site
        if post:
            move.action_post()
        self.moves |= move
        described = ", ".join(f"{p.name} {q} x {price}" for p, q, price in lines)
        steps.append(
            f"{move.name or 'draft'} for {customer.name}{' at the site' if at_site else ''} on {self.today}: "
            f"{described}{'' if post else ' (draft)'}"
        )

    def _step_post(self, rnd, steps):
        move = self._pick(rnd, lambda m: m.state == "draft" and m.invoice_line_ids)
        if move:
            move.action_post()
            steps.append(f"post {move.name}")

    def _step_credit(self, rnd, steps):
        move = self._pick(rnd, lambda m: m.state == "posted" and m.move_type == "out_invoice")
        if not move:
            return
        prices = None
        if rnd.random() < 0.5:
            line = rnd.choice(move.invoice_line_ids)
            prices = {line.product_id: cents(line.price_unit * rnd.uniform(0.1, 0.9))}
        refund = self._credit(move, self.today, prices={p: float(v) for p, v in prices.items()} if prices else None)
        self.moves |= refund
        what = "in full" if not prices else f"in part ({next(iter(prices.values()))} a unit)"
        steps.append(f"credit {move.name} {what}: {refund.name}")

    def _step_pay(self, rnd, steps):
        move = self._pick(rnd, lambda m: m.state == "posted" and m.payment_state in ("not_paid", "partial"))
        if not move:
            return
        amount = None
        if rnd.random() < 0.25 and move.amount_residual > 0.02:
            amount = float(cents(move.amount_residual / 2))
        self._pay(move, self.today, amount=amount)
        steps.append(f"pay {move.name} {'in full' if amount is None else amount} -> {move.payment_state}")

    def _step_cancel(self, rnd, steps):
        move = self._pick(rnd, lambda m: m.state in ("draft", "posted"))
        if move:
            move.button_cancel()
            steps.append(f"cancel {move.name or move.id}")

    def _step_reset_to_draft(self, rnd, steps):
        move = self._pick(rnd, lambda m: m.state in ("posted", "cancel"))
        if move:
            move.button_draft()
            steps.append(f"reset {move.name or move.id} to draft")

    def _step_edit_draft(self, rnd, steps):
        move = self._pick(rnd, lambda m: m.state == "draft" and m.invoice_line_ids)
        if not move:
            return
        line = rnd.choice(move.invoice_line_ids)
        if len(move.invoice_line_ids) > 1 and rnd.random() < 0.5:
            steps.append(f"delete line {line.product_id.name} of draft {move.name or move.id}")
            line.unlink()
        else:
            price = rnd.choice(PRICES)
            steps.append(f"draft {move.name or move.id}: {line.product_id.name} at {price}")
            line.price_unit = price

    def _step_cancel_bill(self, rnd, steps):
        bills = self.agreements.self_billing_bill_ids.filtered(lambda b: b.state != "cancel")
        if bills:
            bill = rnd.choice(bills)
            bill.button_cancel()
            steps.append(f"cancel self-billing bill {bill.name} ({bill.amount_untaxed})")

    def _step_run(self, rnd, steps):
        self.today = (self.today.replace(day=28) + timedelta(days=4)).replace(day=1)
        bills = self._run(self.today, self.agreements)
        summary = ", ".join(f"{b.partner_id.name} {b.move_type} {b.amount_untaxed}" for b in bills) or "no bill"
        steps.append(f"run on {self.today}: {summary}")
        self._check()
        pending = self.env["icasa.revenue.share"].search(
            [("agreement_id", "in", self.agreements.ids), ("state", "=", "pending")]
        )
        self.assertFalse(pending, "after a run every share is on a bill")

    # ------------------------------------------------------------------
    # Invariants
    # ------------------------------------------------------------------

    def _check(self):
        Share = self.env["icasa.revenue.share"]
        Share.invalidate_model()
        rows = Share.search([("agreement_id", "in", self.agreements.ids)])
        by_line = defaultdict(lambda: Share)
        for row in rows:
            if row.move_line_id:
                by_line[(row.agreement_id, row.move_line_id)] |= row
        lines = self.moves.invoice_line_ids.filtered(lambda line: line.display_type == "product")
        for agreement in self.agreements:
            for line in lines:
                net = cents(sum(by_line[(agreement, line)].mapped("amount")))
                expected = self._expected(agreement, line)
                self.assertEqual(
                    net,
                    expected,
                    f"{agreement.partner_id.name}: net share of {line.move_id.name or line.move_id.id} "
                    f"{line.product_id.name} ({line.move_id.state}, {line.move_id.payment_state}, "
                    f"{line.price_subtotal})",
                )
                opened = by_line[(agreement, line)].filtered("is_open")
                self.assertLessEqual(len(opened), 1, "one open share per invoice line and partner")
        for row in rows:
            if row.kind == "share":
                self.assertLessEqual(len(row.reversal_ids), 1, "a share is reversed once at most")
                self.assertEqual(row.is_open, not row.reversal_ids)
                if not row.move_line_id:
                    self.assertFalse(row.is_open, "a share of a deleted line is closed")
            if row.kind == "reversal":
                self.assertEqual(cents(row.amount), -cents(row.reversed_share_id.amount))
            if row.bill_id:
                self.assertNotEqual(row.bill_id.state, "cancel")
                self.assertEqual(row.bill_line_id.move_id, row.bill_id)
        for bill in self.agreements.self_billing_bill_ids.filtered(lambda b: b.state != "cancel"):
            sign = -1 if bill.move_type == "in_refund" else 1
            self.assertEqual(
                cents(sign * bill.amount_untaxed),
                cents(sum(bill.icasa_revenue_share_ids.mapped("amount"))),
                f"{bill.name} pays exactly its statement",
            )
            for bill_line in bill.invoice_line_ids:
                self.assertEqual(
                    cents(sign * bill_line.price_subtotal),
                    cents(sum(rows.filtered(lambda r, bl=bill_line: r.bill_line_id == bl).mapped("amount"))),
                )

    def _dump(self):
        rows = self.env["icasa.revenue.share"].search([("agreement_id", "in", self.agreements.ids)], order="id")
        return "\n".join(
            f"  #{r.id} {r.partner_id.name[:10]:10} {r.kind:8} {r.document_name or '':16} {r.label or '':18} "
            f"{r.amount:>9.2f} open={r.is_open} bill={r.bill_id.name or '-'} {r.note or ''}"
            for r in rows
        )
