"""The subscription PDF read back from wkhtmltopdf's PDF with pdftotext."""

from datetime import date, timedelta

from odoo import Command, fields
from odoo.tests import tagged
from odoo.tools import format_date

from odoo.addons.icasa_ev_billing.tests.pdf_common import PdfTextMixin

from .common import SubscriptionCommon


@tagged("post_install", "-at_install")
class TestSubscriptionPdf(SubscriptionCommon, PdfTextMixin):
    """The subscription as the customer reads it: plan, dates, prices in force, the clause."""

    def test_subscription_pdf(self):
        today = fields.Date.context_today(self.env["sale.order"])
        index = self.env["icasa.price.index"].create(
            {"name": "Labour", "value_ids": [Command.create({"month": date(2020, 1, 1), "value": 100.0})]}
        )
        start = today.replace(day=1) - timedelta(days=400)
        order = self._subscription(
            self.monthly_calendar, start, lines=[(self.maintenance, 2, 30.0), (self.sim, 1, 4.5)]
        )
        maintenance, sim = order.order_line
        maintenance.write(
            {
                "icasa_indexation": "formula",
                "icasa_index_id": index.id,
                "icasa_index_a": 0.2,
                "icasa_index_b": 0.8,
                "icasa_index_base": 100.0,
                "icasa_index_base_price": 30.0,
            }
        )
        sim.write({"icasa_indexation": "percent", "icasa_index_percent": 2.5})
        # a price step in force today: the SIM costs 4.75 since last month
        self.env["icasa.subscription.price.step"].create(
            {"line_id": sim.id, "date_from": today - timedelta(days=30), "price_unit": 4.75}
        )
        text, pages = self._pdf_text("icasa_ev_subscription.action_report_icasa_subscription", order, "subscription")
        flat = self._squash(text)
        self.assertEqual(pages, 1)
        self.assertIn(f"Subscription {order.name}", flat)
        self.assertIn("Monthly calendar", flat)
        # never billed yet: the first invoice is due on the start day
        self.assertEqual(order.icasa_next_invoice_date, start)
        self.assertIn(f"Plan Start Next Invoice Monthly calendar {format_date(self.env, start)}", flat)
        self.assertRegex(flat, r"Maintenance 2\.00 \$ 30\.00 Index Formula")
        self.assertRegex(flat, r"SIM data 1\.00 \$ 4\.75 Percentage")
        self.assertIn("Price-adjustment clause", flat)
        self.assertIn("P = P0 \u00d7 (a + b \u00d7 I / I0), with P0 = $ 30.00, a = 0.2, b = 0.8, I0 = 100.0", flat)
        self.assertIn("Labour", flat)
        self.assertIn("SIM data: a yearly increase of 2.5 %", flat)
