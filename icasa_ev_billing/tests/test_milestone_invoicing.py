from datetime import date

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import Form, tagged

from .common import IcasaMilestoneCommon


@tagged("post_install", "-at_install")
class TestMilestoneInvoicing(IcasaMilestoneCommon):
    def _amounts(self, invoice):
        return invoice.amount_untaxed, invoice.amount_tax, invoice.amount_total

    def test_worked_example(self):
        """The issue's example, to the cent: 631.62 + 1,052.70 + 421.08 = 2,105.40."""
        order = self._order()
        self.assertEqual(order.amount_untaxed, 1740.00)
        self.assertEqual(order.amount_total, 2105.40)
        order_ms, install_ms, activation_ms = order.icasa_milestone_ids
        self.assertEqual(order_ms.mapped("kind") + install_ms.mapped("kind"), ["other", "installation"])
        self.assertEqual(activation_ms.kind, "activation")
        self.assertEqual(order.icasa_milestone_ids.mapped("amount"), [522.00, 870.00, 348.00])

        order.action_confirm()
        first = order_ms.invoice_ids
        self.assertEqual(order_ms.state, "invoiced")
        self.assertEqual(len(first), 1)
        self.assertEqual(self._amounts(first), (522.00, 109.62, 631.62))
        self.assertEqual(first.state, "draft", "the company default creates drafts")
        self.assertEqual(order.invoice_status, "no")

        second = self._reach(install_ms)
        self.assertEqual(self._amounts(second), (870.00, 182.70, 1052.70))
        third = self._reach(activation_ms)
        self.assertEqual(self._amounts(third), (348.00, 73.08, 421.08))

        # every order line is billed exactly once in total
        for line, expected in zip(order.order_line, [1080.00, 450.00, 90.00, 120.00], strict=True):
            self.assertAlmostEqual(sum(line.invoice_lines.mapped("price_subtotal")), expected, places=2)
            self.assertEqual(line.qty_invoiced, 1.0)
            self.assertEqual(line.invoice_status, "invoiced")
        self.assertEqual(order.invoice_status, "invoiced")
        self.assertEqual(sum(order.invoice_ids.mapped("amount_total")), 2105.40)

        # invoice lines follow the order lines: product, taxes, income account, label
        wallbox_line = second.invoice_line_ids.filtered(lambda aml: aml.product_id == self.wallbox)
        self.assertEqual(wallbox_line.price_unit, 540.00)
        self.assertEqual(wallbox_line.quantity, 1.0)
        self.assertEqual(wallbox_line.discount, 0.0)
        self.assertEqual(wallbox_line.tax_ids, self.tax_21)
        self.assertEqual(wallbox_line.sale_line_ids, order.order_line[0])
        self.assertIn(f"Installation (50%) of {order.name}", wallbox_line.name)
        install_line = second.invoice_line_ids.filtered(lambda aml: aml.product_id == self.installation)
        self.assertEqual(install_line.account_id, self.revenue_services)
        self.assertEqual(second.icasa_milestone_id, install_ms)
        self.assertEqual(second.invoice_origin, order.name)

    def test_posted_per_company_setting(self):
        self.env.company.icasa_milestone_invoice_post = True
        order = self._order()
        order.action_confirm()
        invoice = order.icasa_milestone_ids[0].invoice_ids
        self.assertEqual(invoice.state, "posted")
        self.assertEqual(order.order_line[1].untaxed_amount_invoiced, 135.00)
        self.assertEqual(order.order_line[1].untaxed_amount_to_invoice, 315.00)
        self.assertEqual(order.order_line[1].qty_invoiced_posted, 0.3)
        # 2,105.40 - 631.62, taxes included
        self.assertEqual(order.amount_to_invoice, 1473.78)
        self.assertEqual(order.amount_invoiced, 631.62)

    def test_reports_group_by_billing_role(self):
        order = self._order()
        order.action_confirm()
        self.env.flush_all()
        groups = self.env["sale.report"].read_group(
            [("order_reference", "=", f"sale.order,{order.id}")],
            ["price_subtotal:sum"],
            ["icasa_billing_role"],
            orderby="icasa_billing_role",
        )
        self.assertEqual(
            [(g["icasa_billing_role"], g["price_subtotal"]) for g in groups],
            [("activation", 90.00), ("hardware", 1080.00), ("inspection", 120.00), ("installation", 450.00)],
        )
        invoice = order.invoice_ids
        invoice.action_post()
        groups = self.env["account.invoice.report"].read_group(
            [("move_id", "=", invoice.id)], ["price_subtotal:sum"], ["icasa_billing_role"], orderby="icasa_billing_role"
        )
        self.assertEqual(
            [(g["icasa_billing_role"], g["price_subtotal"]) for g in groups],
            [("activation", 27.00), ("hardware", 324.00), ("inspection", 36.00), ("installation", 135.00)],
        )

    def test_regular_invoicing_is_blocked(self):
        order = self._order()
        order.action_confirm()
        self.assertFalse(order._get_invoiceable_lines())
        self.assertEqual(order.order_line.mapped("qty_to_invoice"), [0.0] * 4)
        with self.assertRaisesRegex(UserError, "billed by milestones"), self.env.cr.savepoint():
            order._create_invoices()
        wizard = (
            self.env["sale.advance.payment.inv"]
            .with_context(active_model="sale.order", active_ids=order.ids)
            .create({"advance_payment_method": "percentage", "amount": 50})
        )
        with self.assertRaisesRegex(UserError, "billed by milestones"), self.env.cr.savepoint():
            wizard.create_invoices()
        self.assertEqual(len(order.invoice_ids), 1)

    def test_create_invoice_wizard_refused_in_every_mode(self):
        """Odoo's Create Invoice: regular, down payment in percent or fixed, with a reached milestone too."""
        order = self._order()
        order.action_confirm()
        order.icasa_milestone_ids[0].invoice_ids.unlink()  # the milestone is reached, its invoice to redo
        self.assertEqual(order.invoice_status, "to invoice")
        modes = [
            {"advance_payment_method": "delivered"},
            {"advance_payment_method": "delivered", "deduct_down_payments": True},
            {"advance_payment_method": "percentage", "amount": 30},
            {"advance_payment_method": "fixed", "fixed_amount": 631.62},
        ]
        for vals in modes:
            wizard = (
                self.env["sale.advance.payment.inv"]
                .with_context(active_model="sale.order", active_ids=order.ids)
                .create(vals)
            )
            with self.assertRaisesRegex(UserError, f"{order.name} are billed by milestones"):
                wizard.create_invoices()
            with self.assertRaisesRegex(UserError, "billed by milestones"):
                wizard._create_invoices(order)
        self.assertFalse(order.invoice_ids)
        self.assertFalse(order.order_line.filtered("is_downpayment"))
        order.icasa_milestone_ids[0].action_invoice()
        self.assertEqual(order.invoice_ids.amount_total, 631.62)

    def test_milestones_refused_after_a_down_payment(self):
        """A down payment made before the order got milestones would be billed twice: refused."""
        order = self._order(plan=False)
        order.action_confirm()
        wizard = (
            self.env["sale.advance.payment.inv"]
            .with_context(active_model="sale.order", active_ids=order.ids)
            .create({"advance_payment_method": "percentage", "amount": 30})
        )
        wizard.create_invoices()
        down_payment = order.invoice_ids
        self.assertEqual(down_payment.amount_total, 631.62)  # 30% of 2,105.40
        with self.assertRaisesRegex(UserError, "already invoiced outside milestones"), self.env.cr.savepoint():
            order.write({"icasa_milestone_ids": [Command.create({"name": "All", "share": 100.0})]})
        self.assertFalse(order.icasa_milestone_ids)
        self.assertFalse(order.icasa_milestone_billing)
        down_payment.button_cancel()
        order.write(
            {
                "icasa_share_type": "fixed",
                "icasa_milestone_ids": [Command.create({"name": "All", "share": 1740.0, "trigger": "completion"})],
            }
        )
        invoice = self._reach(order.icasa_milestone_ids)
        self.assertEqual(self._amounts(invoice), (1740.00, 365.40, 2105.40))

    def test_order_without_plan_invoices_normally(self):
        order = self._order(plan=False)
        order.action_confirm()
        self.assertFalse(order.icasa_milestone_billing)
        invoice = order._create_invoices()
        self.assertEqual(invoice.amount_total, 2105.40)

    def test_full_credit_note_reopens_milestone(self):
        order = self._order()
        order.action_confirm()
        milestone = order.icasa_milestone_ids[1]
        invoice = self._reach(milestone)
        self.assertEqual(milestone.state, "invoiced")
        self._reverse(invoice)
        self.assertEqual(milestone.state, "reached")
        self.assertEqual(order.invoice_status, "to invoice")
        self.assertEqual(milestone.amount, 870.00)
        action = milestone.action_invoice()
        again = self.env["account.move"].browse(action["res_id"])
        self.assertEqual(milestone.state, "invoiced")
        self.assertEqual(self._amounts(again), (870.00, 182.70, 1052.70))
        with self.assertRaisesRegex(UserError, "is invoiced: only a reached milestone can be invoiced"):
            milestone.action_invoice()

    def test_reverse_and_create_new_draft_rebills_the_milestone(self):
        """The reversal wizard's "Reverse and Create Invoice": the new draft bills the milestone again."""
        order = self._order()
        order.action_confirm()
        milestone = order.icasa_milestone_ids[1]
        invoice = self._reach(milestone)
        invoice.action_post()
        wizard = (
            self.env["account.move.reversal"]
            .with_context(active_model="account.move", active_ids=invoice.ids)
            .create({"journal_id": invoice.journal_id.id, "reason": "wrong address"})
        )
        action = wizard.modify_moves()
        draft = self.env["account.move"].browse(action["res_id"])
        refund = invoice.reversal_move_ids
        self.assertEqual((refund.move_type, refund.state, refund.amount_total), ("out_refund", "posted", 1052.70))
        self.assertEqual((draft.move_type, draft.state), ("out_invoice", "draft"))
        self.assertEqual(self._amounts(draft), (870.00, 182.70, 1052.70))
        self.assertEqual(draft.icasa_milestone_id, milestone)
        self.assertFalse(refund.icasa_milestone_id)
        self.assertEqual(milestone.state, "invoiced")
        self.assertIn("Milestone Installation is invoiced again", order.message_ids[0].body)
        self.assertIn(f'data-oe-id="{draft.id}"', order.message_ids[0].body)
        # posted: 870.00 - 870.00 credited; the new 870.00 is a draft, not invoiced yet
        self.assertEqual(milestone.amount_invoiced, 0.00)
        self.assertEqual(order.invoice_status, "no")
        with self.assertRaisesRegex(UserError, "is invoiced: only a reached milestone can be invoiced"):
            milestone.action_invoice()
        # in drafts: 522.00 + 870.00; billed by neither: 348.00
        self.assertEqual(order.icasa_amount_milestone_invoiced, 0.00)
        self.assertEqual(order.icasa_amount_milestone_draft, 1392.00)
        self.assertEqual(order.icasa_amount_milestone_remaining, 348.00)
        draft.action_post()
        self.assertEqual(milestone.amount_invoiced, 870.00)
        last = self._reach(order.icasa_milestone_ids[2])
        self.assertEqual(self._amounts(last), (348.00, 73.08, 421.08))
        for line, expected in zip(order.order_line, [1080.00, 450.00, 90.00, 120.00], strict=True):
            self.assertEqual(line._icasa_invoiced_amount(), expected)
        self.assertEqual(order.invoice_status, "invoiced")
        # deleting the replacement draft would reopen the milestone; cancelling it does too
        draft.button_draft()
        draft.button_cancel()
        self.assertEqual(milestone.state, "reached")

    def test_partial_credit_note_keeps_milestone_invoiced(self):
        """A partial credit note is a concession: the milestone stays invoiced and is not billed again."""
        self.env.company.icasa_milestone_invoice_post = True
        order = self._order()
        order.action_confirm()
        milestone = order.icasa_milestone_ids[1]
        invoice = self._reach(milestone)
        zero = {self.wallbox: 0.0, self.activation: 0.0, self.inspection: 0.0}
        refund = self._reverse(invoice, {self.installation: 25.0, **zero})
        self.assertEqual(refund.amount_untaxed, 25.00)
        self.assertEqual(milestone.state, "invoiced")
        self.assertEqual(milestone.amount_invoiced, 845.00)
        self.assertEqual(order.icasa_milestone_ids.mapped("amount"), [522.00, 870.00, 348.00])
        last = self._reach(order.icasa_milestone_ids[2])
        self.assertEqual(last.amount_untaxed, 348.00)
        # 135.00 + 225.00 - 25.00 + 90.00
        self.assertEqual(order.order_line[1].untaxed_amount_invoiced, 425.00)
        self.assertEqual(order.icasa_amount_milestone_invoiced, 1715.00)

    def test_cancelled_draft_invoice_reopens_milestone(self):
        order = self._order()
        order.action_confirm()
        milestone = order.icasa_milestone_ids[0]
        milestone.invoice_ids.button_cancel()
        self.assertEqual(milestone.state, "reached")
        cancelled = milestone.invoice_ids
        again = milestone._icasa_invoice()
        self.assertEqual(again.amount_untaxed, 522.00)
        self.assertEqual(milestone.state, "invoiced")
        with self.assertRaisesRegex(UserError, "invoiced again"), self.env.cr.savepoint():
            cancelled.button_draft()

    def test_deleted_draft_invoice_reopens_milestone(self):
        order = self._order()
        order.action_confirm()
        milestone = order.icasa_milestone_ids[0]
        milestone.invoice_ids.unlink()
        self.assertEqual(milestone.state, "reached")
        self.assertEqual(order.invoice_status, "to invoice")

    def test_edited_invoice_cannot_overbill(self):
        order = self._order()
        order.action_confirm()
        self._reach(order.icasa_milestone_ids[1])
        last = self._reach(order.icasa_milestone_ids[2])
        # 522.00 + 870.00 + 348.00 billed; raising the last invoice by 10.00 bills 1,750.00 > 1,740.00
        with Form(last) as form, form.invoice_line_ids.edit(0) as line:
            line.price_unit += 10.0
        message = r"would bill \$\s?1,750.00, more than its untaxed total of \$\s?1,740.00"
        with self.assertRaisesRegex(UserError, message):
            last.action_post()
        self.assertEqual(last.state, "draft")

    def test_order_change_flows_into_open_milestones(self):
        order = self._order()
        order.action_confirm()
        self._reach(order.icasa_milestone_ids[1])
        # 522.00 and 870.00 invoiced; inspection goes from 120.00 to 220.00: 1,840.00 in all
        order.order_line[3].price_unit = 220.0
        self.assertEqual(order.icasa_milestone_ids.mapped("amount"), [522.00, 870.00, 448.00])
        last = self._reach(order.icasa_milestone_ids[2])
        self.assertEqual(last.amount_untaxed, 448.00)
        inspection_parts = order.order_line[3].invoice_lines.mapped("price_subtotal")
        self.assertEqual(sum(inspection_parts), 220.00)
        self.assertEqual(sum(order.invoice_ids.mapped("amount_untaxed")), 1840.00)

    def test_order_change_below_invoiced_is_refused(self):
        order = self._order()
        order.action_confirm()
        self._reach(order.icasa_milestone_ids[1])
        # 1,392.00 invoiced; dropping the wallbox to 0 would leave 660.00 - 1,392.00 for the last milestone
        with self.assertRaisesRegex(UserError, "more than its total"), self.env.cr.savepoint():
            order.order_line[0].price_unit = 0.0
        self._reach(order.icasa_milestone_ids[2])
        with self.assertRaisesRegex(UserError, "Every milestone of order"), self.env.cr.savepoint():
            order.order_line[3].price_unit = 100.0

    def test_thirds_and_rounding(self):
        """100.00 in 33.33/33.33/33.34 and three lines of 33.33, 33.33 and 33.34."""
        plan = self.env["icasa.milestone.plan"].create(
            {
                "name": "thirds",
                "line_ids": [
                    Command.create({"name": "A", "share": 33.33, "trigger": "confirmation"}),
                    Command.create({"name": "B", "share": 33.33}),
                    Command.create({"name": "C", "share": 33.34}),
                ],
            }
        )
        order = self._order(
            plan=plan,
            lines=[(self.activation, 1, 33.33, 0.0), (self.inspection, 1, 33.33, 0.0), (self.wallbox, 1, 33.35, 0.0)],
        )
        self.assertEqual(order.amount_untaxed, 100.01)
        order.action_confirm()
        # cumulative: round(33.333333) = 33.33, round(66.666666) = 66.67, 100.01
        self.assertEqual(order.icasa_milestone_ids.mapped("amount"), [33.33, 33.34, 33.34])
        self._reach(order.icasa_milestone_ids[1])
        self._reach(order.icasa_milestone_ids[2])
        for line in order.order_line:
            self.assertAlmostEqual(sum(line.invoice_lines.mapped("price_subtotal")), line.price_subtotal, places=2)
        self.assertEqual([inv.amount_untaxed for inv in order.invoice_ids.sorted("id")], [33.33, 33.34, 33.34])

    def test_order_level_and_fixed_discounts(self):
        """Odoo's order discount wizard adds negative lines; they are billed pro rata in every milestone."""
        order = self._order(lines=[(self.wallbox, 2, 1000.0, 0.0), (self.installation, 1, 500.0, 0.0)])
        wizard = self.env["sale.order.discount"].create(
            {"sale_order_id": order.id, "discount_type": "so_discount", "discount_percentage": 0.1}
        )
        wizard.action_apply_discount()
        fixed_discount = self.env["product.product"].create(
            {"name": "Loyalty discount", "type": "service", "taxes_id": [Command.set(self.tax_21.ids)]}
        )
        order.order_line = [Command.create({"product_id": fixed_discount.id, "price_unit": -50.0})]
        # 2,500.00 - 10% (250.00) - 50.00 = 2,200.00
        self.assertEqual(order.amount_untaxed, 2200.00)
        order.action_confirm()
        first = order.icasa_milestone_ids[0].invoice_ids
        self.assertEqual(first.amount_untaxed, 660.00)
        discount_lines = first.invoice_line_ids.filtered(lambda aml: aml.price_unit < 0)
        self.assertEqual(sorted(discount_lines.mapped("price_subtotal")), [-75.00, -15.00])
        self._reach(order.icasa_milestone_ids[1])
        self._reach(order.icasa_milestone_ids[2])
        self.assertEqual(sum(order.invoice_ids.mapped("amount_untaxed")), 2200.00)
        self.assertEqual(sum(order.invoice_ids.mapped("amount_total")), 2662.00)

    def test_line_discount_and_fixed_amount_discount_wizards(self):
        """Odoo's discount wizard, "on all lines" (5%) then "fixed amount" (121.00 taxed = 100.00 untaxed)."""
        order = self._order(lines=[(self.wallbox, 2, 1000.0, 0.0), (self.installation, 1, 500.0, 0.0)])
        self.env["sale.order.discount"].create(
            {"sale_order_id": order.id, "discount_type": "sol_discount", "discount_percentage": 0.05}
        ).action_apply_discount()
        self.assertEqual(order.order_line.mapped("discount"), [5.0, 5.0])
        # 1,900.00 + 475.00 = 2,375.00 untaxed, 2,873.75 taxed: 121.00 taxed off is 100.00 untaxed
        self.env["sale.order.discount"].create(
            {"sale_order_id": order.id, "discount_type": "amount", "discount_amount": 121.0}
        ).action_apply_discount()
        self.assertEqual(order.order_line[2].price_subtotal, -100.00)
        self.assertEqual((order.amount_untaxed, order.amount_total), (2275.00, 2752.75))
        order.action_confirm()
        first = order.icasa_milestone_ids[0].invoice_ids
        # 30%: 570.00 + 142.50 - 30.00 = 682.50; tax 119.70 + 29.93 - 6.30 = 143.33
        self.assertEqual(first.invoice_line_ids.mapped("price_subtotal"), [570.00, 142.50, -30.00])
        self.assertEqual(first.invoice_line_ids.mapped("discount"), [0.0, 0.0, 0.0])
        self.assertEqual(self._amounts(first), (682.50, 143.33, 825.83))
        # 50%: 950.00 + 237.50 - 50.00 = 1,137.50; tax 199.50 + 49.88 - 10.50 = 238.88
        second = self._reach(order.icasa_milestone_ids[1])
        self.assertEqual(second.invoice_line_ids.mapped("price_subtotal"), [950.00, 237.50, -50.00])
        self.assertEqual(self._amounts(second), (1137.50, 238.88, 1376.38))
        # 20%: 380.00 + 95.00 - 20.00 = 455.00; the order's tax is 477.75: 477.75 - 143.33 - 238.88 = 95.54
        third = self._reach(order.icasa_milestone_ids[2])
        self.assertEqual(third.invoice_line_ids.mapped("price_subtotal"), [380.00, 95.00, -20.00])
        self.assertEqual(self._amounts(third), (455.00, 95.54, 550.54))
        for line, expected in zip(order.order_line, [1900.00, 475.00, -100.00], strict=True):
            self.assertEqual(line._icasa_invoiced_amount(), expected)
        self.assertEqual(round(sum(order.invoice_ids.mapped("amount_total")), 2), 2752.75)

    def test_discount_wizard_after_partial_invoicing(self):
        """An order-level discount added after the first invoice flows into the open milestones."""
        order = self._order()
        order.action_confirm()  # 522.00 invoiced
        self.env["sale.order.discount"].create(
            {"sale_order_id": order.id, "discount_type": "so_discount", "discount_percentage": 0.1}
        ).action_apply_discount()
        # 10% of 1,740.00: a -174.00 line; 1,566.00 in all, 1,044.00 left for 870.00 : 348.00 targets
        self.assertEqual(order.amount_untaxed, 1566.00)
        # the -174.00 gap is spread over the open milestones pro rata 870 : 348: -124.29 and -49.71
        self.assertEqual(order.icasa_milestone_ids.mapped("amount"), [522.00, 745.71, 298.29])
        self._reach(order.icasa_milestone_ids[1])
        self._reach(order.icasa_milestone_ids[2])
        self.assertEqual(round(sum(order.invoice_ids.mapped("amount_untaxed")), 2), 1566.00)
        discount_line = order.order_line.filtered(lambda sol: sol.price_subtotal < 0)
        self.assertEqual(discount_line._icasa_invoiced_amount(), -174.00)
        # 1,566.00 + 21% = 1,894.86
        self.assertEqual(order.amount_total, 1894.86)
        self.assertEqual(round(sum(order.invoice_ids.mapped("amount_total")), 2), 1894.86)

    def test_fixed_amount_plan(self):
        plan = self.env["icasa.milestone.plan"].create(
            {
                "name": "500 now, the rest at installation",
                "share_type": "fixed",
                "line_ids": [
                    Command.create({"name": "Deposit", "share": 500.0, "trigger": "confirmation"}),
                    Command.create({"name": "Installation", "share": 1240.0, "kind": "installation"}),
                ],
            }
        )
        order = self._order(plan=plan)
        self.assertEqual(order.icasa_share_type, "fixed")
        order.action_confirm()
        self.assertEqual(order.icasa_milestone_ids[0].invoice_ids.amount_untaxed, 500.00)
        self.assertEqual(self._reach(order.icasa_milestone_ids[1]).amount_untaxed, 1240.00)

    @freeze_time("2025-01-31")
    def test_date_milestones_by_cron(self):
        plan = self.env["icasa.milestone.plan"].create(
            {
                "name": "3 monthly",
                "line_ids": [
                    Command.create(
                        {"name": f"M{i}", "share": 25 if i < 2 else 50, "trigger": "date", "date_interval": i}
                    )
                    for i in range(3)
                ],
            }
        )
        order = self._order(plan=plan)
        order.action_confirm()
        ms = order.icasa_milestone_ids
        self.assertEqual(ms.mapped("scheduled_date"), [date(2025, 1, 31), date(2025, 2, 28), date(2025, 3, 31)])
        self.assertEqual(ms.mapped("state"), ["invoiced", "planned", "planned"], "due at confirmation")
        self.assertEqual(ms[0].invoice_ids.amount_untaxed, 435.00)
        with freeze_time("2025-03-01"):
            self.env["icasa.milestone"]._cron_invoice_due_milestones()
        self.assertEqual(ms.mapped("state"), ["invoiced", "invoiced", "planned"])
        self.assertEqual(ms[1].invoice_ids.amount_untaxed, 435.00)

    @freeze_time("2025-03-01")
    def test_cron_reports_a_failing_milestone_and_goes_on(self):
        broken = self._order()
        broken.action_confirm()
        fine = self._order()
        fine.action_confirm()
        for order in broken | fine:
            order.icasa_milestone_ids[2].write({"trigger": "date", "scheduled_date": date(2025, 2, 1)})
        # an invoice made outside the milestones makes the broken order impossible to bill exactly
        self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": self.customer.id,
                "invoice_line_ids": [
                    Command.create(
                        {
                            "product_id": self.inspection.id,
                            "price_unit": 5.0,
                            "sale_line_ids": [Command.link(broken.order_line[3].id)],
                        }
                    )
                ],
            }
        )
        self.env["icasa.milestone"]._cron_invoice_due_milestones()
        self.assertEqual(broken.icasa_milestone_ids[2].state, "planned")
        self.assertIn("could not be invoiced", broken.message_ids[0].body)
        self.assertEqual(fine.icasa_milestone_ids[2].state, "invoiced")
        self.assertEqual(fine.icasa_milestone_ids[2].invoice_ids.amount_untaxed, 348.00)

    def test_taxes_included_in_price(self):
        """With a 21% tax included in the price, invoices bill the same untaxed parts."""
        tax_incl = self.env["account.tax"].create(
            {"name": "VAT 21% incl.", "amount": 21.0, "type_tax_use": "sale", "price_include_override": "tax_included"}
        )
        order = self._order(lines=[(self.wallbox, 1, 1210.0, 0.0), (self.installation, 1, 999.99, 0.0)])
        order.order_line.tax_id = tax_incl
        # 1,000.00 + 826.44 (999.99 / 1.21) untaxed
        self.assertEqual(order.amount_untaxed, 1826.44)
        order.action_confirm()
        first = order.icasa_milestone_ids[0].invoice_ids
        # 30%: 547.93 untaxed (300.00 + 247.93); the invoice prices include the tax: 363.00 and 299.99... 300.00
        self.assertEqual(first.amount_untaxed, 547.93)
        self.assertEqual(first.invoice_line_ids.mapped("price_subtotal"), [300.00, 247.93])
        self.assertEqual(first.invoice_line_ids.mapped("price_unit"), [363.00, 300.00])
        self._reach(order.icasa_milestone_ids[1])
        self._reach(order.icasa_milestone_ids[2])
        for line in order.order_line:
            self.assertAlmostEqual(sum(line.invoice_lines.mapped("price_subtotal")), line.price_subtotal, places=2)
        self.assertEqual(sum(order.invoice_ids.mapped("amount_untaxed")), 1826.44)

    def test_quotation_form_gets_plan_from_template(self):
        template = self.env["sale.order.template"].create(
            {
                "name": "Wallbox package",
                "icasa_milestone_plan_id": self.plan.id,
                "sale_order_template_line_ids": [Command.create({"product_id": self.installation.id})],
            }
        )
        form = Form(self.env["sale.order"])
        form.partner_id = self.customer
        form.sale_order_template_id = template
        self.assertEqual(form.icasa_milestone_plan_id, self.plan)
        order = form.save()
        self.assertEqual(order.icasa_milestone_ids.mapped("name"), ["Order", "Installation", "Activation"])
        self.assertEqual(order.icasa_milestone_ids.mapped("amount"), [135.00, 225.00, 90.00])
        # editable until confirmation
        with Form(order) as form:
            with form.icasa_milestone_ids.edit(2) as milestone:
                milestone.share = 10.0
            with form.icasa_milestone_ids.new() as milestone:
                milestone.name = "Inspection"
                milestone.share = 10.0
        self.assertEqual(order.icasa_milestone_ids.mapped("amount"), [135.00, 225.00, 45.00, 45.00])
        copy = order.copy()
        self.assertEqual(copy.icasa_milestone_ids.mapped("share"), [30.0, 50.0, 10.0, 10.0])
        self.assertEqual(set(copy.icasa_milestone_ids.mapped("state")), {"planned"})

    def test_last_open_milestone_cannot_be_deleted(self):
        order = self._order()
        order.action_confirm()
        self._reach(order.icasa_milestone_ids[1])
        with self.assertRaisesRegex(UserError, "keep at least one open milestone"), self.env.cr.savepoint():
            order.icasa_milestone_ids[2].unlink()
        with self.assertRaisesRegex(UserError, "Every milestone of order"), self.env.cr.savepoint():
            order.icasa_milestone_ids[2].action_cancel()
        self.assertEqual(order.icasa_milestone_ids[2].state, "planned")
