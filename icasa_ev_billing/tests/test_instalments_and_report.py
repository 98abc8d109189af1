from datetime import date

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import IcasaMilestoneCommon


@tagged("post_install", "-at_install")
class TestInstalments(IcasaMilestoneCommon):
    def _split(self, order, count, unit, start):
        wizard = self.env["icasa.instalment.wizard"].create(
            {"order_id": order.id, "count": count, "unit": unit, "start_date": start}
        )
        amount = wizard.amount_to_split
        wizard.action_split()
        return amount

    @freeze_time("2025-01-15")
    def test_split_what_remains_monthly(self):
        order = self._order()
        order.action_confirm()
        # 522.00 invoiced at confirmation: 1,218.00 remains, 3 x 406.00
        self.assertEqual(self._split(order, 3, "month", date(2025, 1, 31)), 1218.00)
        self.assertEqual(order.icasa_share_type, "fixed")
        kept, *instalments = order.icasa_milestone_ids
        self.assertEqual((kept.name, kept.state, kept.share), ("Order", "invoiced", 522.00))
        self.assertEqual([m.name for m in instalments], ["Instalment 1/3", "Instalment 2/3", "Instalment 3/3"])
        self.assertEqual([m.amount for m in instalments], [406.00, 406.00, 406.00])
        self.assertEqual(
            [m.scheduled_date for m in instalments], [date(2025, 1, 31), date(2025, 2, 28), date(2025, 3, 31)]
        )
        self.assertEqual({m.trigger for m in instalments}, {"date"})
        with freeze_time("2025-02-28"):
            self.env["icasa.milestone"]._cron_invoice_due_milestones()
        self.assertEqual([m.state for m in instalments], ["invoiced", "invoiced", "planned"])
        self.assertEqual(instalments[1].invoice_ids.amount_total, 491.26)  # 406.00 + 21%

    @freeze_time("2025-01-06")
    def test_seven_weekly_instalments_on_a_quotation(self):
        order = self._order()
        self.assertEqual(self._split(order, 7, "week", date(2025, 1, 6)), 1740.00)
        # 1,740.00 / 7 with cumulative rounding: 248.57 x 3, 248.58, 248.57 x 3
        self.assertEqual(
            order.icasa_milestone_ids.mapped("share"), [248.57, 248.57, 248.57, 248.58, 248.57, 248.57, 248.57]
        )
        self.assertEqual(order.icasa_milestone_ids[-1].scheduled_date, date(2025, 2, 17))
        copy = order.copy()
        self.assertEqual(copy.icasa_share_type, "fixed")
        self.assertEqual(copy.icasa_milestone_plan_id, self.plan)
        self.assertEqual(copy.icasa_milestone_ids.mapped("share"), order.icasa_milestone_ids.mapped("share"))
        order.action_confirm()
        # the first instalment is due today: invoiced at confirmation
        first = order.icasa_milestone_ids[0]
        self.assertEqual(first.state, "invoiced")
        self.assertEqual(first.invoice_ids.amount_untaxed, 248.57)
        with freeze_time("2025-03-01"):
            self.env["icasa.milestone"]._cron_invoice_due_milestones()
        self.assertEqual(set(order.icasa_milestone_ids.mapped("state")), {"invoiced"})
        for line in order.order_line:
            self.assertAlmostEqual(sum(line.invoice_lines.mapped("price_subtotal")), line.price_subtotal, places=2)
        self.assertEqual(sum(order.invoice_ids.mapped("amount_untaxed")), 1740.00)
        self.assertEqual(order.invoice_status, "invoiced")

    @freeze_time("2025-01-06")
    def test_last_instalment_trues_up_the_taxes(self):
        """100.00 at 25% in 7 instalments: each invoice rounds its tax; the last one makes 25.00 exactly."""
        tax_25 = self.env["account.tax"].create({"name": "VAT 25%", "amount": 25.0, "type_tax_use": "sale"})
        order = self._order(plan=False, lines=[(self.inspection, 1, 100.0, 0.0)])
        order.order_line.tax_id = tax_25
        self.assertEqual(order.amount_total, 125.00)
        self._split(order, 7, "week", date(2025, 1, 6))
        order.action_confirm()
        with freeze_time("2025-03-01"):
            self.env["icasa.milestone"]._cron_invoice_due_milestones()
        invoices = order.invoice_ids.sorted("id")
        # 14.29 / 14.28 alternating; 25% of either rounds to 3.57, 7 x 3.57 = 24.99
        self.assertEqual(invoices.mapped("amount_untaxed"), [14.29, 14.28, 14.29, 14.28, 14.29, 14.28, 14.29])
        self.assertEqual(invoices.mapped("amount_tax"), [3.57] * 6 + [3.58])
        self.assertEqual(round(sum(invoices.mapped("amount_total")), 2), 125.00)
        invoices.action_post()
        self.assertEqual(round(sum(invoices.mapped("amount_residual")), 2), 125.00)
        self.assertEqual(order.amount_to_invoice, 0.0)
        self.assertEqual(order.invoice_status, "invoiced")

    @freeze_time("2025-01-10")
    def test_three_equal_thirds_per_order_line(self):
        """100.00 (two lines of 50.00) in three monthly thirds: 33.33, 33.34, 33.33, each line exact."""
        order = self._order(plan=False, lines=[(self.activation, 1, 50.0, 0.0), (self.inspection, 1, 50.0, 0.0)])
        self.assertEqual(self._split(order, 3, "month", date(2025, 1, 10)), 100.00)
        # cumulative rounding: round(33.333) = 33.33, round(66.667) = 66.67, 100.00
        self.assertEqual(order.icasa_milestone_ids.mapped("share"), [33.33, 33.34, 33.33])
        order.action_confirm()
        with freeze_time("2025-03-10"):
            self.env["icasa.milestone"]._cron_invoice_due_milestones()
        invoices = order.invoice_ids.sorted("id")
        self.assertEqual(invoices.mapped("amount_untaxed"), [33.33, 33.34, 33.33])
        # per line, largest remainder: 16.67 + 16.67 + 16.66 and 16.66 + 16.67 + 16.67
        self.assertEqual(
            [inv.invoice_line_ids.mapped("price_subtotal") for inv in invoices],
            [[16.67, 16.66], [16.67, 16.67], [16.66, 16.67]],
        )
        # taxes: 7.00 (3.50 + 3.50), 7.00, 7.00: the order's 21.00 exactly
        self.assertEqual(invoices.mapped("amount_tax"), [7.00, 7.00, 7.00])
        self.assertEqual(round(sum(invoices.mapped("amount_total")), 2), 121.00)

    def test_nothing_left_to_split(self):
        plan = self.env["icasa.milestone.plan"].create(
            {
                "name": "All at once",
                "line_ids": [Command.create({"name": "All", "share": 100, "trigger": "confirmation"})],
            }
        )
        order = self._order(plan=plan)
        order.action_confirm()
        with self.assertRaisesRegex(UserError, "Nothing remains to invoice"):
            self._split(order, 2, "month", date(2025, 1, 1))


@tagged("post_install", "-at_install")
class TestMilestoneInvoiceReport(IcasaMilestoneCommon):
    def test_invoice_pdf_shows_milestone_schedule_and_words(self):
        self.env["res.lang"]._activate_lang("nl_NL")
        self.customer.lang = "nl_NL"
        order = self._order()
        order.action_confirm()
        invoice = self._reach(order.icasa_milestone_ids[1])
        order.invoice_ids.action_post()  # drafts are not invoiced yet
        self.assertEqual(invoice.amount_total, 1052.70)
        # num2words in Dutch: 1052 = "duizendtweeënvijftig", 70 = "zeventig"
        self.assertIn("Duizendtweeënvijftig", invoice.icasa_amount_total_words)
        self.assertIn("Zeventig", invoice.icasa_amount_total_words)
        schedule = invoice._icasa_report_schedule()
        self.assertEqual(schedule["milestone"], "Installation")
        self.assertEqual(schedule["share"], "50%")
        self.assertEqual(schedule["invoiced"], 1392.00)
        self.assertEqual(schedule["remaining"], 348.00)
        self.assertEqual(
            [(r["name"], r["billed"]) for r in schedule["rows"]],
            [("Order", True), ("Installation", True), ("Activation", False)],
        )
        html, _format = self.env["ir.actions.report"]._render_qweb_html("account.report_invoice", invoice.ids)
        html = html.decode()
        self.assertIn(f"of order <span>{order.name}</span>", html)
        self.assertIn("Duizendtweeënvijftig", html)
        self.assertIn("To come", html)
        self.assertIn("<span>Installation</span>", html)
        self.assertIn("(<span>50%</span>)", html)
        # the schedule in Dutch number format: 522,00 / 870,00 invoiced, 348,00 to come; 1.392,00 so far
        for amount in ("522,00", "870,00", "348,00", "1.392,00", "1.052,70"):
            self.assertIn(amount, html)
        self.assertNotIn("1,392.00", html)
        # the PDF action goes through the same template (in tests Odoo returns its HTML, without wkhtmltopdf)
        content, _format = self.env["ir.actions.report"]._render_qweb_pdf("account.report_invoice", invoice.ids)
        self.assertIn("Duizendtweeënvijftig", content.decode())
        self.assertIn("1.392,00", content.decode())
