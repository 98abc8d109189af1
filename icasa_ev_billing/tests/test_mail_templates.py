"""The e-mail a customer receives with a milestone invoice."""

from odoo.tests import tagged

from odoo.addons.mail.tests.common import MailCommon

from .common import IcasaMilestoneCommon


@tagged("post_install", "-at_install")
class TestMilestoneInvoiceMail(IcasaMilestoneCommon, MailCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer.email = "anna@example.com"

    def test_milestone_invoice_mail(self):
        """Send & Print picks the milestone template: to the customer, the milestone in
        the subject, the invoice PDF attached."""
        order = self._order()
        order.action_confirm()
        invoice = order.invoice_ids
        self.assertEqual(len(invoice), 1)
        self.assertEqual(invoice.icasa_milestone_id.name, "Order")
        invoice.action_post()
        template = self.env.ref("icasa_ev_billing.email_template_icasa_milestone_invoice")
        self.assertEqual(invoice._get_mail_template(), template)
        self.assertEqual(self.env["account.move.send"]._get_default_mail_template_id(invoice), template)

        with self.mock_mail_gateway(mail_unlink_sent=False):
            self.env["account.move.send"]._generate_and_send_invoices(invoice, sending_methods=["email"])

        self.assertMailMail(
            self.customer,
            "sent",
            author=self.env.user.partner_id,  # who sent the invoice (Send & Print, or the plan's run)
            email_values={
                "subject": f"{invoice.company_id.name}: Order reached, invoice {invoice.name}",
                "attachments_info": [{"name": f"{invoice.name.replace('/', '_')}.pdf", "type": "application/pdf"}],
                "body_content": order.name,
            },
        )
        self.assertTrue(invoice.is_move_sent)

    def test_other_invoices_keep_odoo_template(self):
        """An invoice without a milestone, and a credit note, keep Odoo's own templates."""
        invoice = self.init_invoice("out_invoice", partner=self.customer, amounts=[100.0], post=True)
        self.assertEqual(invoice._get_mail_template(), self.env.ref("account.email_template_edi_invoice"))
        refund = self.init_invoice("out_refund", partner=self.customer, amounts=[100.0])
        self.assertEqual(refund._get_mail_template(), self.env.ref("account.email_template_edi_credit_note"))
