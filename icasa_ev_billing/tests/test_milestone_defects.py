"""Regression tests of the milestone engine's defects (issue items 4-7 and 15-18).

Each test is named after its defect and asserts money against figures worked
out by hand: the worked example bills 1,740.00 untaxed (1,080.00 wallbox after
its 10% discount, 450.00 installation, 90.00 activation, 120.00 inspection) as
522.00 / 870.00 / 348.00; the installation's 870.00 invoice has the lines
540.00 + 225.00 + 45.00 + 60.00 and 182.70 of 21% tax.
"""

import math
from datetime import date, timedelta
from unittest.mock import patch

from freezegun import freeze_time
from lxml import etree

from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, tagged
from odoo.tools.safe_eval import safe_eval

from ..models import sale_order as sale_order_module
from ..tools.split import milestone_amounts
from .common import IcasaMilestoneCommon


@tagged("post_install", "-at_install")
class TestMilestoneDefects(IcasaMilestoneCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.salesman = cls._user("sam.sales", "sales_team.group_sale_salesman_all_leads")
        cls.accountant = cls._user("alice.books", "account.group_account_invoice")
        cls.technician = cls._user("tom.field", "icasa_ev_billing.group_field_technician")

    def _split(self, order, count, unit, start, user=None):
        Wizard = self.env["icasa.instalment.wizard"]
        if user:
            Wizard = Wizard.with_user(user)
        wizard = Wizard.create({"order_id": order.id, "count": count, "unit": unit, "start_date": start})
        wizard.action_split()

    # --- 4 ------------------------------------------------------------------------------------

    def test_defect04_deleted_rebilling_draft_reopens_the_milestone(self):
        """Credit the 870.00 invoice in full, invoice it again, delete that draft: reached, 870.00 and 348.00."""
        order = self._order()
        order.action_confirm()
        _first, installation, activation = order.icasa_milestone_ids
        invoice = self._reach(installation)
        self._reverse(invoice)
        self.assertEqual(installation.state, "reached")
        draft = self.env["account.move"].browse(installation.action_invoice()["res_id"])
        self.assertEqual(draft.amount_untaxed, 870.00)
        self.assertEqual(installation.state, "invoiced")
        draft.unlink()
        self.assertEqual(installation.state, "reached", "no live invoice is left")
        self.assertEqual(order.icasa_milestone_ids.mapped("amount"), [522.00, 870.00, 348.00])
        self.assertEqual(order.icasa_amount_milestone_remaining, 1218.00)  # 1,740.00 - 522.00
        again = self.env["account.move"].browse(installation.action_invoice()["res_id"])
        self.assertEqual((again.amount_untaxed, again.amount_tax, again.amount_total), (870.00, 182.70, 1052.70))
        last = self._reach(activation)
        self.assertEqual((last.amount_untaxed, last.amount_total), (348.00, 421.08))

    def test_defect04_a_reset_credit_note_never_bills_a_milestone_twice(self):
        """Resetting the credit note revives the 870.00 invoice: refused unless the milestone awaits an invoice."""
        order = self._order()
        order.action_confirm()
        installation = order.icasa_milestone_ids[1]
        refund = self._reverse(self._reach(installation))
        self.assertEqual(installation.state, "reached")
        # reached, waiting for an invoice: resetting the credit note bills it with the old invoice
        refund.button_draft()
        self.assertEqual(installation.state, "invoiced")
        self.assertEqual(order.icasa_amount_milestone_remaining, 348.00)
        refund.action_post()
        self.assertEqual(installation.state, "reached")
        again = self.env["account.move"].browse(installation.action_invoice()["res_id"])
        with self.assertRaisesRegex(UserError, "Milestone Installation has been invoiced again"):
            refund.button_draft()
        again.unlink()
        installation.action_cancel()
        with self.assertRaisesRegex(UserError, "Milestone Installation is cancelled: resetting"):
            refund.button_draft()
        installation.action_reset_planned()
        with self.assertRaisesRegex(UserError, "Milestone Installation is planned: resetting"):
            refund.button_draft()
        self.assertEqual(refund.state, "posted")
        self.assertEqual(order.icasa_milestone_ids.mapped("amount"), [522.00, 870.00, 348.00])
        self.assertEqual(order.icasa_amount_milestone_remaining, 1218.00)

    # --- 5 ------------------------------------------------------------------------------------

    def test_defect05_fully_credited_means_every_line_and_tax(self):
        """Credit notes of the same untaxed total on other lines, or without the tax, are concessions."""
        order = self._order()
        order.action_confirm()
        first, installation, activation = order.icasa_milestone_ids
        invoice = self._reach(installation)
        # 870.00 credited, all of it on the wallbox line: the same untaxed total, other lines
        refund = self._reverse(
            invoice, {self.wallbox: 870.0, self.installation: 0.0, self.activation: 0.0, self.inspection: 0.0}
        )
        self.assertEqual(refund.amount_untaxed, 870.00)
        self.assertEqual(installation.state, "invoiced")
        # the activation's 348.00 credited line by line but without its 73.08 of tax
        last = self._reach(activation)
        last.action_post()
        wizard = (
            self.env["account.move.reversal"]
            .with_context(active_model="account.move", active_ids=last.ids)
            .create({"journal_id": last.journal_id.id, "reason": "no tax"})
        )
        refund = self.env["account.move"].browse(wizard.refund_moves()["res_id"])
        with Form(refund) as form:
            for index in range(len(refund.invoice_line_ids)):
                with form.invoice_line_ids.edit(index) as line:
                    line.tax_ids.clear()
        refund.action_post()
        self.assertEqual((refund.amount_untaxed, refund.amount_tax), (348.00, 0.00))
        self.assertEqual(activation.state, "invoiced")
        # concessions are not billed again: nothing remains to invoice
        self.assertEqual(order.icasa_amount_milestone_remaining, 0.00)
        # a true full credit note (every line and its tax) reopens the milestone
        self._reverse(first.invoice_ids)
        self.assertEqual(first.state, "reached")
        self.assertEqual(order.icasa_amount_milestone_remaining, 522.00)

    def test_defect05_draft_invoices_are_not_counted_as_invoiced(self):
        """A draft is not an invoice yet: not in "Invoiced by Milestones", the progress or the printed schedule."""
        order = self._order()
        order.action_confirm()
        first = order.icasa_milestone_ids[0]
        invoice = first.invoice_ids
        self.assertEqual(invoice.state, "draft")
        self.assertRecordValues(
            order,
            [
                {
                    "icasa_amount_milestone_invoiced": 0.00,
                    "icasa_amount_milestone_draft": 522.00,
                    "icasa_amount_milestone_remaining": 1218.00,
                    "icasa_milestone_progress": 0.0,
                }
            ],
        )
        self.assertEqual(first.amount_invoiced, 0.00)
        self.assertEqual(first.billing_status, "draft")
        schedule = invoice._icasa_report_schedule()
        self.assertEqual([row["status"] for row in schedule["rows"]], ["draft", "to_come", "to_come"])
        self.assertEqual((schedule["invoiced"], schedule["draft"], schedule["remaining"]), (0.00, 522.00, 1218.00))
        invoice.action_post()
        self.assertRecordValues(
            order,
            [
                {
                    "icasa_amount_milestone_invoiced": 522.00,
                    "icasa_amount_milestone_draft": 0.00,
                    "icasa_amount_milestone_remaining": 1218.00,
                    "icasa_milestone_progress": 30.0,
                }
            ],
        )
        self.assertEqual(first.amount_invoiced, 522.00)
        self.assertEqual(first.billing_status, "invoiced")
        schedule = invoice._icasa_report_schedule()
        self.assertEqual([row["status"] for row in schedule["rows"]], ["invoiced", "to_come", "to_come"])
        self.assertEqual((schedule["invoiced"], schedule["draft"], schedule["remaining"]), (522.00, 0.00, 1218.00))

    # --- 6 ------------------------------------------------------------------------------------

    @freeze_time("2025-01-15")
    def test_defect06_billing_dates_belong_to_the_office(self):
        """Technicians cannot move an instalment's date; it is not reached early; an accountant may bill it early."""
        order = self._order()
        order.action_confirm()  # 522.00 at confirmation
        self._split(order, 3, "month", date(2025, 1, 31))
        instalments = order.icasa_milestone_ids[1:]
        self.assertEqual(instalments.mapped("amount"), [406.00, 406.00, 406.00])
        instalments.user_id = self.technician
        with self.assertRaisesRegex(AccessError, r"Instalment 1/3 .* billing date"):
            instalments[0].with_user(self.technician).write({"scheduled_date": "2025-01-16"})
        self.assertEqual(instalments[0].scheduled_date, date(2025, 1, 31))
        # Mark Reached before the date is refused, for the technician and the sales team alike
        for user in (self.technician, self.salesman):
            with self.assertRaisesRegex(UserError, r"Instalment 1/3 of S\d+ falls due on 01/31/2025"):
                instalments[0].with_user(user).action_reach()
        with self.assertRaisesRegex(UserError, "falls due on"):
            self._reach(instalments[0])
        self.assertEqual(instalments[0].state, "planned")
        # invoicing early is the accountant's explicit, logged decision
        with self.assertRaises(AccessError):
            instalments[0].with_user(self.salesman).action_invoice_early()
        instalments[0].with_user(self.accountant).action_invoice_early()
        self.assertEqual(instalments[0].state, "invoiced")
        self.assertEqual(instalments[0].reached_by_id, self.accountant)
        self.assertEqual(instalments[0].invoice_ids.amount_total, 491.26)  # 406.00 + 85.26
        self.assertIn("invoiced early", instalments[0].message_ids[0].body)
        self.assertIn("01/31/2025", instalments[0].message_ids[0].body)
        self.assertEqual(instalments[0].message_ids[0].author_id, self.accountant.partner_id)
        self.assertEqual(instalments[1:].mapped("state"), ["planned", "planned"])

    @freeze_time("2025-01-15")
    def test_defect06_accountant_splits_into_instalments(self):
        order = self._order()
        order.action_confirm()
        self._split(order, 2, "month", date(2025, 1, 15), user=self.accountant)
        # 1,218.00 in two: the first is due today and invoiced at once
        instalments = order.icasa_milestone_ids[1:]
        self.assertEqual(instalments.mapped("amount"), [609.00, 609.00])
        self.assertEqual(instalments.mapped("state"), ["invoiced", "planned"])
        self.assertEqual(instalments[0].invoice_ids.amount_untaxed, 609.00)

    # --- 7 ------------------------------------------------------------------------------------

    def test_defect07_no_delete_icon_once_milestones_bill(self):
        """The order's milestone list offers the delete icon on quotations only; the server refuses the rest."""
        arch = self.env["sale.order"].get_view(self.env.ref("sale.view_order_form").id, "form")["arch"]
        node = etree.fromstring(arch).xpath("//field[@name='icasa_milestone_ids']")[0]
        delete_domain = safe_eval(node.get("options", "{}")).get("delete")
        self.assertTrue(delete_domain, "the delete icon depends on the order")
        quotation = self._order()
        self.assertEqual(quotation.filtered_domain(delete_domain), quotation)
        order = self._order()
        order.action_confirm()
        self.assertFalse(order.filtered_domain(delete_domain))
        invoiced = order.icasa_milestone_ids[0]
        with self.assertRaisesRegex(UserError, "is invoiced and cannot be deleted"):
            order.write({"icasa_milestone_ids": [Command.delete(invoiced.id)]})
        self.assertEqual(order.icasa_milestone_ids.mapped("amount"), [522.00, 870.00, 348.00])

    # --- 15 -----------------------------------------------------------------------------------

    def test_defect15_state_moves_only_through_actions(self):
        order = self._order(lines=[(self.wallbox, 1, 1650.0, 0.0)])
        order.action_confirm()  # 495.00 invoiced; 1,155.00 of 1,650.00 remains
        first, installation, activation = order.icasa_milestone_ids
        self.assertEqual(order.icasa_amount_milestone_remaining, 1155.00)
        for milestone in (first.with_user(self.salesman), first.sudo()):
            with self.assertRaisesRegex(UserError, r"Milestone Order of S\d+.* only through its actions"):
                milestone.write({"state": "planned"})
            with self.assertRaisesRegex(UserError, "only through its actions"):
                milestone.write({"reached_date": "2025-01-01 00:00:00"})
        with self.assertRaisesRegex(UserError, "only through its actions"):
            self.env["icasa.milestone"].with_user(self.salesman).create(
                {"order_id": order.id, "name": "Paid", "share": 1.0, "state": "invoiced"}
            )
        other = self._order()
        with self.assertRaisesRegex(UserError, r"Milestones Order of S\d+ cannot move to another order"):
            first.with_user(self.salesman).write({"order_id": other.id})
        self.assertEqual(first.state, "invoiced")
        self.assertEqual(order.icasa_amount_milestone_remaining, 1155.00)
        # the actions still move it, and say so in the chatter
        activation.with_user(self.salesman).action_cancel()
        self.assertEqual(activation.state, "cancelled")
        self.assertIn("cancelled by Sam Sales", activation.message_ids[0].body)
        activation.with_user(self.salesman).action_reset_planned()
        self.assertEqual(activation.state, "planned")
        self.assertIn("set to planned again by Sam Sales", activation.message_ids[0].body)
        with self.assertRaises(AccessError):
            activation.with_user(self.technician).action_cancel()
        # 825.00 + 330.00
        self.assertEqual(self._reach(installation).amount_untaxed, 825.00)
        self.assertEqual(self._reach(activation).amount_untaxed, 330.00)
        self.assertEqual(order.icasa_amount_milestone_remaining, 0.00)

    # --- 16 -----------------------------------------------------------------------------------

    def test_defect16_technicians_read_no_shares(self):
        plan = self.env["icasa.milestone.plan"].create(
            {
                "name": "Deposit",
                "share_type": "fixed",
                "line_ids": [
                    Command.create({"name": "Deposit", "share": 500.0, "trigger": "confirmation"}),
                    Command.create({"name": "Installation", "share": 1240.0, "kind": "installation"}),
                ],
            }
        )
        order = self._order(plan=plan)
        order.action_confirm()
        installation = order.icasa_milestone_ids[1]
        installation.user_id = self.technician
        Milestone = self.env["icasa.milestone"].with_user(self.technician)
        with self.assertRaises(AccessError):
            installation.with_user(self.technician).read(["share"])
        with self.assertRaises(AccessError):
            Milestone.read_group([], ["share:sum"], ["order_id"])
        with self.assertRaises(AccessError):
            Milestone._read_group([], ["kind"], ["share:sum"])
        with self.assertRaises(AccessError):
            Milestone.search([("share", ">", 1000)])
        with self.assertRaises(AccessError):
            plan.line_ids.with_user(self.technician).read(["share"])
        self.assertNotIn("share", Milestone.fields_get())
        # what the field app reads still works
        rows = Milestone.search_read([], ["name", "state", "scheduled_date", "partner_id"])
        self.assertEqual([row["name"] for row in rows], ["Installation"])
        self.assertEqual(installation.with_user(self.salesman).read(["share"])[0]["share"], 1240.0)
        self.assertEqual(installation.with_user(self.accountant).read(["share"])[0]["share"], 1240.0)

    # --- 17 -----------------------------------------------------------------------------------

    def _measure_split(self, count):
        """Queries and milestone rows worked through to split an order into ``count`` due instalments."""
        order = self._order(plan=False)
        order.action_confirm()
        start = date(2025, 6, 30) - timedelta(weeks=count - 1)  # every instalment is due today
        rows = [0]

        def counting(total, targets, invoiced):
            rows[0] += len(targets)
            return milestone_amounts(total, targets, invoiced)

        self.env.flush_all()
        self.env.invalidate_all()
        before = self.env.cr.sql_log_count
        with patch.object(sale_order_module, "milestone_amounts", counting):
            self._split(order, count, "week", start)
            self.env.flush_all()
        queries = self.env.cr.sql_log_count - before
        self.assertEqual(set(order.icasa_milestone_ids.mapped("state")), {"invoiced"})
        self.assertEqual(len(order.invoice_ids), count)
        return queries, rows[0]

    @freeze_time("2025-06-30")
    def test_defect17_instalment_work_grows_linearly(self):
        """Four times the due instalments may cost at most four times the queries and the schedule work.

        Each invoice used to recompute the whole schedule: 40 instalments worked
        through 40 + 39 + ... milestone rows, 16 times what 10 needed.
        """
        small_queries, small_rows = self._measure_split(10)
        large_queries, large_rows = self._measure_split(40)
        report = f"10 instalments: {small_queries} queries, {small_rows} rows; 40: {large_queries}, {large_rows}"
        self.assertLessEqual(large_queries, 4 * small_queries, report)
        self.assertLessEqual(large_rows, 4 * small_rows, report)

    @freeze_time("2025-01-10")
    def test_defect17_cron_bills_an_orders_due_instalments_together(self):
        """Eleven instalments fall due while the cron did not run: billed in one go, 1,740.00 to the cent."""
        order = self._order(plan=False)
        order.action_confirm()
        self._split(order, 12, "month", date(2025, 1, 10))  # the first is due today: 145.00
        milestones = order.icasa_milestone_ids
        self.assertEqual(milestones.mapped("state"), ["invoiced"] + ["planned"] * 11)
        rows = [0]

        def counting(total, targets, invoiced):
            rows[0] += len(targets)
            return milestone_amounts(total, targets, invoiced)

        with freeze_time("2025-12-10"), patch.object(sale_order_module, "milestone_amounts", counting):
            self.env["icasa.milestone"]._cron_invoice_due_milestones()
        self.assertEqual(set(milestones.mapped("state")), {"invoiced"})
        # 1,740.00 / 12 = 145.00 each
        self.assertEqual(set(order.invoice_ids.mapped("amount_untaxed")), {145.00})
        self.assertEqual(round(sum(order.invoice_ids.mapped("amount_total")), 2), 2105.40)
        # one schedule for the eleven (12 milestones a time), not one per invoice (12 + 12 + ...)
        self.assertLessEqual(rows[0], 4 * 12, f"{rows[0]} milestone rows worked through")

    @freeze_time("2025-06-30")
    def test_defect17_300_instalments_bill_the_order_to_the_cent(self):
        """1,740.00 in 300 weekly instalments, all due: 300 invoices of 5.80 (3.60 + 1.50 + 0.30 + 0.40)."""
        order = self._order(plan=False)
        order.action_confirm()
        self._split(order, 300, "week", date(2025, 6, 30) - timedelta(weeks=299))
        milestones = order.icasa_milestone_ids
        self.assertEqual(len(milestones), 300)
        self.assertEqual(set(milestones.mapped("state")), {"invoiced"})
        invoices = order.invoice_ids.sorted("id")
        self.assertEqual(len(invoices), 300)
        self.assertEqual(set(invoices.mapped("amount_untaxed")), {5.80})
        self.assertEqual(
            invoices[0].invoice_line_ids.sorted("sequence").mapped("price_subtotal"), [3.60, 1.50, 0.30, 0.40]
        )
        for line, expected in zip(order.order_line, [1080.00, 450.00, 90.00, 120.00], strict=True):
            self.assertEqual(line._icasa_invoiced_amount(), expected)
        self.assertEqual(round(sum(invoices.mapped("amount_untaxed")), 2), 1740.00)
        # 21% of 5.80 is 1.22 on each invoice; the last takes the order's 365.40 to the cent: 0.62
        self.assertEqual(invoices[0].amount_total, 7.02)
        self.assertEqual(invoices[-1].amount_tax, 0.62)
        self.assertEqual(round(sum(invoices.mapped("amount_total")), 2), 2105.40)
        self.assertEqual(order.icasa_amount_milestone_remaining, 0.00)

    # --- 18 -----------------------------------------------------------------------------------

    def _asset(self, serial, **extra):
        return self.env["icasa.installed.asset"].create(
            {"serial_number": serial, "asset_type_id": self.asset_type.id, "partner_id": self.customer.id, **extra}
        )

    def test_defect18_serial_numbers_normalised_and_limited(self):
        self.asset_type = self.env["icasa.asset.type"].create({"name": "Wallbox AC"})
        asset = self._asset("  wb   0001 ")
        self.assertEqual(asset.serial_number, "wb 0001")
        for duplicate in ("WB 0001", "Wb\t0001", " wb 0001"):
            with self.assertRaisesRegex(ValidationError, f"Serial number {duplicate.split()[0]} 0001 .* already"):
                self._asset(duplicate)
        for blank in ("", "   ", "\t"):
            with self.assertRaisesRegex(ValidationError, "serial number of the Wallbox AC is empty"):
                self._asset(blank)
        with self.assertRaisesRegex(ValidationError, r"Wallbox AC \(XXXX.*\) is 1000000 characters long: at most 64"):
            self._asset("X" * 1_000_000)
        with self.assertRaisesRegex(ValidationError, "at most 64"):
            asset.serial_number = "Y" * 65
        asset.serial_number = "WB-0001 " + "Z" * 56  # 64 characters
        self.assertEqual(len(asset.serial_number), 64)
        # the field wizard compares them the same way, before anything is written
        order = self._order()
        order.action_confirm()
        installation = order.icasa_milestone_ids[1]
        self._asset("WB-7")
        for lines, message in (
            ([" wb-7"], r"Serial number wb-7 of a Wallbox AC is already recorded"),
            (["AB 1", "ab  1"], r"Serial number ab 1 of a Wallbox AC is entered twice"),
            (["Q" * 65], "at most 64"),
            (["  "], "serial number of the Wallbox AC is empty"),
        ):
            wizard = self.env["icasa.milestone.reach.wizard"].create(
                {
                    "milestone_ids": [Command.set(installation.ids)],
                    "asset_line_ids": [
                        Command.create({"asset_type_id": self.asset_type.id, "serial_number": serial})
                        for serial in lines
                    ],
                }
            )
            with self.assertRaisesRegex((UserError, ValidationError), message):
                wizard.action_confirm()
        self.assertEqual(installation.state, "planned")

    def test_defect18_shares_must_be_finite_and_in_range(self):
        order = self._order()
        milestone = order.icasa_milestone_ids[2]
        for value, message in (
            (math.nan, "is not a number"),
            (math.inf, "is infinite"),
            (-math.inf, "is infinite"),
            (-5.0, "must be positive"),
            (150.0, "more than 100%"),
            (1e15, "too large"),
        ):
            with (
                self.assertRaisesRegex(ValidationError, f"Milestone Activation of S\\d+ .*{message}"),
                self.env.cr.savepoint(),
            ):
                milestone.write({"share": value})
        self.assertEqual(milestone.share, 20.0)
        with self.assertRaisesRegex(ValidationError, "is not a number"):
            self.env["icasa.milestone"].create({"order_id": order.id, "name": "NaN", "share": math.nan})
        with self.assertRaisesRegex(ValidationError, "Milestone A of plan Broken .* is infinite"):
            self.env["icasa.milestone.plan"].create(
                {"name": "Broken", "line_ids": [Command.create({"name": "A", "share": math.inf})]}
            )
        with self.assertRaisesRegex(ValidationError, "more than 100%"):
            self.env["icasa.milestone.plan"].create(
                {"name": "Broken", "line_ids": [Command.create({"name": "A", "share": 100.5})]}
            )
        # a fixed amount above 100 is fine
        order.icasa_share_type = "fixed"
        milestone.share = 348.0
        self.assertEqual(milestone.amount, 348.00)
