"""The e-mails of subscriptions: period invoices and price change notices."""

from datetime import date

from odoo import Command
from odoo.tests import tagged

from odoo.addons.mail.tests.common import MailCommon

from .common import SubscriptionCommon


@tagged("post_install", "-at_install")
class TestSubscriptionMail(SubscriptionCommon, MailCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer.email = "cpo@example.com"
        cls.mailing_plan = cls._plan("Monthly, e-mailed", auto_post=True, auto_email=True)
        cls.template = cls.env.ref("icasa_ev_subscription.email_template_icasa_recurring_invoice")
        cls.notice_template = cls.env.ref("icasa_ev_subscription.email_template_icasa_price_change")

    def test_recurring_invoice_mail(self):
        """A plan that e-mails invoices: the run posts the period invoice and Odoo's sending
        cron mails it with the subscription template and the invoice PDF."""
        order = self._subscription(self.mailing_plan, date(2027, 1, 1))
        self._bill(date(2027, 1, 1))
        invoice = order.icasa_period_ids.move_id
        self.assertEqual(invoice.state, "posted")
        self.assertEqual(invoice.amount_total, 30.0)
        self.assertEqual(invoice._get_mail_template(), self.template)
        self.assertTrue(invoice.sending_data)

        with self.mock_mail_gateway(mail_unlink_sent=False):
            self.env["account.move"].sudo()._cron_account_move_send(job_count=20)

        self.assertMailMail(
            self.customer,
            "sent",
            author=self.env.user.partner_id,  # who sent the invoice (Send & Print, or the plan's run)
            email_values={
                "subject": f"{invoice.company_id.name}: invoice {invoice.name} for subscription {order.name}",
                "attachments_info": [{"name": f"{invoice.name.replace('/', '_')}.pdf", "type": "application/pdf"}],
                "body_content": "30.00",
            },
        )
        self.assertFalse(invoice.sending_data)
        self.assertTrue(invoice.is_move_sent)

    def test_plan_without_email_sends_nothing(self):
        plan = self._plan("Monthly, posted only", auto_post=True, auto_email=False)
        order = self._subscription(plan, date(2027, 1, 1))
        self._bill(date(2027, 1, 1))
        self.assertEqual(order.icasa_period_ids.move_id.state, "posted")
        self.assertFalse(order.icasa_period_ids.move_id.sending_data)

    def _notice(self, today):
        with self.mock_mail_gateway(mail_unlink_sent=False):
            self.env["sale.order.line"].sudo()._cron_icasa_index_notice(today=today)
        return self._new_mails

    def test_price_change_notice_percent(self):
        """2.5 % a year from 1 March 2027: announced 30 days ahead (the company's
        setting), once; 30.00 becomes 30.75."""
        self.assertEqual(self.env.company.icasa_index_notice_days, 30)
        order = self._subscription(self.monthly, date(2026, 3, 1))
        line = order.order_line
        line.write({"icasa_indexation": "percent", "icasa_index_percent": 2.5})

        self.assertFalse(self._notice(date(2027, 1, 29)))  # 31 days ahead
        mails = self._notice(date(2027, 1, 30))
        self.assertEqual(len(mails), 1)
        self.assertMailMail(
            self.customer,
            "outgoing",
            content="30.75",
            fields_values={
                "subject": f"{self.env.company.name}: new price for Maintenance ({order.name}) from 03/01/2027",
                "attachments_info": [],
            },
        )
        self.assertEqual(
            (line.icasa_index_notice_date, line.icasa_index_notice_old_price, line.icasa_index_notice_price),
            (date(2027, 3, 1), 30.0, 30.75),
        )
        self.assertIn("yearly increase of 2.5", mails.body_html)
        # once per anniversary: the next days send nothing more
        self.assertFalse(self._notice(date(2027, 1, 31)))
        self.assertFalse(self._notice(date(2027, 3, 1)))
        # a company that announces 60 days ahead: the next anniversary, 2028, from 1 January 2028
        self.env.company.icasa_index_notice_days = 60
        self.assertFalse(self._notice(date(2027, 12, 31)))
        self.assertEqual(len(self._notice(date(2028, 1, 1))), 1)
        self.assertEqual(line.icasa_index_notice_date, date(2028, 3, 1))

    def test_price_change_notice_formula(self):
        """An index formula, announced with the latest index value known:
        P = 30 x (0.2 + 0.8 x 112.5 / 100) = 33.00."""
        index = self.env["icasa.price.index"].create(
            {
                "name": "Labour",
                "value_ids": [
                    Command.create({"month": date(2027, 1, 1), "value": 100.0}),
                    Command.create({"month": date(2027, 12, 1), "value": 112.5}),
                ],
            }
        )
        order = self._subscription(self.monthly, date(2027, 1, 1))
        order.order_line.write(
            {
                "icasa_indexation": "formula",
                "icasa_index_id": index.id,
                "icasa_index_a": 0.2,
                "icasa_index_b": 0.8,
                "icasa_index_base": 100.0,
                "icasa_index_base_price": 30.0,
            }
        )
        mails = self._notice(date(2027, 12, 10))
        self.assertEqual(len(mails), 1)
        self.assertEqual(mails.recipient_ids, self.customer)
        self.assertIn("$\xa033.00", mails.body_html)
        self.assertIn("P = P0", mails.body_html)
        # an unchanged price, a closed subscription or no indexation: no notice
        flat = self._subscription(self.monthly, date(2027, 1, 1))
        flat.order_line.write({"icasa_indexation": "percent", "icasa_index_percent": 0.0})
        self.assertFalse(self._notice(date(2027, 12, 11)))
