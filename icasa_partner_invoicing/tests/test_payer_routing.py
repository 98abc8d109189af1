from datetime import date

from odoo import Command
from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged

from .common import PartnerCommon


@tagged("post_install", "-at_install")
class TestPayerRouting(PartnerCommon):
    def test_partner_pays_everything_end_customer_stays_of_record(self):
        order = self._subscription(self.monthly_calendar, date(2027, 1, 1), partner=self.shop_1)
        self.assertEqual(order.icasa_payer_kind, "partner")
        self.assertEqual(order.icasa_payer_id, self.reseller)
        self.reseller_agreement.consolidate = False
        self._bill(date(2027, 1, 1))
        move = order.icasa_subscription_move_ids
        self.assertEqual(move.partner_id, self.reseller)
        self.assertEqual(move.icasa_end_customer_id, self.shop_1)
        self.assertEqual(move.amount_untaxed, 30.0)
        self.assertEqual(order.partner_id, self.shop_1)
        self.assertEqual(self._rows(order), [(date(2027, 1, 1), "invoice", "partner", "Charge Resell BV", 30.0, True)])

    def test_split_by_line_kind_employer_pays_maintenance_driver_pays_sim(self):
        order = self._subscription(
            self.monthly_calendar,
            date(2027, 1, 1),
            lines=[(self.maintenance, 1, 30.0), (self.sim, 1, 4.5)],
            partner=self.driver_a,
        )
        self.assertEqual(order.icasa_payer_kind, "split")
        self.assertEqual(len(order.icasa_split_rule_ids), 2)
        self._bill(date(2027, 1, 1))
        moves = order.icasa_subscription_move_ids
        employer_move = moves.filtered(lambda m: m.partner_id == self.employer)
        driver_move = moves.filtered(lambda m: m.partner_id == self.driver_a)
        self.assertEqual(employer_move.amount_untaxed, 30.0)
        self.assertEqual(employer_move.invoice_line_ids.product_id, self.maintenance)
        self.assertEqual(driver_move.amount_untaxed, 4.5)
        self.assertEqual(driver_move.invoice_line_ids.product_id, self.sim)
        self.assertEqual(
            self._rows(order),
            [
                (date(2027, 1, 1), "invoice", "customer", "Driver A", 4.5, True),
                (date(2027, 1, 1), "invoice", "partner", "Fleet Co", 30.0, True),
            ],
        )
        # a second run bills nothing twice
        self._bill(date(2027, 1, 15))
        self.assertEqual(len(order.icasa_subscription_move_ids), 2)

    def test_split_by_percentage_rounds_the_partner_share_half_up_and_the_customer_takes_the_rest(self):
        order = self._subscription(
            self.monthly_calendar,
            date(2027, 1, 11),
            lines=[(self.maintenance, 1, 30.0), (self.sim, 1, 4.5)],
            partner=self.customer,
            icasa_payer_kind="split",
            icasa_payer_id=self.employer.id,
            icasa_split_rule_ids=[Command.create({"partner_percent": 60, "customer_percent": 40})],
        )
        self._bill(date(2027, 1, 11))
        moves = order.icasa_subscription_move_ids
        employer_move = moves.filtered(lambda m: m.partner_id == self.employer)
        customer_move = moves.filtered(lambda m: m.partner_id == self.customer)
        # 21 of 31 days: maintenance 30 x 21/31 = 20.32, SIM 4.50 x 21/31 = 3.05
        # 60% of 20.32 = 12.192 -> 12.19 (customer 8.13); 60% of 3.05 = 1.83 (customer 1.22)
        self.assertEqual(
            sorted((line.product_id.name, line.quantity, line.price_unit) for line in employer_move.invoice_line_ids),
            [("Maintenance", 1.0, 12.19), ("SIM data", 1.0, 1.83)],
        )
        self.assertEqual(
            sorted((line.product_id.name, line.price_unit) for line in customer_move.invoice_line_ids),
            [("Maintenance", 8.13), ("SIM data", 1.22)],
        )
        self.assertIn("60% share", employer_move.invoice_line_ids[0].name)
        self.assertAlmostEqual(employer_move.amount_untaxed + customer_move.amount_untaxed, 23.37, places=2)
        # a full month: 18.00 + 2.70 to the employer, 12.00 + 1.80 to the customer
        self._bill(date(2027, 2, 1))
        feb = order.icasa_subscription_move_ids.filtered(lambda m: m.icasa_period_start == date(2027, 2, 1))
        self.assertEqual(
            sorted((m.partner_id.name, m.amount_untaxed) for m in feb),
            [("Charge Point Customer", 13.8), ("Fleet Co", 20.7)],
        )

    def test_quantity_decrease_credits_the_payer_that_was_invoiced(self):
        order = self._subscription(
            self.monthly_calendar,
            date(2027, 1, 1),
            lines=[(self.maintenance, 2, 30.0), (self.sim, 1, 4.5)],
            partner=self.driver_a,
        )
        self._bill(date(2027, 1, 1))
        employer_invoice = order.icasa_subscription_move_ids.filtered(lambda m: m.partner_id == self.employer)
        self.assertEqual(employer_invoice.amount_untaxed, 60.0)
        employer_invoice.action_post()
        line = order.order_line.filtered(lambda line: line.product_id == self.maintenance)
        line.with_context(icasa_effective_date=date(2027, 1, 17)).product_uom_qty = 1
        self._bill(date(2027, 1, 17))
        credit = order.icasa_subscription_move_ids.filtered(lambda m: m.move_type == "out_refund")
        # served: 2 x 30 x 16/31 (15.48 each) + 1 x 30 x 15/31 (14.52) = 45.48; credit 60 - 45.48
        self.assertEqual(credit.partner_id, self.employer)
        self.assertEqual(credit.amount_untaxed, 14.52)
        self.assertEqual(credit.reversed_entry_id, employer_invoice)
        self.assertFalse(
            order.icasa_subscription_move_ids.filtered(
                lambda m: m.partner_id == self.driver_a and m.move_type == "out_refund"
            )
        )

    def test_end_customer_invoice_uses_its_address_terms_and_fiscal_position(self):
        terms = self.env.ref("account.account_payment_term_30days")
        position = self.env["account.fiscal.position"].create({"name": "Intra-EU"})
        billing_contact = self.env["res.partner"].create(
            {"name": "Accounts dept", "type": "invoice", "parent_id": self.shop_1.id}
        )
        customer = self.env["res.partner"].create(
            {
                "name": "Own Payer NV",
                "is_company": True,
                "property_payment_term_id": terms.id,
                "property_account_position_id": position.id,
            }
        )
        contact = self.env["res.partner"].create({"name": "Billing", "type": "invoice", "parent_id": customer.id})
        order = self._subscription(self.monthly_calendar, date(2027, 1, 1), partner=customer)
        self.assertEqual(order.icasa_payer_kind, "customer")
        self._bill(date(2027, 1, 1))
        move = order.icasa_subscription_move_ids
        self.assertEqual(move.partner_id, contact)
        self.assertEqual(move.invoice_payment_term_id, terms)
        self.assertEqual(move.fiscal_position_id, position)
        self.assertTrue(billing_contact)

    def test_one_time_lines_of_a_partner_paid_order_go_to_the_partner(self):
        order = self.env["sale.order"].create(
            {
                "partner_id": self.shop_2.id,
                "order_line": [Command.create({"product_id": self.install.id, "price_unit": 450.0})],
            }
        )
        order.action_confirm()
        invoice = order._create_invoices()
        self.assertEqual(invoice.partner_id, self.reseller)
        self.assertEqual(invoice.icasa_end_customer_id, self.shop_2)
        self.assertEqual(invoice.amount_untaxed, 450.0)

    # ------------------------------------------------------------------
    # Bad input
    # ------------------------------------------------------------------

    def test_a_split_that_does_not_add_up_is_refused(self):
        with self.assertRaisesRegex(ValidationError, "together make 100%"):
            self.env["icasa.payer.split.rule"].create(
                {
                    "agreement_id": self.employer_agreement.id,
                    "billing_role": "connectivity",
                    "partner_percent": 60,
                    "customer_percent": 30,
                }
            )

    def test_a_partner_in_another_currency_is_refused(self):
        eur = self.setup_other_currency("EUR")
        self.reseller_agreement.currency_id = eur
        with self.assertRaisesRegex(ValidationError, "is billed in EUR"):
            self._subscription(self.monthly_calendar, date(2027, 1, 1), partner=self.shop_3)

    def test_paying_for_oneself_and_a_split_without_lines_are_refused(self):
        with self.assertRaisesRegex(ValidationError, "its own customer"):
            self._subscription(
                self.monthly_calendar, date(2027, 1, 1), icasa_payer_kind="partner", icasa_payer_id=self.customer.id
            )
        with self.assertRaisesRegex(ValidationError, "no split line"):
            self._subscription(
                self.monthly_calendar, date(2027, 1, 1), icasa_payer_kind="split", icasa_payer_id=self.employer.id
            )

    def test_a_partner_without_a_receivable_account_in_the_company_is_refused(self):
        # a company without a chart of accounts gives the partner no receivable account there
        bare_company = self.env["res.company"].create(
            {"name": "No Chart Energy", "currency_id": self.env.company.currency_id.id}
        )
        self.assertFalse(self.reseller.with_company(bare_company).property_account_receivable_id)
        with self.assertRaisesRegex(
            ValidationError,
            r"Charge Resell BV, who pays Resell abroad, has no receivable account in No Chart Energy\. "
            r"Set one on the partner's Accounting tab\.",
        ):
            self.env["icasa.partner.agreement"].create(
                {
                    "name": "Resell abroad",
                    "partner_id": self.reseller.id,
                    "company_id": bare_company.id,
                    "payer_kind": "partner",
                }
            )
        # the same partner, in the company that has its receivable account, is accepted
        agreement = self.env["icasa.partner.agreement"].create(
            {"name": "Resell at home", "partner_id": self.reseller.id, "payer_kind": "partner"}
        )
        self.assertEqual(agreement.company_id, self.env.company)

    def test_the_split_of_a_billed_subscription_is_fixed(self):
        order = self._subscription(self.monthly_calendar, date(2027, 1, 1), partner=self.driver_b)
        self._bill(date(2027, 1, 1))
        with self.assertRaisesRegex(UserError, "has billed periods"):
            order.icasa_payer_kind = "customer"
        with self.assertRaisesRegex(UserError, "has billed periods"):
            order.icasa_split_rule_ids[:1].partner_percent = 50
