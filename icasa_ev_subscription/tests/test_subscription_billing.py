from datetime import date

from freezegun import freeze_time
from psycopg2 import IntegrityError

from odoo import Command
from odoo.exceptions import ValidationError
from odoo.tests import Form, tagged
from odoo.tools import mute_logger

from .common import SubscriptionCommon


@tagged("post_install", "-at_install")
class TestSubscriptionBilling(SubscriptionCommon):
    def test_calendar_aligned_first_period_is_prorated(self):
        # 30.00/month from 17 January, calendar-aligned: 30 x 15/31 = 14.516... -> 14.52
        order = self._subscription(self.monthly_calendar, date(2027, 1, 17))
        self.assertEqual(order.icasa_subscription_state, "active")
        self.assertEqual(order.icasa_next_invoice_date, date(2027, 1, 17))
        self._bill(date(2027, 1, 17))
        move = order.icasa_subscription_move_ids
        self.assertEqual(len(move), 1)
        self.assertEqual(move.invoice_line_ids.price_unit, 14.52)
        self.assertEqual(move.amount_untaxed, 14.52)
        line = move.invoice_line_ids
        self.assertEqual((line.icasa_period_start, line.icasa_period_end), (date(2027, 1, 17), date(2027, 1, 31)))
        self.assertIn("01/17/2027", line.name)
        self.assertIn("01/31/2027", line.name)
        self.assertEqual(order.icasa_next_invoice_date, date(2027, 2, 1))
        # then 30.00 from 1 February
        self._bill(date(2027, 2, 1))
        feb = order.icasa_subscription_move_ids - move
        self.assertEqual(feb.amount_untaxed, 30.0)
        self.assertEqual(
            (feb.invoice_line_ids.icasa_period_start, feb.invoice_line_ids.icasa_period_end),
            (date(2027, 2, 1), date(2027, 2, 28)),
        )

    def test_a_period_label_follows_a_new_date_format_of_its_language(self):
        # a date format changed on the language shows on the next label of the
        # same period (guards any caching of the labels' dates)
        order = self._subscription(self.monthly, date(2027, 1, 1))
        line = order.order_line
        first, last = date(2027, 1, 1), date(2027, 1, 31)
        self.assertEqual(line._icasa_period_label(first, last), "Maintenance\n01/01/2027 to 01/31/2027")
        self.env["res.lang"]._activate_lang("en_US").date_format = "%d.%m.%Y"
        self.assertEqual(line._icasa_period_label(first, last), "Maintenance\n01.01.2027 to 31.01.2027")
        self._bill(date(2027, 1, 1))
        self.assertEqual(
            order.icasa_subscription_move_ids.invoice_line_ids.name, "Maintenance\n01.01.2027 to 31.01.2027"
        )

    def test_month_ends_never_drift(self):
        order = self._subscription(self.monthly, date(2027, 1, 31))
        self._bill(date(2027, 5, 31))
        self.assertEqual(
            self._ledger(order),
            [
                (date(2027, 1, 31), date(2027, 2, 27), "invoice"),
                (date(2027, 2, 28), date(2027, 3, 30), "invoice"),
                (date(2027, 3, 31), date(2027, 4, 29), "invoice"),
                (date(2027, 4, 30), date(2027, 5, 30), "invoice"),
                (date(2027, 5, 31), date(2027, 6, 29), "invoice"),
            ],
        )
        self.assertEqual(set(order.icasa_subscription_move_ids.mapped("amount_untaxed")), {30.0})

    def test_catch_up_missed_periods_and_rerun_adds_nothing(self):
        order = self._subscription(self.monthly, date(2027, 1, 1))
        result = self._bill(date(2027, 4, 15))
        self.assertEqual(result["documents"], 4)
        self.assertEqual([p[0] for p in self._ledger(order)], [date(2027, m, 1) for m in (1, 2, 3, 4)])
        again = self._bill(date(2027, 4, 15))
        self.assertEqual(again, {"subscriptions": 0, "documents": 0, "failed": 0})
        self.assertEqual(len(order.icasa_subscription_move_ids), 4)

    def test_ledger_refuses_a_second_invoice_for_a_period(self):
        order = self._subscription(self.monthly, date(2027, 1, 1))
        self._bill(date(2027, 1, 1))
        Period = self.env["icasa.subscription.period"].sudo()  # as the engine writes it
        with self.assertRaises(IntegrityError), mute_logger("odoo.sql_db"), self.env.cr.savepoint():
            Period.create(
                {
                    "order_id": order.id,
                    "period_start": date(2027, 1, 1),
                    "period_end": date(2027, 1, 31),
                    "billing_key": date(2027, 1, 1),
                }
            )
        # corrections are not first documents: they may share the period start
        Period.create(
            {"order_id": order.id, "period_start": date(2027, 1, 1), "period_end": date(2027, 1, 31), "kind": "credit"}
        )

    def test_postpaid_bills_after_the_period(self):
        order = self._subscription(self.monthly_postpaid, date(2027, 1, 10))
        self.assertEqual(order.icasa_next_invoice_date, date(2027, 2, 10))
        self._bill(date(2027, 2, 9))
        self.assertFalse(order.icasa_period_ids)
        self._bill(date(2027, 2, 10))
        self.assertEqual(self._ledger(order), [(date(2027, 1, 10), date(2027, 2, 9), "invoice")])

    def test_prepaid_days_before(self):
        plan = self._plan("Prepaid 5 days before", days_before=5)
        order = self._subscription(plan, date(2027, 3, 1))
        self.assertEqual(order.icasa_next_invoice_date, date(2027, 2, 24))
        self._bill(date(2027, 3, 27))
        self.assertEqual([p[0] for p in self._ledger(order)], [date(2027, 3, 1), date(2027, 4, 1)])

    def test_partial_last_period_at_end_date(self):
        order = self._subscription(self.monthly, date(2027, 1, 1), icasa_end_date=date(2027, 3, 10))
        self._bill(date(2027, 6, 1))
        self.assertEqual(
            self._ledger(order),
            [
                (date(2027, 1, 1), date(2027, 1, 31), "invoice"),
                (date(2027, 2, 1), date(2027, 2, 28), "invoice"),
                (date(2027, 3, 1), date(2027, 3, 10), "invoice"),
            ],
        )
        last = order.icasa_period_ids.sorted("period_start")[-1].move_id
        # 30 x 10/31 = 9.677... -> 9.68
        self.assertEqual(last.amount_untaxed, 9.68)
        self.assertFalse(order.icasa_next_invoice_date)
        self.assertEqual(order.icasa_subscription_state, "closed")
        self.assertEqual(order.icasa_close_reason_id, self.env.ref("icasa_ev_subscription.close_reason_end_of_term"))

    def test_two_lines_and_one_time_line_on_first_invoice_only(self):
        order = self._subscription(
            self.monthly,
            date(2027, 1, 1),
            lines=[(self.maintenance, 2, 30.0), (self.sim, 2, 4.5), (self.install, 1, 450.0)],
        )
        self.assertEqual(order.icasa_mrr, 69.0)
        self._bill(date(2027, 2, 1))
        jan, feb = order.icasa_period_ids.sorted("period_start").move_id
        self.assertEqual(jan.amount_untaxed, 60.0 + 9.0 + 450.0)
        self.assertEqual(feb.amount_untaxed, 69.0)
        install_line = order.order_line.filtered(lambda line: line.product_id == self.install)
        self.assertEqual(install_line.qty_invoiced, 1.0)

    def test_invoice_respects_fiscal_position_terms_and_journal(self):
        self.customer.property_payment_term_id = self.pay_terms_b
        order = self._subscription(self.monthly, date(2027, 1, 1), fiscal_position_id=self.fiscal_pos_a.id)
        self._bill(date(2027, 1, 1))
        move = order.icasa_subscription_move_ids
        self.assertEqual(move.invoice_payment_term_id, self.pay_terms_b)
        self.assertEqual(move.fiscal_position_id, self.fiscal_pos_a)
        self.assertEqual(move.currency_id, order.currency_id)
        self.assertEqual(move.company_id, order.company_id)
        self.assertEqual(move.invoice_origin, order.name)
        self.assertEqual(move.state, "draft")

    def test_auto_post(self):
        plan = self._plan("Posted", auto_post=True)
        order = self._subscription(plan, date(2027, 1, 1))
        self._bill(date(2027, 1, 1))
        self.assertEqual(order.icasa_subscription_move_ids.state, "posted")

    def test_invoice_now_uses_the_same_path(self):
        order = self._subscription(self.monthly, date(2027, 1, 1))
        with self.subTest("no double billing through the button"):
            with freeze_time("2027-02-03"):
                order.action_icasa_invoice_now()
                order.action_icasa_invoice_now()
        self.assertEqual([p[0] for p in self._ledger(order)], [date(2027, 1, 1), date(2027, 2, 1)])

    def test_price_step_splits_the_period_by_days(self):
        order = self._subscription(self.monthly, date(2027, 3, 1))
        line = order.order_line
        self.env["icasa.subscription.price.step"].create(
            {"line_id": line.id, "date_from": date(2027, 3, 16), "price_unit": 36.0, "reason": "new contract"}
        )
        self.assertIn("36.00", order.message_ids[0].body)
        self.assertIn("30.00", order.message_ids[0].body)
        self._bill(date(2027, 4, 1))
        march, april = order.icasa_period_ids.sorted("period_start").move_id
        # 30 x 15/31 + 36 x 16/31 = 14.516 + 18.580 = 33.096 -> parts 14.52 and 18.58
        self.assertEqual(march.invoice_line_ids.mapped("price_unit"), [14.52, 18.58])
        self.assertEqual(march.invoice_line_ids.mapped("icasa_period_end"), [date(2027, 3, 15), date(2027, 3, 31)])
        self.assertEqual(april.amount_untaxed, 36.0)

    def test_overlapping_price_steps_refused(self):
        order = self._subscription(self.monthly, date(2027, 3, 1))
        Step = self.env["icasa.subscription.price.step"]
        Step.create({"line_id": order.order_line.id, "date_from": date(2027, 4, 1), "price_unit": 31.0})
        # an open step runs until the next one: no overlap
        Step.create({"line_id": order.order_line.id, "date_from": date(2027, 5, 1), "price_unit": 32.0})
        with self.assertRaisesRegex(ValidationError, "overlap"):
            Step.create(
                {
                    "line_id": order.order_line.id,
                    "date_from": date(2027, 4, 20),
                    "date_to": date(2027, 5, 5),
                    "price_unit": 33.0,
                }
            )
        with self.assertRaisesRegex(ValidationError, "overlap"):
            Step.create({"line_id": order.order_line.id, "date_from": date(2027, 5, 1), "price_unit": 34.0})

    def test_indexation_formula_on_anniversary(self):
        index = self.env["icasa.price.index"].create(
            {
                "name": "Labour",
                "value_ids": [
                    Command.create({"month": date(2027, 1, 1), "value": 100.0}),
                    Command.create({"month": date(2028, 1, 1), "value": 112.5}),
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
        self._bill(date(2028, 1, 1))
        last = order.icasa_period_ids.sorted("period_start")[-1].move_id
        # P = 30 x (0.2 + 0.8 x 112.5 / 100) = 30 x 1.1 = 33.00
        self.assertEqual(last.amount_untaxed, 33.0)
        self.assertEqual(order.icasa_period_ids.sorted("period_start")[-2].move_id.amount_untaxed, 30.0)
        step = order.order_line.icasa_price_step_ids
        self.assertEqual((step.date_from, step.price_unit), (date(2028, 1, 1), 33.0))
        messages = " ".join(order.message_ids.mapped("body"))
        self.assertIn("33.00", messages)
        self.assertIn("112.5", messages)

    def test_indexation_percentage_no_decrease(self):
        order = self._subscription(self.monthly, date(2027, 1, 1))
        order.order_line.write({"icasa_indexation": "percent", "icasa_index_percent": -5.0, "icasa_no_decrease": True})
        self._bill(date(2028, 1, 1))
        self.assertEqual(order.icasa_period_ids.sorted("period_start")[-1].move_id.amount_untaxed, 30.0)
        order2 = self._subscription(self.monthly, date(2027, 1, 1))
        order2.order_line.write({"icasa_indexation": "percent", "icasa_index_percent": 2.5})
        self._bill(date(2028, 1, 1))
        # 30 x 1.025 = 30.75
        self.assertEqual(order2.icasa_period_ids.sorted("period_start")[-1].move_id.amount_untaxed, 30.75)

    def test_index_base_zero_refused(self):
        order = self._subscription(self.monthly, date(2027, 1, 1))
        index = self.env["icasa.price.index"].create({"name": "I"})
        with self.assertRaisesRegex(ValidationError, "I0"):
            order.order_line.write({"icasa_indexation": "formula", "icasa_index_id": index.id, "icasa_index_base": 0.0})

    def test_plan_change_after_invoicing_applies_from_next_period(self):
        order = self._subscription(self.monthly, date(2027, 1, 10))
        self._bill(date(2027, 1, 10))
        quarterly = self._plan("Quarterly", interval_number=3)
        order.icasa_plan_id = quarterly
        self.assertEqual(order.icasa_next_invoice_date, date(2027, 2, 10))
        self._bill(date(2027, 2, 10))
        self.assertEqual(
            self._ledger(order),
            [(date(2027, 1, 10), date(2027, 2, 9), "invoice"), (date(2027, 2, 10), date(2027, 5, 9), "invoice")],
        )

    def test_generates_sale_orders(self):
        plan = self._plan("Orders", generate="order")
        order = self._subscription(plan, date(2027, 1, 1), lines=[(self.maintenance, 3, 30.0)])
        self._bill(date(2027, 2, 1))
        rows = order.icasa_period_ids.sorted("period_start")
        self.assertEqual(rows.mapped("kind"), ["order", "order"])
        created = rows.sale_order_id
        self.assertEqual(created.mapped("state"), ["sale", "sale"])
        self.assertEqual(created.mapped("amount_untaxed"), [90.0, 90.0])
        self.assertFalse(created.icasa_plan_id)

    def test_partner_language_on_labels(self):
        self.env["res.lang"]._activate_lang("fr_FR")
        self.customer.lang = "fr_FR"
        order = self._subscription(self.monthly, date(2027, 1, 1))
        self._bill(date(2027, 1, 1))
        # French dates: day/month/year
        self.assertIn("01/01/2027", order.icasa_subscription_move_ids.invoice_line_ids.name)
        self.assertIn("31/01/2027", order.icasa_subscription_move_ids.invoice_line_ids.name)

    def test_quote_from_template(self):
        template = self.env["sale.order.template"].create(
            {
                "name": "Care",
                "icasa_plan_id": self.monthly_calendar.id,
                "icasa_term_months": 36,
                "icasa_tacit_renewal": True,
                "sale_order_template_line_ids": [
                    Command.create({"product_id": self.maintenance.id, "product_uom_qty": 1}),
                    Command.create({"product_id": self.sim.id, "product_uom_qty": 1}),
                    Command.create({"product_id": self.install.id, "product_uom_qty": 1}),
                ],
            }
        )
        form = Form(self.env["sale.order"])
        form.partner_id = self.customer
        form.sale_order_template_id = template
        order = form.save()
        self.assertEqual(order.icasa_plan_id, self.monthly_calendar)
        self.assertEqual(order.icasa_subscription_state, "quotation")
        self.assertEqual((order.icasa_term_months, order.icasa_tacit_renewal), (36, True))
        self.assertEqual(order.order_line.mapped("icasa_recurring"), [True, True, False])

    def test_each_subscription_is_billed_in_its_company(self):
        other = self.setup_other_company(name="Second Company")
        company = other["company"]
        order = self._subscription_in(company, self.monthly, date(2027, 1, 1))
        mine = self._subscription(self.monthly, date(2027, 1, 1))
        self._bill(date(2027, 1, 1))
        move = order.icasa_subscription_move_ids
        self.assertEqual(move.company_id, company)
        self.assertEqual(move.journal_id, other["default_journal_sale"])
        self.assertEqual(move.amount_untaxed, 30.0)
        self.assertEqual(mine.icasa_subscription_move_ids.company_id, self.env.company)
        self.assertEqual(order.icasa_period_ids.company_id, company)

    def test_auto_email_queues_the_posted_invoices(self):
        plan = self._plan("Posted and sent", auto_post=True, auto_email=True)
        order = self._subscription(plan, date(2027, 1, 1))
        self._bill(date(2027, 1, 1))
        move = order.icasa_subscription_move_ids
        self.assertEqual(move.state, "posted")
        self.assertTrue(move.sending_data)
        self.assertTrue(move.is_being_sent)

    def test_pricelist_currency_is_kept(self):
        eur = self.setup_other_currency("EUR")
        pricelist = self.env["product.pricelist"].create({"name": "EUR", "currency_id": eur.id})
        order = self._subscription(
            self.monthly, date(2027, 1, 1), lines=[(self.maintenance, 1, 30.0)], pricelist_id=pricelist.id
        )
        self.assertEqual(order.currency_id, eur)
        self._bill(date(2027, 1, 1))
        move = order.icasa_subscription_move_ids
        self.assertEqual(move.currency_id, eur)
        self.assertEqual(move.amount_untaxed, 30.0)
        self.assertEqual(move.journal_id.type, "sale")

    def test_mrr_total_adds_up_in_company_currency(self):
        """30.00 EUR a month at 2 EUR per USD is 15.00 USD; with a 20.00 USD one, the total is 35.00 USD."""
        eur = self.setup_other_currency("EUR")  # 1 USD = 2 EUR from 2017
        pricelist = self.env["product.pricelist"].create({"name": "EUR", "currency_id": eur.id})
        in_eur = self._subscription(
            self.monthly, date(2027, 1, 1), lines=[(self.maintenance, 1, 30.0)], pricelist_id=pricelist.id
        )
        in_usd = self._subscription(self.monthly, date(2027, 1, 1), lines=[(self.maintenance, 1, 20.0)])
        self.assertEqual(self.env.company.currency_id.name, "USD")
        self.assertEqual((in_eur.icasa_mrr, in_eur.icasa_mrr_company), (30.0, 15.0))
        self.assertEqual((in_usd.icasa_mrr, in_usd.icasa_mrr_company), (20.0, 20.0))
        total = self.env["sale.order"].read_group([("id", "in", (in_eur | in_usd).ids)], ["icasa_mrr_company:sum"], [])[
            0
        ]["icasa_mrr_company"]
        self.assertEqual(total, 35.0)

    def test_weekly_calendar_prorata_then_full_weeks(self):
        # Wednesday 6 January 2027; the week starts on Monday 4 January:
        # 5 days of 7 at 30.00 = 21.428... -> 21.43, then 30.00 from Monday 11 January
        plan = self._plan("Weekly calendar", interval_unit="week", alignment="calendar")
        order = self._subscription(plan, date(2027, 1, 6))
        self._bill(date(2027, 1, 11))
        first, second = order.icasa_period_ids.sorted("period_start")
        self.assertEqual((first.period_start, first.period_end), (date(2027, 1, 6), date(2027, 1, 10)))
        self.assertEqual(first.move_id.amount_untaxed, 21.43)
        self.assertEqual((second.period_start, second.period_end), (date(2027, 1, 11), date(2027, 1, 17)))
        self.assertEqual(second.move_id.amount_untaxed, 30.0)
        self.assertEqual(order.icasa_next_invoice_date, date(2027, 1, 18))

    def test_weekly_anniversary_postpaid(self):
        plan = self._plan("Weekly postpaid", interval_unit="week", billing_mode="postpaid")
        order = self._subscription(plan, date(2027, 1, 6))
        self.assertEqual(order.icasa_next_invoice_date, date(2027, 1, 13))
        self._bill(date(2027, 1, 20))
        self.assertEqual(
            self._ledger(order),
            [(date(2027, 1, 6), date(2027, 1, 12), "invoice"), (date(2027, 1, 13), date(2027, 1, 19), "invoice")],
        )

    def test_quarterly_calendar_prorata(self):
        # quarter 1 January - 31 March 2027 = 90 days; from 15 February: 45 days at 90.00 = 45.00
        plan = self._plan("Quarterly calendar", interval_number=3, alignment="calendar")
        order = self._subscription(plan, date(2027, 2, 15), lines=[(self.maintenance, 1, 90.0)])
        self._bill(date(2027, 4, 1))
        first, second = order.icasa_period_ids.sorted("period_start")
        self.assertEqual((first.period_start, first.period_end), (date(2027, 2, 15), date(2027, 3, 31)))
        self.assertEqual(first.move_id.amount_untaxed, 45.0)
        self.assertEqual((second.period_start, second.period_end), (date(2027, 4, 1), date(2027, 6, 30)))
        self.assertEqual(second.move_id.amount_untaxed, 90.0)

    def test_yearly_calendar_prorata(self):
        # 1 July - 31 December 2027: 184 days of 365 at 360.00 = 181.479... -> 181.48
        plan = self._plan("Yearly calendar", interval_unit="year", alignment="calendar")
        order = self._subscription(plan, date(2027, 7, 1), lines=[(self.maintenance, 1, 360.0)])
        self._bill(date(2028, 1, 1))
        first, second = order.icasa_period_ids.sorted("period_start")
        self.assertEqual((first.period_start, first.period_end), (date(2027, 7, 1), date(2027, 12, 31)))
        self.assertEqual(first.move_id.amount_untaxed, 181.48)
        self.assertEqual((second.period_start, second.period_end), (date(2028, 1, 1), date(2028, 12, 31)))
        self.assertEqual(second.move_id.amount_untaxed, 360.0)

    def test_leap_day_anniversary(self):
        # monthly from 31 January 2028 (leap year): 29 February, then back to 31 March
        order = self._subscription(self.monthly, date(2028, 1, 31))
        self._bill(date(2028, 3, 31))
        self.assertEqual([p[0] for p in self._ledger(order)], [date(2028, 1, 31), date(2028, 2, 29), date(2028, 3, 31)])

    def test_indexation_formula_never_decreases(self):
        index = self.env["icasa.price.index"].create(
            {
                "name": "Labour",
                "value_ids": [
                    Command.create({"month": date(2027, 1, 1), "value": 100.0}),
                    Command.create({"month": date(2028, 1, 1), "value": 112.5}),
                    Command.create({"month": date(2029, 1, 1), "value": 90.0}),
                ],
            }
        )
        formula = {
            "icasa_indexation": "formula",
            "icasa_index_id": index.id,
            "icasa_index_a": 0.2,
            "icasa_index_b": 0.8,
            "icasa_index_base": 100.0,
            "icasa_index_base_price": 30.0,
        }
        floored = self._subscription(self.monthly, date(2027, 1, 1))
        floored.order_line.write({**formula, "icasa_no_decrease": True})
        free = self._subscription(self.monthly, date(2027, 1, 1))
        free.order_line.write(formula)
        self._bill(date(2029, 1, 1))
        self._bill(date(2029, 1, 1))  # 25 periods: 24 in the first run, the last in the next

        def amount(order, day):
            return order.icasa_period_ids.filtered(lambda r: r.period_start == day).move_id.amount_untaxed

        # 2028: 30 x (0.2 + 0.8 x 112.5/100) = 33.00, for both
        self.assertEqual(amount(floored, date(2028, 1, 1)), 33.0)
        self.assertEqual(amount(free, date(2028, 1, 1)), 33.0)
        # 2029: 30 x (0.2 + 0.8 x 90/100) = 27.60; the option keeps 33.00
        self.assertEqual(amount(floored, date(2029, 1, 1)), 33.0)
        self.assertEqual(amount(free, date(2029, 1, 1)), 27.6)
        self.assertEqual(floored.order_line.icasa_price_step_ids.mapped("price_unit"), [33.0])
        self.assertEqual(free.order_line.icasa_price_step_ids.mapped("price_unit"), [33.0, 27.6])

    def test_each_price_change_is_posted_with_old_new_and_reason(self):
        order = self._subscription(self.monthly, date(2027, 1, 1))
        step = self.env["icasa.subscription.price.step"].create(
            {"line_id": order.order_line.id, "date_from": date(2027, 6, 1), "price_unit": 32.0, "reason": "contract"}
        )
        body = order.message_ids[0].body
        self.assertIn("30.00", body)
        self.assertIn("32.00", body)
        self.assertIn("contract", body)
        step.write({"price_unit": 33.0, "reason": "corrected offer"})
        body = order.message_ids[0].body
        self.assertIn("32.00", body)
        self.assertIn("33.00", body)
        self.assertIn("corrected offer", body)
        step.unlink()
        body = order.message_ids[0].body
        self.assertIn("removed", body)
        self.assertIn("33.00", body)
        self.assertIn("30.00", body)

    def test_plan_change_keeps_month_ends(self):
        # anchored on 31 January: January billed monthly (31 Jan - 27 Feb), then quarterly from
        # 28 February; the quarters still start on the 31st: 28 Feb - 30 May, 31 May - 30 Aug
        order = self._subscription(self.monthly, date(2027, 1, 31))
        self._bill(date(2027, 1, 31))
        order.icasa_plan_id = self._plan("Quarterly", interval_number=3)
        self._bill(date(2027, 5, 31))
        self.assertEqual(
            self._ledger(order),
            [
                (date(2027, 1, 31), date(2027, 2, 27), "invoice"),
                (date(2027, 2, 28), date(2027, 5, 30), "invoice"),
                (date(2027, 5, 31), date(2027, 8, 30), "invoice"),
            ],
        )
        self.assertEqual(order.icasa_next_invoice_date, date(2027, 8, 31))
