from odoo.exceptions import UserError
from odoo.tests import tagged

from odoo.addons.icasa_ev_billing.tests.common import IcasaMilestoneCommon


@tagged("post_install", "-at_install")
class TestMilestonePayer(IcasaMilestoneCommon):
    """The milestone invoices of an order a leasing company pays go to the
    leasing company, and can be credited by amount with the credit wizard."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.lessor = cls.env["res.partner"].create({"name": "Lease Plan BV", "is_company": True})
        cls.agreement = cls.env["icasa.partner.agreement"].create(
            {"name": "Lease Plan drivers", "partner_id": cls.lessor.id, "role": "leasing", "payer_kind": "partner"}
        )
        cls.customer.icasa_agreement_id = cls.agreement

    def test_milestone_invoice_goes_to_the_partner_and_credits_by_amount(self):
        order = self._order()
        self.assertEqual((order.icasa_payer_kind, order.icasa_payer_id), ("partner", self.lessor))
        order.action_confirm()
        invoice = order.icasa_milestone_ids.sorted("sequence")[0].invoice_ids
        # 30% of 1080.00 + 450.00 + 90.00 + 120.00 = 522.00 untaxed, 21% VAT 109.62
        self.assertEqual(invoice.partner_id, self.lessor)
        self.assertEqual(invoice.icasa_end_customer_id, self.customer)
        self.assertEqual((invoice.amount_untaxed, invoice.amount_tax), (522.0, 109.62))
        invoice.action_post()
        wizard = self.env["icasa.credit.wizard"].create(
            {"move_id": invoice.id, "mode": "amount", "amount": 100.0, "reason": "late installation"}
        )
        self.assertEqual(wizard.left_to_credit, 522.0)
        refund = self.env["account.move"].browse(wizard.action_confirm()["res_id"])
        self.assertEqual((refund.state, refund.partner_id, refund.reversed_entry_id), ("posted", self.lessor, invoice))
        self.assertEqual((refund.amount_untaxed, refund.amount_tax), (100.0, 21.0))
        self.assertIn("late installation", refund.ref)
        with self.assertRaisesRegex(UserError, "more than what is left to credit"):
            self.env["icasa.credit.wizard"].create(
                {"move_id": invoice.id, "mode": "amount", "amount": 422.01, "reason": "too much"}
            ).action_confirm()
        with self.assertRaisesRegex(UserError, "no service period"):
            self.env["icasa.credit.wizard"].create(
                {"move_id": invoice.id, "mode": "days", "date_from": invoice.invoice_date, "reason": "days"}
            ).action_confirm()
