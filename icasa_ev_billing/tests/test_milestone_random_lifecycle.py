"""Random walks through the lives of milestone orders, with the billing invariants checked after every step.

Each sequence confirms an order billed by milestones, then takes up to
``MAX_STEPS`` random steps (mostly a few; one sequence in ten takes 10 or more)
among those that apply: reach a milestone, invoice a reached one, post, cancel
or delete a draft invoice, credit a posted invoice in full or in part (Odoo's
reversal wizard), reverse and create a new draft (the wizard's modify mode),
reset a credit note to draft and post it again, cancel, replan or delete a
milestone. The test keeps its own model of what each step does (which
milestone is invoiced by which live invoice, which credit note is a
concession) and after every step checks that

* every milestone is in the state the model expects;
* a milestone's invoice bills that milestone's part of the order and no other
  milestone's share (its amount when it was invoiced);
* per order line, what live invoices bill plus the concessions (invoices
  minus full credit notes) is at most the line's amount, and exactly it once
  every milestone is invoiced;
* the order's remaining-to-invoice plus that amount is the order's total, and
  "Invoiced by Milestones" is what the posted invoices bill net of credit notes.

Each sequence runs in a savepoint that is rolled back, so that many fit in one
test. ``ICASA_LIFECYCLE_RUNS`` (default 100) and ``ICASA_LIFECYCLE_SEED`` run
more or other sequences; a failing one is reported with its seed and steps.
"""

import os
import random

from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import tagged

from ..tools.split import PERCENT, milestone_amounts, split_total, to_minor
from .common import IcasaMilestoneCommon

RUNS = int(os.environ.get("ICASA_LIFECYCLE_RUNS", "100"))
SEED = int(os.environ.get("ICASA_LIFECYCLE_SEED", "20251126"))
MAX_STEPS = 30


class _Model:
    """What the test expects, kept apart from the engine: milestone states and invoices."""

    def __init__(self, milestones):
        self.state = {m.id: "planned" for m in milestones}
        self.invoices = {m.id: [] for m in milestones}  # invoice ids, oldest first
        self.expected = {}  # invoice id: untaxed minor amount it must bill
        # credit note id: (invoice id, "full" | "partial"); full: a full credit or a modify,
        # which cancels the invoice while posted; partial: a concession
        self.refunds = {}
        self.nothing_to_bill = set()  # milestones invoiced for 0.00: no invoice


@tagged("post_install", "-at_install")
class TestMilestoneRandomLifecycle(IcasaMilestoneCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.thirds = cls.env["icasa.milestone.plan"].create(
            {
                "name": "thirds",
                "line_ids": [
                    Command.create({"sequence": 1, "name": "A", "share": 33.33, "trigger": "confirmation"}),
                    Command.create({"sequence": 2, "name": "B", "share": 33.33}),
                    Command.create({"sequence": 3, "name": "C", "share": 33.34}),
                ],
            }
        )
        # quotations confirmed inside each sequence's savepoint, hence quotations again after it
        cls.example = cls._order()
        cls.odd = cls._order(
            plan=cls.thirds,
            lines=[(cls.activation, 1, 33.33, 0.0), (cls.inspection, 1, 33.33, 0.0), (cls.wallbox, 1, 33.35, 0.0)],
        )

    def test_random_milestone_lifecycles(self):
        for run in range(RUNS):
            rng = random.Random(f"{SEED}-{run}")
            steps = []
            try:
                with self.env.cr.savepoint() as savepoint:
                    self._walk(rng, steps)
                    savepoint.rollback()  # the next sequence starts from the same quotations
            except Exception as error:  # any failure: reported with its reproduction
                script = "\n".join(f"  {i}. {step}" for i, step in enumerate(steps, start=1))
                raise AssertionError(
                    f"Random milestone lifecycle failed: ICASA_LIFECYCLE_SEED={SEED} run {run} "
                    f"(random.Random('{SEED}-{run}')), after these steps:\n{script}\n{type(error).__name__}: {error}"
                ) from error
            self.env.invalidate_all()

    # --- one sequence -----------------------------------------------------------------------

    def _walk(self, rng, steps):
        if rng.random() < 0.5:
            order = self.example
            steps.append("take the worked example (1,740.00 in 30/50/20)")
        else:
            order = self.odd
            steps.append("take an order of 100.01 in thirds (33.33/33.33/33.34)")
        self.order = order
        self.model = _Model(order.icasa_milestone_ids)
        self.digits = order.currency_id.decimal_places
        self.names = {m.id: m.name for m in order.icasa_milestone_ids}
        steps.append("confirm")
        self._expect_invoices(
            order.icasa_milestone_ids.filtered(lambda m: m.trigger == "confirmation"), order.action_confirm
        )
        self._check(steps)
        # mostly short lives, one in ten long: the steps that bill are what the time goes on
        length = rng.randint(10, MAX_STEPS) if rng.random() < 0.1 else rng.randint(1, 6)
        for _step in range(length):
            actions = self._actions()
            if not actions:
                break
            label, do = rng.choice(actions)
            steps.append(label)
            do()
            self._check(steps)

    def _minor(self, amount):
        return to_minor(self.order.currency_id.round(amount), self.digits)

    def _milestones(self, *states):
        model = self.model
        return self.order.icasa_milestone_ids.filtered(lambda m: model.state.get(m.id) in states)

    def _refunds(self, invoice, kind, state="posted"):
        ids = [refund for refund, (inv, k) in self.model.refunds.items() if inv == invoice.id and k == kind]
        return self.env["account.move"].browse(ids).filtered(lambda r: r.state == state)

    def _live(self, milestone):
        """The model's live invoices of a milestone: not cancelled, deleted or fully credited."""
        moves = self.env["account.move"].browse(self.model.invoices[milestone.id]).exists()
        return moves.filtered(lambda inv: inv.state != "cancel" and not self._refunds(inv, "full"))

    def _expected_amounts(self):
        """Each active milestone's amount as the model sees it, in minor units."""
        order = self.order
        active = order.icasa_milestone_ids.filtered(lambda m: self.model.state[m.id] != "cancelled").sorted("sequence")
        total = sum(self._minor(line.price_subtotal) for line in order.order_line)
        targets = split_total(total, [m.share for m in active], PERCENT)
        invoiced = [
            sum(self._minor(inv.amount_untaxed) for inv in self._live(m))
            if self.model.state[m.id] == "invoiced"
            else None
            for m in active
        ]
        return dict(zip(active.ids, milestone_amounts(total, targets, invoiced), strict=True))

    def _expect_invoices(self, milestones, action):
        """Run ``action``, which invoices ``milestones``: each gets one new invoice of its expected amount."""
        expected = self._expected_amounts()
        before = {m.id: set(m.invoice_ids.ids) for m in milestones}
        action()
        for milestone in milestones:
            new = milestone.invoice_ids.filtered(lambda inv, m=milestone: inv.id not in before[m.id])
            self.model.state[milestone.id] = "invoiced"
            if not expected[milestone.id]:
                # e.g. replanned after the others billed the whole order: nothing left, no invoice
                self.assertFalse(new, f"{milestone.name} has nothing to bill")
                self.model.nothing_to_bill.add(milestone.id)
                continue
            self.model.nothing_to_bill.discard(milestone.id)
            self.assertEqual(len(new), 1, f"{milestone.name} gets one invoice")
            self.model.invoices[milestone.id].append(new.id)
            self.model.expected[new.id] = expected[milestone.id]

    def _reopen_if_unbilled(self, milestone):
        if self.model.state[milestone.id] == "invoiced" and not self._live(milestone):
            self.model.state[milestone.id] = "reached"

    def _invoice_label(self, invoice):
        milestone = invoice.icasa_milestone_id
        return f"invoice {self.model.invoices[milestone.id].index(invoice.id) + 1} of {milestone.name}"

    # --- the steps ------------------------------------------------------------------------------

    def _actions(self):
        actions = []
        for milestone in self._milestones("planned"):
            actions.append((f"reach {milestone.name}", lambda m=milestone: self._do_reach(m)))
            actions.append((f"cancel {milestone.name}", lambda m=milestone: self._do_cancel_milestone(m)))
            actions.append((f"delete {milestone.name}", lambda m=milestone: self._do_delete_milestone(m)))
        for milestone in self._milestones("reached"):
            actions.append((f"invoice {milestone.name}", lambda m=milestone: self._do_invoice(m)))
            actions.append((f"cancel {milestone.name}", lambda m=milestone: self._do_cancel_milestone(m)))
        for milestone in self._milestones("cancelled"):
            actions.append((f"set {milestone.name} to planned", lambda m=milestone: self._do_reset(m)))
        for milestone in self._milestones("invoiced"):
            for invoice in self._live(milestone):
                label = self._invoice_label(invoice)
                if invoice.state == "draft":
                    actions.append((f"post {label}", lambda inv=invoice: inv.action_post()))
                    actions.append((f"cancel {label}", lambda inv=invoice: self._do_cancel_invoice(inv)))
                    actions.append((f"delete {label}", lambda inv=invoice: self._do_delete_invoice(inv)))
                elif invoice.state == "posted":
                    credited = {kind for inv, kind in self.model.refunds.values() if inv == invoice.id}
                    if not credited:
                        actions.append((f"credit {label} in full", lambda inv=invoice: self._do_credit(inv)))
                        actions.append(
                            (f"reverse {label} and create a new draft", lambda inv=invoice: self._do_modify(inv))
                        )
                    if "full" not in credited:
                        actions.append(
                            (f"credit half a line of {label}", lambda inv=invoice: self._do_credit(inv, partial=True))
                        )
        for refund_id, (invoice_id, kind) in self.model.refunds.items():
            refund = self.env["account.move"].browse(refund_id)
            invoice = self.env["account.move"].browse(invoice_id)
            if kind != "full" or not invoice.exists():
                continue
            label = f"the credit note of {self._invoice_label(invoice)}"
            if refund.state == "posted":
                actions.append((f"reset {label} to draft", lambda r=refund, inv=invoice: self._do_reset_refund(r, inv)))
            elif refund.state == "draft":
                actions.append((f"post {label} again", lambda r=refund, inv=invoice: self._do_post_refund(r, inv)))
        return actions

    def _do_reach(self, milestone):
        self._expect_invoices(milestone, milestone._icasa_reach)

    def _do_invoice(self, milestone):
        self._expect_invoices(milestone, milestone.action_invoice)

    def _do_cancel_invoice(self, invoice):
        milestone = invoice.icasa_milestone_id
        invoice.button_cancel()
        self._reopen_if_unbilled(milestone)

    def _do_delete_invoice(self, invoice):
        milestone = invoice.icasa_milestone_id
        invoice.unlink()
        self._reopen_if_unbilled(milestone)

    def _reversal(self, invoice):
        return (
            self.env["account.move.reversal"]
            .with_context(active_model="account.move", active_ids=invoice.ids)
            .create({"journal_id": invoice.journal_id.id, "reason": "random lifecycle"})
        )

    def _do_credit(self, invoice, partial=False):
        milestone = invoice.icasa_milestone_id
        refund = self.env["account.move"].browse(self._reversal(invoice).refund_moves()["res_id"])
        if partial:
            # half of the first line is a concession; the other lines are not credited
            first, *others = refund.invoice_line_ids.sorted("sequence")
            refund.write(
                {
                    "invoice_line_ids": [Command.update(first.id, {"price_unit": round(first.price_unit / 2, 2)})]
                    + [Command.update(line.id, {"price_unit": 0.0}) for line in others]
                }
            )
        refund.action_post()
        self.model.refunds[refund.id] = (invoice.id, "partial" if partial else "full")
        self._reopen_if_unbilled(milestone)

    def _do_reset_refund(self, refund, invoice):
        """The engine refuses when the milestone is billed again since: the invoice would bill it twice."""
        milestone = invoice.icasa_milestone_id
        if self._refusable(refund.button_draft) and self.model.state[milestone.id] == "reached":
            self.model.state[milestone.id] = "invoiced"

    def _do_post_refund(self, refund, invoice):
        refund.action_post()
        self._reopen_if_unbilled(invoice.icasa_milestone_id)

    def _do_modify(self, invoice):
        milestone = invoice.icasa_milestone_id
        expected = self.model.expected[invoice.id]
        draft = self.env["account.move"].browse(self._reversal(invoice).modify_moves()["res_id"])
        for refund in invoice.reversal_move_ids:
            self.model.refunds[refund.id] = (invoice.id, "full")
        self.assertEqual(draft.icasa_milestone_id, milestone, "the new draft bills the same milestone")
        self.model.invoices[milestone.id].append(draft.id)
        self.model.expected[draft.id] = expected

    def _refusable(self, action):
        """Run an action the engine may refuse (with a message); whether it did."""
        try:
            with self.env.cr.savepoint():
                action()
        except UserError:
            return False
        return True

    def _do_cancel_milestone(self, milestone):
        if self._refusable(milestone.action_cancel):
            self.model.state[milestone.id] = "cancelled"

    def _do_reset(self, milestone):
        if self._refusable(milestone.action_reset_planned):
            self.model.state[milestone.id] = "planned"

    def _do_delete_milestone(self, milestone):
        milestone_id = milestone.id
        if self._refusable(milestone.unlink):
            del self.model.state[milestone_id]

    # --- the invariants ---------------------------------------------------------------------------

    def _check(self, steps):
        order = self.order
        self.env.invalidate_all()
        milestones = order.icasa_milestone_ids
        self.assertEqual({m.id: m.state for m in milestones}, self.model.state, "milestone states")
        if not milestones:
            # every milestone deleted before anything was billed: Odoo's own invoicing takes over
            self.assertFalse(order.icasa_milestone_billing, "an order without milestones is invoiced normally")
            moves = order.invoice_ids.filtered(
                lambda m: m.state == "posted" or (m.move_type == "out_invoice" and m.state == "draft")
            )
            billed = sum(self._minor(m.amount_untaxed) * (1 if m.move_type == "out_invoice" else -1) for m in moves)
            self.assertEqual(billed, 0, "nothing left billed by the deleted milestones")
            return
        # a milestone's live invoice bills its own part, no other milestone's share
        for milestone in milestones.filtered(lambda m: m.state == "invoiced"):
            live = self._live(milestone)
            if milestone.id in self.model.nothing_to_bill and not live:
                continue
            self.assertEqual(len(live), 1, f"{milestone.name} has one live invoice")
            self.assertEqual(
                self._minor(live.amount_untaxed), self.model.expected[live.id], f"{milestone.name}'s invoice"
            )
        # per order line: invoices minus full credit notes (net invoiced plus concessions)
        invoices = order.invoice_ids.filtered(lambda m: m.move_type == "out_invoice" and m.state != "cancel")
        full_refunds = (
            self.env["account.move"]
            .browse(sorted(refund for refund, (_inv, kind) in self.model.refunds.items() if kind == "full"))
            .filtered(lambda r: r.state == "posted")
        )
        all_invoiced = all(m.state == "invoiced" for m in milestones.filtered(lambda m: m.state != "cancelled"))
        for line in order.order_line:
            billed = sum(
                self._minor(aml.price_subtotal) for aml in invoices.invoice_line_ids if line in aml.sale_line_ids
            )
            billed -= sum(
                self._minor(aml.price_subtotal) for aml in full_refunds.invoice_line_ids if line in aml.sale_line_ids
            )
            subtotal = self._minor(line.price_subtotal)
            self.assertLessEqual(billed, subtotal, f"{line.product_id.name} is not billed above its amount")
            if all_invoiced:
                self.assertEqual(billed, subtotal, f"{line.product_id.name} is billed in full")
        billed = sum(self._minor(inv.amount_untaxed) for inv in invoices)
        billed -= sum(self._minor(refund.amount_untaxed) for refund in full_refunds)
        self.assertEqual(
            self._minor(order.icasa_amount_milestone_remaining) + billed,
            self._minor(order.amount_untaxed),
            "remaining + invoiced (with concessions) = total",
        )
        posted = sum(self._minor(inv.amount_untaxed) for inv in invoices if inv.state == "posted")
        refunds = order.invoice_ids.filtered(lambda m: m.move_type == "out_refund" and m.state == "posted")
        posted -= sum(self._minor(refund.amount_untaxed) for refund in refunds)
        self.assertEqual(self._minor(order.icasa_amount_milestone_invoiced), posted, "Invoiced by Milestones")
