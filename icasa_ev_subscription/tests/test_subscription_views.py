from datetime import date

from dateutil.relativedelta import relativedelta
from lxml import etree

from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import Form, tagged
from odoo.tools.safe_eval import safe_eval

from .common import SubscriptionCommon


@tagged("post_install", "-at_install")
class TestSubscriptionViews(SubscriptionCommon):
    """The accountants' filters select what they say, and the roles: sales staff
    quote from templates, accounting rights are needed to invoice."""

    def _filter(self, name, today, orders):
        view = self.env.ref("icasa_ev_subscription.icasa_subscription_view_search")
        node = etree.fromstring(view.arch).xpath(f"//filter[@name='{name}']")[0]
        domain = safe_eval(node.get("domain"), {"context_today": lambda: today, "relativedelta": relativedelta})
        return self.env["sale.order"].search([("id", "in", orders.ids), *domain])

    def test_filters(self):
        today = date(2027, 3, 10)
        billed = self._subscription(self.monthly, date(2027, 3, 1))
        self._bill(date(2027, 3, 1))  # March billed: next invoice on 1 April
        due = self._subscription(self.monthly, date(2027, 3, 5))
        in_error = self._subscription(self.monthly, date(2027, 4, 1))
        in_error.with_context(icasa_engine=True).icasa_billing_error = "no income account"
        paused = self._subscription(self.monthly, date(2027, 4, 1))
        paused.action_icasa_pause()
        ending = self._subscription(self.monthly, date(2027, 4, 1), icasa_end_date=date(2027, 4, 5))
        renewing = self._subscription(
            self.monthly, date(2026, 4, 9), icasa_term_months=12, icasa_tacit_renewal=True
        )  # term ends 8 April 2027, renewed
        later = self._subscription(self.monthly, date(2027, 4, 1), icasa_end_date=date(2027, 6, 30))
        orders = due | billed | in_error | paused | ending | renewing | later
        self.assertEqual(self._filter("to_invoice_today", today, orders), due | renewing)
        self.assertEqual(self._filter("in_error", today, orders), in_error)
        self.assertEqual(self._filter("paused", today, orders), paused)
        # ending within 30 days (by 9 April), without tacit renewal
        self.assertEqual(self._filter("ending_soon", today, orders), ending)

    def test_period_ledger_and_mrr_total_in_the_views(self):
        form = self.env.ref("icasa_ev_subscription.view_order_form_icasa_subscription")
        self.assertIn("icasa_period_ids", form.arch)
        arch = etree.fromstring(self.env.ref("icasa_ev_subscription.icasa_subscription_view_list").arch)
        self.assertEqual(arch.xpath("//field[@name='icasa_mrr_company']")[0].get("sum"), "Total MRR")

    def test_salesman_quotes_from_a_template_but_cannot_invoice(self):
        salesman = self.env["res.users"].create(
            {
                "name": "Sales only",
                "login": "icasa_sales_template",
                "groups_id": [
                    Command.set(
                        [
                            self.env.ref("sales_team.group_sale_salesman").id,
                            self.env.ref("sale_management.group_sale_order_template").id,
                        ]
                    )
                ],
                "company_id": self.env.company.id,
                "company_ids": [Command.set(self.env.company.ids)],
            }
        )
        self.assertFalse(salesman.has_group("account.group_account_invoice"))
        template = self.env["sale.order.template"].create(
            {
                "name": "Care",
                "icasa_plan_id": self.monthly.id,
                "icasa_term_months": 36,
                "sale_order_template_line_ids": [
                    Command.create({"product_id": self.maintenance.id, "product_uom_qty": 2}),
                    Command.create({"product_id": self.install.id, "product_uom_qty": 1}),
                ],
            }
        )
        # two clicks: the customer, the template
        form = Form(self.env["sale.order"].with_user(salesman))
        form.partner_id = self.customer
        form.sale_order_template_id = template
        quote = form.save()
        self.assertEqual(quote.icasa_plan_id, self.monthly)
        self.assertEqual(quote.icasa_subscription_state, "quotation")
        self.assertEqual(quote.icasa_term_months, 36)
        self.assertEqual(
            [(line.product_id, line.product_uom_qty, line.icasa_recurring) for line in quote.order_line],
            [(self.maintenance, 2.0, True), (self.install, 1.0, False)],
        )
        quote.with_user(salesman).write({"icasa_start_date": date(2027, 1, 1)})
        quote.with_user(salesman).action_confirm()
        self.assertEqual(quote.icasa_subscription_state, "active")
        with self.assertRaisesRegex(AccessError, "accounting rights"):
            quote.with_user(salesman).action_icasa_invoice_now()
        with self.assertRaises(AccessError):
            self.env["account.move"].with_user(salesman).create({"move_type": "out_invoice"})
        self.assertFalse(quote.icasa_period_ids)
