"""The partner documents read back from wkhtmltopdf's PDF with pdftotext:
the consolidated invoice and the self-billing statement."""

from datetime import date

from odoo import Command
from odoo.tests import tagged

from odoo.addons.icasa_ev_billing.tests.pdf_common import PdfTextMixin

from .common import PartnerCommon


@tagged("post_install", "-at_install")
class TestPartnerPdf(PartnerCommon, PdfTextMixin):
    def test_consolidated_invoice_pdf(self):
        """January's consolidated invoice of the reseller: a subtotal per shop.
        30.00 from 1 January; 30 x 22/31 = 21.29 from the 10th; 30 x 12/31 = 11.61 from the 20th."""
        for shop, start in (
            (self.shop_1, date(2027, 1, 1)),
            (self.shop_2, date(2027, 1, 10)),
            (self.shop_3, date(2027, 1, 20)),
        ):
            self._subscription(self.monthly_calendar, start, partner=shop)
        for day in (date(2027, 1, 1), date(2027, 1, 10), date(2027, 1, 20)):
            self._bill(day)
        invoice = self.env["icasa.subscription.billing"]._cron_consolidate(today=date(2027, 2, 1))
        self.assertEqual(invoice.partner_id, self.reseller)

        text, pages = self._pdf_text("account.account_invoices", invoice, name="consolidated_invoice")
        flat = self._squash(text)
        self.assertEqual(pages, 1)
        self.assertIn(invoice.name, flat)
        self.assertIn("Charge Resell BV", flat)
        self.assertIn(
            "Subtotal per End Customer Untaxed Shop One $ 30.00 Shop Three $ 11.61 Shop Two $ 21.29",
            flat,
        )
        self.assertIn("$ 62.90", flat)

    def test_ordinary_invoice_has_no_subtotals(self):
        invoice = self.init_invoice("out_invoice", partner=self.shop_1, amounts=[100.0], post=True)
        text, _pages = self._pdf_text("account.account_invoices", invoice, name="ordinary_invoice")
        self.assertIn(invoice.name, text)
        self.assertNotIn("Subtotal per End Customer", text)

    def test_self_billing_statement_pdf(self):
        """10% of the maintenance billed to an end customer of a reseller in January 2027."""
        installer = self.env["res.partner"].create({"name": "VoltPartners Installers", "is_company": True})
        agreement = self.env["icasa.partner.agreement"].create(
            {
                "name": "VoltPartners resale",
                "partner_id": installer.id,
                "role": "reseller",
                "payer_kind": "customer",
                "consolidate": False,
                "share_start_date": date(2027, 1, 1),
                "share_rule_ids": [
                    Command.create({"share_kind": "percent", "percent": 10.0, "billing_role": "maintenance"})
                ],
            }
        )
        anna = self.env["res.partner"].create({"name": "Anna de Vries", "icasa_agreement_id": agreement.id})
        invoice = self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": anna.id,
                "invoice_date": date(2027, 1, 10),
                "date": date(2027, 1, 10),
                "invoice_line_ids": [
                    Command.create({"product_id": self.maintenance.id, "quantity": 4, "price_unit": 30.0}),
                    Command.create({"product_id": self.install.id, "quantity": 1, "price_unit": 450.0}),
                ],
            }
        )
        invoice.action_post()
        bill = self.env["icasa.self.billing"].sudo()._run(agreement, date(2027, 2, 1))
        self.assertEqual(bill.amount_untaxed, 12.0)

        text, pages = self._pdf_text(
            "icasa_partner_invoicing.action_report_self_billing_statement", bill, name="self_billing_statement"
        )
        flat = self._squash(text)
        self.assertEqual(pages, 1)
        self.assertIn("Self-Billing Statement", flat)
        self.assertIn("VoltPartners Installers", flat)
        self.assertIn("VoltPartners resale", flat)
        self.assertIn(invoice.name, flat)
        self.assertIn("Anna de Vries", flat)
        self.assertIn("120.00", flat)
        self.assertIn("12.00", flat)
        self.assertIn("issued by us on behalf of the partner (self-billing)", flat)
        self.assertNotIn("450.00", flat)
