from odoo import Command
from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged

from .common import IcasaMilestoneCommon


@tagged("post_install", "-at_install")
class TestMilestoneRefusals(IcasaMilestoneCommon):
    def test_shares_not_adding_up_refused_at_confirmation(self):
        order = self._order()
        order.icasa_milestone_ids[2].share = 15.0
        with self.assertRaisesRegex(UserError, r"plan 30/50/20\) add up to 95.0%, not 100%: the gap is 5.0%"):
            order.action_confirm()
        self.assertEqual(order.state, "draft", "nothing is half-written")
        self.assertFalse(order.invoice_ids)
        self.assertEqual(order.icasa_milestone_ids.mapped("state"), ["planned"] * 3)

    def test_fixed_amounts_must_match_order_total(self):
        plan = self.env["icasa.milestone.plan"].create(
            {
                "name": "Fixed deposit",
                "share_type": "fixed",
                "line_ids": [
                    Command.create({"name": "Deposit", "share": 500.0, "trigger": "confirmation"}),
                    Command.create({"name": "Rest", "share": 1200.0}),
                ],
            }
        )
        order = self._order(plan=plan)
        with self.assertRaisesRegex(UserError, r"Fixed deposit\) add up to \$\s?1,700.00 .* the gap is \$\s?40.00"):
            order.action_confirm()
        self.assertEqual(order.state, "draft")

    def test_plan_shares_must_add_up_to_100(self):
        with self.assertRaisesRegex(ValidationError, "add up to 90.0%, not 100%"):
            self.env["icasa.milestone.plan"].create(
                {"name": "Broken", "line_ids": [Command.create({"name": "A", "share": 90.0})]}
            )

    def test_zero_or_negative_shares_refused(self):
        with self.assertRaisesRegex(ValidationError, "share must be positive"):
            self.env["icasa.milestone.plan"].create(
                {
                    "name": "Zero",
                    "line_ids": [
                        Command.create({"name": "A", "share": 100.0}),
                        Command.create({"name": "B", "share": 0.0}),
                    ],
                }
            )
        order = self._order()
        with self.assertRaisesRegex(ValidationError, "Milestone Activation of S\\d+ has a share of -20.0"):
            order.icasa_milestone_ids[2].share = -20.0

    def test_reaching_invoiced_or_cancelled_refused(self):
        order = self._order()
        with self.assertRaisesRegex(UserError, "is not confirmed: confirm it before reaching milestone Installation"):
            order.icasa_milestone_ids[1].action_reach()
        order.action_confirm()
        with self.assertRaisesRegex(UserError, "Milestone Order of S\\d+ is already invoiced"):
            order.icasa_milestone_ids[0].action_reach()
        order.icasa_milestone_ids[2].action_cancel()
        with self.assertRaisesRegex(UserError, "Milestone Activation of S\\d+ is already cancelled"):
            self._reach(order.icasa_milestone_ids[2])
        # the cancelled 20% flows into the open installation milestone: 1,740.00 - 522.00
        self.assertEqual(order.icasa_milestone_ids[1].amount, 1218.00)

    def test_deleting_reached_or_invoiced_refused(self):
        order = self._order()
        order.action_confirm()
        with self.assertRaisesRegex(UserError, "Milestone Order of S\\d+ is invoiced and cannot be deleted"):
            order.icasa_milestone_ids[0].unlink()
        with self.assertRaisesRegex(UserError, "is invoiced: issue a full credit note before cancelling it"):
            order.icasa_milestone_ids[0].action_cancel()
        order.icasa_milestone_ids[0].invoice_ids.unlink()  # the milestone is reached again
        self.assertEqual(order.icasa_milestone_ids[0].state, "reached")
        with self.assertRaisesRegex(UserError, "Milestone Order of S\\d+ is reached and cannot be deleted"):
            order.icasa_milestone_ids[0].unlink()
        self.assertEqual(len(order.icasa_milestone_ids), 3)

    def test_currency_mismatch_refused(self):
        other_currency = self.setup_other_currency("EUR")
        plan = self.env["icasa.milestone.plan"].create(
            {
                "name": "EUR deposit",
                "share_type": "fixed",
                "currency_id": other_currency.id,
                "line_ids": [Command.create({"name": "All", "share": 1740.0, "trigger": "confirmation"})],
            }
        )
        with self.assertRaisesRegex(ValidationError, "has fixed amounts in EUR but order .* is in USD"):
            self._order(plan=plan)

    def test_plan_replaced_only_on_quotations(self):
        order = self._order()
        order.action_confirm()
        with self.assertRaisesRegex(UserError, "is confirmed: its milestone plan can no longer be replaced"):
            order._icasa_apply_plan()
