from datetime import date, timedelta

from odoo import Command, fields
from odoo.exceptions import UserError, ValidationError
from odoo.tests import Form, tagged

from .self_billing_common import SelfBillingCommon


@tagged("post_install", "-at_install")
class TestSelfBilling(SelfBillingCommon):
    def test_monthly_statement_and_credit_note_reversal(self):
        """The worked example: January's shares on one bill; February's credit
        note of January's invoice gives them back on February's statement."""
        inv1 = self._invoice(
            self.anna,
            [(self.maintenance, 4, 30.0), (self.installation, 1, 450.0), (self.wallbox, 1, 1200.0)],
            date(2027, 1, 10),
        )
        inv2 = self._invoice(self.bram, [(self.maintenance, 1, 15.05)], date(2027, 1, 20))
        # not an end customer of the reseller; dated before the share starts
        self._invoice(self.stranger, [(self.maintenance, 1, 100.0)], date(2027, 1, 12))
        self._invoice(self.anna, [(self.maintenance, 1, 50.0)], date(2026, 12, 20))

        bill = self._run(date(2027, 2, 1))
        # 10% of 120.00 = 12.00; 12.5% of 450.00 = 56.25; 10% of 15.05 = 1.505 -> 1.51 (half up);
        # the wallbox earns nothing; taxes are not shared
        self.assertRecordValues(
            bill,
            [
                {
                    "move_type": "in_invoice",
                    "partner_id": self.reseller.id,
                    "state": "posted",
                    "amount_untaxed": 69.76,
                    "icasa_self_billing_agreement_id": self.agreement.id,
                    "icasa_self_billing_period_start": date(2027, 1, 1),
                    "icasa_self_billing_period_end": date(2027, 1, 31),
                }
            ],
        )
        self.assertEqual(
            [(line.name, line.price_subtotal) for line in bill.invoice_line_ids.sorted("sequence")],
            [
                ("Revenue share: 10% of Maintenance, January 2027", 13.51),
                ("Revenue share: 12.5% of Installation, January 2027", 56.25),
            ],
        )
        self.assertEqual(
            self._table(bill.icasa_revenue_share_ids.sorted("id")),
            [
                ("share", inv1.name, "Maintenance plan", 120.0, 10.0, 12.0),
                ("share", inv1.name, "Installation", 450.0, 12.5, 56.25),
                ("share", inv2.name, "Maintenance plan", 15.05, 10.0, 1.51),
            ],
        )
        # a second run in the month bills nothing again
        self.assertFalse(self._run(date(2027, 2, 1)))
        self.assertEqual(len(self._shares()), 3)

        refund = self._credit(inv1, date(2027, 2, 5))
        inv3 = self._invoice(self.anna, [(self.maintenance, 2, 30.0)], date(2027, 2, 10))
        bill2 = self._run(date(2027, 3, 1))
        # -12.00 - 56.25 + 6.00 = -62.25: the reseller owes, a vendor refund
        self.assertRecordValues(bill2, [{"move_type": "in_refund", "amount_untaxed": 62.25, "state": "posted"}])
        self.assertEqual(
            self._table(bill2.icasa_revenue_share_ids.sorted("id")),
            [
                ("share", refund.name, "Maintenance plan", -120.0, 10.0, -12.0),
                ("share", refund.name, "Installation", -450.0, 12.5, -56.25),
                ("share", inv3.name, "Maintenance plan", 60.0, 10.0, 6.0),
            ],
        )
        # per invoice line and partner, the net is the share of the lines that count
        maintenance_1 = inv1.invoice_line_ids.filtered(lambda line: line.product_id == self.maintenance)
        maintenance_r = refund.invoice_line_ids.filtered(lambda line: line.product_id == self.maintenance)
        shares = self._shares()
        self.assertEqual(sum(shares.filtered(lambda r: r.move_line_id == maintenance_1).mapped("amount")), 12.0)
        self.assertEqual(sum(shares.filtered(lambda r: r.move_line_id == maintenance_r).mapped("amount")), -12.0)
        self.assertFalse(self._run(date(2027, 4, 1)), "nothing new in March: no bill")

        # the statement lists each customer document, its end customer, base, percent and share
        html = self._statement_text(bill)
        for text in (inv1.name, inv2.name, "Anna de Vries", "Bram Jansen", "120.00", "56.25", "1.51", "69.76"):
            self.assertIn(text, html)
        self.assertNotIn("AC wallbox", html)
        html2 = self._statement_text(bill2)
        for text in (refund.name, inv3.name, "-120.00", "-56.25", "6.00", "-62.25"):
            self.assertIn(text, html2)

    def test_cancelled_invoice_share_dropped_before_billing_reversed_after(self):
        inv_a = self._invoice(self.anna, [(self.maintenance, 3, 30.0)], date(2027, 1, 10))
        inv_b = self._invoice(self.bram, [(self.maintenance, 1, 40.0)], date(2027, 1, 11))
        self.env["icasa.self.billing"].sudo()._sync(self.agreement, date(2027, 1, 31))
        self.assertEqual([round(r.amount, 2) for r in self._shares()], [9.0, 4.0])
        # cancelled before any statement carries it: the share is dropped
        inv_b.button_cancel()
        bill = self._run(date(2027, 2, 1))
        self.assertEqual(bill.amount_untaxed, 9.0)
        self.assertEqual([round(r.amount, 2) for r in self._shares()], [9.0])

        # cancelled once billed: reversed on the next statement
        inv_a.button_cancel()
        bill2 = self._run(date(2027, 3, 1))
        self.assertRecordValues(bill2, [{"move_type": "in_refund", "amount_untaxed": 9.0}])
        self.assertEqual(
            [(r.kind, round(r.amount, 2), r.note, r.is_open) for r in bill2.icasa_revenue_share_ids],
            [("reversal", -9.0, "cancelled", False)],
        )
        # back to draft and posted again: a new share, billed once more
        inv_a.button_draft()
        inv_a.action_post()
        bill3 = self._run(date(2027, 4, 1))
        self.assertEqual(bill3.amount_untaxed, 9.0)
        line = inv_a.invoice_line_ids
        rows = self._shares().filtered(lambda r: r.move_line_id == line)
        self.assertEqual(
            [(r.kind, round(r.amount, 2), r.is_open) for r in rows],
            [
                ("share", 9.0, False),
                ("reversal", -9.0, False),
                ("share", 9.0, True),
            ],
        )
        self.assertEqual(sum(rows.mapped("amount")), 9.0)

    def test_reset_and_posted_again_before_the_run_bills_nothing(self):
        inv_a = self._invoice(self.anna, [(self.maintenance, 3, 30.0)], date(2027, 1, 10))
        self.assertEqual(self._run(date(2027, 2, 1)).amount_untaxed, 9.0)
        inv_a.button_draft()
        self.env["icasa.self.billing"].sudo()._sync(self.agreement, date(2027, 2, 3))
        self.assertEqual([(r.kind, round(r.amount, 2)) for r in self._shares()], [("share", 9.0), ("reversal", -9.0)])
        inv_a.action_post()
        # the reversal no statement carried is withdrawn: the share is owed, and paid, once
        self.assertFalse(self._run(date(2027, 3, 1)))
        self.assertEqual([(r.kind, round(r.amount, 2), r.is_open) for r in self._shares()], [("share", 9.0, True)])

    def test_changed_amount_after_billing_reverses_and_shares_again(self):
        inv_a = self._invoice(self.anna, [(self.maintenance, 3, 30.0)], date(2027, 1, 10))
        self._run(date(2027, 2, 1))
        inv_a.button_draft()
        inv_a.invoice_line_ids.price_unit = 40.0
        inv_a.action_post()
        bill = self._run(date(2027, 3, 1))
        # -9.00 + 12.00
        self.assertEqual(bill.amount_untaxed, 3.0)
        self.assertEqual(
            [(r.kind, round(r.amount, 2), r.note) for r in bill.icasa_revenue_share_ids.sorted("id")],
            [("reversal", -9.0, "amount changed"), ("share", 12.0, False)],
        )

    def test_paid_basis(self):
        self.agreement.self_billing_basis = "paid"
        inv_a = self._invoice(self.anna, [(self.maintenance, 1, 100.0)], date(2027, 1, 10))
        inv_b = self._invoice(self.anna, [(self.maintenance, 1, 50.0)], date(2027, 1, 15))
        self._pay(inv_a, date(2027, 1, 20))  # 121.00 with tax
        self._pay(inv_b, date(2027, 1, 20), amount=30.0)  # of 60.50: partly paid
        bill = self._run(date(2027, 2, 1))
        self.assertEqual(bill.amount_untaxed, 10.0)
        self._pay(inv_b, date(2027, 2, 10))
        self.assertEqual(self._run(date(2027, 3, 1)).amount_untaxed, 5.0)
        # a credit note of a paid invoice gives the share back once the customer is refunded
        refund = self._credit(inv_a, date(2027, 3, 5))
        self.assertFalse(self._run(date(2027, 4, 1)))
        self._pay(refund, date(2027, 4, 10))
        bill4 = self._run(date(2027, 5, 1))
        self.assertRecordValues(bill4, [{"move_type": "in_refund", "amount_untaxed": 10.0}])

    def test_paid_basis_partial_credit_note_waits_for_the_invoice(self):
        self.agreement.self_billing_basis = "paid"
        inv = self._invoice(self.anna, [(self.maintenance, 1, 100.0)], date(2027, 1, 10))
        # 40.00 credited on the unpaid invoice: the credit note is settled against it, the invoice is not
        self._credit(inv, date(2027, 1, 12), prices={self.maintenance: 40.0})
        self.assertFalse(self._run(date(2027, 2, 1)))
        self._pay(inv, date(2027, 2, 3))  # the remaining 72.60
        # 10% of 100.00 - 10% of 40.00
        self.assertEqual(self._run(date(2027, 3, 1)).amount_untaxed, 6.0)

    def test_fixed_amount_per_asset_and_share_of_a_site(self):
        host = self.env["res.partner"].create({"name": "Parking Centraal", "is_company": True})
        site = self.env["res.partner"].create({"name": "P1 Stationsplein", "parent_id": host.id, "type": "delivery"})
        elsewhere = self.env["res.partner"].create({"name": "Somewhere else"})
        fuelco = self.env["res.partner"].create({"name": "FuelCo", "is_company": True})
        agreement = self.env["icasa.partner.agreement"].create(
            {
                "name": "Parking Centraal site",
                "partner_id": host.id,
                "role": "site_host",
                "payer_kind": "customer",
                "consolidate": False,
                "share_start_date": date(2027, 1, 1),
                "share_rule_ids": [
                    Command.create({"share_kind": "fixed", "fixed_amount": 5.0}),
                    Command.create({"share_kind": "percent", "percent": 10.0, "billing_role": "maintenance"}),
                ],
            }
        )
        self.assertEqual(agreement.share_scope, "sites")
        Asset = self.env["icasa.installed.asset"]
        for serial, day, where in (
            ("SN-A1", date(2027, 1, 15), site),
            ("SN-A2", date(2027, 2, 3), site),
            ("SN-A3", date(2027, 1, 10), elsewhere),
            ("SN-A4", date(2027, 3, 2), site),
        ):
            Asset.create(
                {
                    "serial_number": serial,
                    "asset_type_id": self.asset_type.id,
                    "partner_id": fuelco.id,
                    "site_partner_id": where.id,
                    "install_date": day,
                }
            )
        order = self.env["sale.order"].create(
            {
                "partner_id": fuelco.id,
                "partner_shipping_id": site.id,
                "order_line": [
                    Command.create({"product_id": self.maintenance.id, "product_uom_qty": 2, "price_unit": 30.0}),
                    Command.create({"product_id": self.sim.id, "product_uom_qty": 2, "price_unit": 4.5}),
                ],
            }
        )
        order.action_confirm()
        invoice = order._create_invoices()
        invoice.invoice_date = date(2027, 2, 10)
        invoice.action_post()

        bill = self._run(date(2027, 3, 1), agreement)
        # 5.00 x (A1 January, A1 February, A2 February) + 10% of 60.00 (maintenance; the SIM earns nothing)
        self.assertEqual(bill.amount_untaxed, 21.0)
        rows = bill.icasa_revenue_share_ids
        self.assertEqual(
            sorted((r.kind, r.asset_id.serial_number or "", r.period_start or False, r.amount) for r in rows),
            [
                ("fixed", "SN-A1", date(2027, 1, 1), 5.0),
                ("fixed", "SN-A1", date(2027, 2, 1), 5.0),
                ("fixed", "SN-A2", date(2027, 2, 1), 5.0),
                ("share", "", False, 6.0),
            ],
        )
        # March: A1, A2 and A4 (installed 2 March)
        self.assertEqual(self._run(date(2027, 4, 1), agreement).amount_untaxed, 15.0)
        self.assertEqual(len(self._shares(agreement).filtered(lambda r: r.kind == "fixed")), 6)

    def test_share_percent_out_of_range_is_refused(self):
        with self.assertRaisesRegex(ValidationError, r"150% on agreement VoltPartners resale is above 100%"):
            self.agreement.share_rule_ids = [Command.create({"share_kind": "percent", "percent": 150.0})]
        with self.assertRaisesRegex(ValidationError, r"-5% on agreement VoltPartners resale is below 0%"):
            self.agreement.share_rule_ids = [Command.create({"share_kind": "percent", "percent": -5.0})]
        rule = self.agreement.share_rule_ids[0]
        with self.assertRaisesRegex(ValidationError, r"100.5% on agreement VoltPartners resale is above 100%"):
            rule.percent = 100.5
            rule.flush_recordset()
        with self.assertRaisesRegex(ValidationError, "negative"):
            self.agreement.share_rule_ids = [Command.create({"share_kind": "fixed", "fixed_amount": -1.0})]
        with self.assertRaisesRegex(ValidationError, "has no amount"):
            self.agreement.share_rule_ids = [Command.create({"share_kind": "fixed", "fixed_amount": 0.0})]
        # the bounds themselves are fine
        self.agreement.share_rule_ids = [
            Command.create({"share_kind": "percent", "percent": 100.0, "product_ids": [Command.set(self.sim.ids)]}),
            Command.create({"share_kind": "percent", "percent": 0.0, "product_ids": [Command.set(self.wallbox.ids)]}),
        ]
        self.assertEqual(len(self.agreement.share_rule_ids), 4)

    def test_edited_draft_bill_refused_cancelled_bill_billed_again(self):
        self.agreement.self_billing_auto_post = False
        self._invoice(self.anna, [(self.maintenance, 3, 30.0)], date(2027, 1, 10))
        bill = self._run(date(2027, 2, 1))
        self.assertRecordValues(bill, [{"state": "draft", "amount_untaxed": 9.0}])
        bill.invoice_line_ids.price_unit = 10.0
        with self.assertRaisesRegex(UserError, "statement of revenue shares adds up to"):
            bill.action_post()
        bill.button_cancel()
        self.assertEqual(self._shares().mapped("state"), ["pending"])
        bill2 = self._run(date(2027, 3, 1))
        self.assertEqual(bill2.amount_untaxed, 9.0)
        self.assertEqual(self._shares().bill_id, bill2)
        # a deleted draft bill also gives its shares back
        bill2.unlink()
        self.assertEqual(self._shares().mapped("state"), ["pending"])
        with self.assertRaises(UserError):
            self._shares().unlink()

    def test_deleted_invoice_line_reverses_its_billed_share(self):
        inv = self._invoice(self.anna, [(self.maintenance, 3, 30.0), (self.maintenance, 1, 10.0)], date(2027, 1, 10))
        self._run(date(2027, 2, 1))
        inv.button_draft()
        inv.invoice_line_ids[1].unlink()
        inv.action_post()
        bill = self._run(date(2027, 3, 1))
        self.assertRecordValues(bill, [{"move_type": "in_refund", "amount_untaxed": 1.0}])
        self.assertEqual(bill.icasa_revenue_share_ids.mapped("note"), ["deleted"])

    def test_failing_agreement_reported_others_billed(self):
        other = self.agreement.copy({"name": "Broken resale", "partner_id": self.stranger.id})
        self.env["res.partner"].create({"name": "Cora", "icasa_agreement_id": other.id}).ensure_one()
        cora = other.end_customer_ids
        self._invoice(cora, [(self.maintenance, 1, 100.0)], date(2027, 1, 10))
        self._invoice(self.anna, [(self.maintenance, 1, 100.0)], date(2027, 1, 10))
        other.self_billing_journal_id = False
        bills = self._run(date(2027, 2, 1), self.agreement | other)
        self.assertEqual(bills.icasa_self_billing_agreement_id, self.agreement)
        self.assertIn("has no self-billing journal", other.message_ids[0].body)
        self.assertFalse(other.revenue_share_ids, "the failed agreement's shares are rolled back")

    def test_cron_bills_the_month_before(self):
        self._invoice(self.anna, [(self.maintenance, 1, 100.0)], date(2027, 1, 10))
        self.env["icasa.self.billing"].sudo()._cron_self_billing(today=date(2027, 2, 1))
        self.assertEqual(self.agreement.self_billing_bill_ids.amount_untaxed, 10.0)
        self.assertEqual(self.agreement.self_billing_bill_count, 1)

    def test_agreement_of_another_company_billed_in_its_company(self):
        other = self.setup_other_company()
        company = other["company"]
        self.env.user.company_ids |= company
        host = self.env["res.partner"].create({"name": "Lyon Parking SA", "is_company": True})
        customer = self.env["res.partner"].create({"name": "Client Lyon"})
        agreement = (
            self.env["icasa.partner.agreement"]
            .with_company(company)
            .create(
                {
                    "name": "Lyon resale",
                    "partner_id": host.id,
                    "company_id": company.id,
                    "role": "reseller",
                    "payer_kind": "customer",
                    "consolidate": False,
                    "share_start_date": date(2027, 1, 1),
                    "share_rule_ids": [Command.create({"share_kind": "percent", "percent": 20.0})],
                }
            )
        )
        customer.icasa_agreement_id = agreement
        self.assertEqual(agreement.self_billing_journal_id, other["default_journal_purchase"])
        invoice = (
            self.env["account.move"]
            .with_company(company)
            .create(
                {
                    "move_type": "out_invoice",
                    "partner_id": customer.id,
                    "invoice_date": date(2027, 1, 10),
                    "invoice_line_ids": [
                        Command.create({"product_id": self.sim.id, "quantity": 1, "price_unit": 80.0, "tax_ids": []})
                    ],
                }
            )
        )
        invoice.action_post()
        # the cron runs in the main company: the bill is made in the agreement's
        self.env["icasa.self.billing"].sudo()._cron_self_billing(today=date(2027, 2, 1))
        self.assertRecordValues(
            agreement.self_billing_bill_ids,
            [{"company_id": company.id, "journal_id": other["default_journal_purchase"].id, "amount_untaxed": 16.0}],
        )
        self.assertFalse(self.agreement.self_billing_bill_ids, "nothing billed to the reseller of the main company")

    def test_credit_note_gives_back_at_the_invoice_percent(self):
        inv = self._invoice(self.anna, [(self.maintenance, 4, 30.0)], date(2027, 1, 10))
        self.assertEqual(self._run(date(2027, 2, 1)).amount_untaxed, 12.0)
        # the reseller earns 20% from February: January's invoice is credited at its 10%
        self.agreement.share_rule_ids.filtered(lambda r: r.billing_role == "maintenance").percent = 20.0
        self._credit(inv, date(2027, 2, 5), prices={self.maintenance: 15.0})
        self._invoice(self.anna, [(self.maintenance, 1, 30.0)], date(2027, 2, 10))
        bill = self._run(date(2027, 3, 1))
        # -10% of 60.00 + 20% of 30.00
        self.assertEqual(
            [(r.document_name[:4], r.percent, round(r.amount, 2)) for r in bill.icasa_revenue_share_ids.sorted("id")],
            [("RINV", 10.0, -6.0), ("INV/", 20.0, 6.0)],
        )
        self.assertEqual(bill.amount_untaxed, 0.0)
        self.assertEqual(bill.move_type, "in_invoice")

    def test_agreement_buttons_and_form(self):
        # the buttons work on today: an invoice of last month
        day = fields.Date.context_today(self.agreement).replace(day=1) - timedelta(days=20)
        self.agreement.share_start_date = day.replace(day=1)
        self._invoice(self.anna, [(self.maintenance, 1, 100.0)], day)
        action = self.agreement.action_icasa_update_shares()
        self.assertEqual(self.env["icasa.revenue.share"].search(action["domain"]).mapped("amount"), [10.0])
        self.assertEqual(self.agreement.share_pending_amount, 10.0)
        action = self.agreement.action_icasa_self_bill()
        bill = self.env["account.move"].browse(action["res_id"])
        self.assertEqual(bill.icasa_self_billing_agreement_id, self.agreement)
        self.assertEqual(self.agreement.share_pending_amount, 0.0)
        self.assertEqual(
            bill.with_context(discard_logo_check=True).action_icasa_print_statement()["report_name"],
            "icasa_partner_invoicing.report_self_billing_statement",
        )
        # the Revenue Share tab of the agreement form, as a user fills it in
        with Form(self.agreement) as form:
            form.self_billing_basis = "paid"
            with form.share_rule_ids.new() as rule:
                rule.share_kind = "fixed"
                rule.fixed_amount = 5.0
        self.assertIn("5.00 per asset per month", self.agreement.share_rule_ids[-1].name)
        with self.assertRaisesRegex(ValidationError, "above 100%"), Form(self.agreement) as form:
            with form.share_rule_ids.new() as rule:
                rule.percent = 120.0
