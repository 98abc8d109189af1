from markupsafe import escape

from odoo.tests import tagged

from odoo.addons.account.tests.common import AccountTestInvoicingCommon


@tagged("post_install", "-at_install")
class TestTranslations(AccountTestInvoicingCommon):
    """Belgium first: our labels and a customer's invoice read in Dutch once nl_BE is installed."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("nl_BE")
        # as Settings > Languages does: Odoo's terms (base: "en" in amounts in words) and ours
        cls.env["ir.module.module"]._load_module_terms(["base", "account", "icasa_ev_billing"], ["nl_BE"])
        cls.eur = cls.setup_other_currency("EUR")
        cls.customer = cls.env["res.partner"].create({"name": "Jan Peeters", "lang": "nl_BE"})

    def test_field_label_and_selection_in_dutch(self):
        fields = self.env["product.template"].with_context(lang="nl_BE").fields_get(["icasa_billing_role"])
        role = fields["icasa_billing_role"]
        self.assertEqual(role["string"], "Factureringsrol")
        self.assertIn(("installation", "Installatie"), role["selection"])
        # English stays English
        self.assertEqual(
            self.env["product.template"].fields_get(["icasa_billing_role"])["icasa_billing_role"]["string"],
            "Billing Role",
        )

    def test_invoice_in_dutch_with_amount_in_words(self):
        invoice = self.init_invoice(
            "out_invoice", partner=self.customer, amounts=[1234.50], taxes=[], currency=self.eur, post=True
        )
        self.assertEqual(invoice.amount_total, 1234.50)
        # 1234 = duizend tweehonderd vierendertig, written as one word in Dutch; 50 = vijftig
        words = "Duizendtweehonderdvierendertig Euro's en Vijftig Cent"
        self.assertEqual(invoice.icasa_amount_total_words, words)
        html, _format = self.env["ir.actions.report"]._render_qweb_html("account.report_invoice", invoice.ids)
        html = html.decode()
        self.assertIn(escape(words), html)  # the apostrophe of "Euro's" as &#39;
        self.assertIn("Bedrag in woorden:", html)
        self.assertNotIn("Amount in words:", html)
        self.assertIn("1.234,50", html)
