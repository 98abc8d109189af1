"""The milestone invoice read back from wkhtmltopdf's PDF with pdftotext.

The PDF carries text because our PDF-only style sheet prints in DejaVu Sans, a
system font: Debian's wkhtmltopdf draws @font-face web fonts as outlines.
"""

from odoo import Command
from odoo.tests import tagged

from .common import IcasaMilestoneCommon
from .pdf_common import PdfTextMixin


@tagged("post_install", "-at_install")
class TestMilestoneInvoicePdf(IcasaMilestoneCommon, PdfTextMixin):
    """The milestone invoice as the customer reads it: wkhtmltopdf's PDF, read back by pdftotext."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer.write({"email": "anna@example.com", "city": "Utrecht", "zip": "3512 AB"})
        cls.site = cls.env["res.partner"].create(
            {
                "name": "Anna de Vries, garage",
                "type": "delivery",  # a contact would take the customer's address
                "street": "Kerkstraat 12",
                "city": "Utrecht",
                "parent_id": cls.customer.id,
            }
        )

    def _installation_invoice(self):
        order = self._order()
        order.action_confirm()
        installation = order.icasa_milestone_ids.filtered(lambda m: m.kind == "installation")
        self.env["icasa.milestone.reach.wizard"].create(
            {
                "milestone_ids": [Command.set(installation.ids)],
                "asset_line_ids": [
                    Command.create(
                        {
                            "product_id": self.wallbox.id,
                            "asset_type_id": self.env.ref("icasa_ev_billing.asset_type_ev_charger_ac").id,
                            "serial_number": "WB-2025-0042",
                            "site_partner_id": self.site.id,
                        }
                    )
                ],
            }
        ).action_confirm()
        return order, installation.invoice_ids

    def test_milestone_invoice_pdf(self):
        """One page: the milestone, the schedule so far (posted invoices only), the
        installed wallbox with its site, the amount in words in the customer's language."""
        self.env["res.lang"]._activate_lang("nl_NL")
        self.customer.lang = "nl_NL"
        order, invoice = self._installation_invoice()
        # the order's invoice is posted, the installation's is still a draft: not invoiced yet
        order.invoice_ids.filtered(lambda m: m != invoice).action_post()
        text, pages = self._pdf_text("account.account_invoices", invoice, name="milestone_invoice_draft")
        flat = self._squash(text)
        self.assertEqual(pages, 1)
        self.assertIn(f"Milestone: Installation (50%) of order {order.name}", flat)
        # 30% of 1,740.00 posted; 50% in the draft being printed; 20% to come (Dutch number format)
        self.assertRegex(flat, r"Order 30% \S* ?522,00 Gefactureerd|Order 30% \S* ?522,00 Invoiced")
        self.assertRegex(flat, r"Installation 50% \S* ?870,00 (Draft|Concept)")
        self.assertRegex(flat, r"Activation 20% \S* ?348,00 (To come|Te komen)")

        invoice.action_post()
        text, pages = self._pdf_text("account.account_invoices", invoice, name="milestone_invoice")
        flat = self._squash(text)
        self.assertEqual(pages, 1, "a typical milestone invoice fits on one page")
        self.assertIn(invoice.name, flat)
        self.assertRegex(flat, r"Installation 50% \S* ?870,00 (Invoiced|Gefactureerd)")
        self.assertRegex(flat, r"1\.392,00")  # invoiced so far: 522.00 + 870.00
        self.assertRegex(flat, r"348,00 \(")  # remaining, untaxed
        # 870.00 + 21% = 1,052.70
        self.assertRegex(flat, r"1\.052,70")
        self.assertIn("WB-2025-0042", flat)
        self.assertIn("Kerkstraat 12", flat)
        # num2words in Dutch: 1052 = "duizendtweeënvijftig", 70 = "zeventig"
        self.assertIn("Duizendtweeënvijftig", flat)
        self.assertIn("Zeventig", flat)
