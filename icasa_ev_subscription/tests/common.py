from datetime import date

from odoo import Command

from odoo.addons.account.tests.common import AccountTestInvoicingCommon


class SubscriptionCommon(AccountTestInvoicingCommon):
    """A company with accounting, a maintenance product at 30.00 and a SIM
    product at 4.50 (no tax, so untaxed and total agree), and plans."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.maintenance = cls.env["product.product"].create(
            {
                "name": "Maintenance",
                "type": "service",
                "list_price": 30.0,
                "icasa_billing_role": "maintenance",
                "taxes_id": [Command.clear()],
                "property_account_income_id": cls.company_data["default_account_revenue"].id,
            }
        )
        cls.sim = cls.env["product.product"].create(
            {
                "name": "SIM data",
                "type": "service",
                "list_price": 4.5,
                "icasa_billing_role": "connectivity",
                "taxes_id": [Command.clear()],
                "property_account_income_id": cls.company_data["default_account_revenue"].id,
            }
        )
        cls.install = cls.env["product.product"].create(
            {
                "name": "Installation",
                "type": "service",
                "list_price": 450.0,
                "icasa_billing_role": "installation",
                "invoice_policy": "order",
                "taxes_id": [Command.clear()],
            }
        )
        # subscriptions of other data (demo) must not be billed by the runs of these tests
        cls.env["sale.order"].sudo().search([("icasa_plan_id", "!=", False)]).with_context(
            icasa_engine=True
        ).icasa_subscription_state = "quotation"
        cls.customer = cls.env["res.partner"].create({"name": "Charge Point Customer"})
        cls.monthly_calendar = cls._plan("Monthly calendar", alignment="calendar")
        cls.monthly = cls._plan("Monthly anniversary")
        cls.monthly_postpaid = cls._plan("Monthly postpaid", billing_mode="postpaid")

    @classmethod
    def _plan(cls, name, **values):
        return cls.env["icasa.subscription.plan"].create(
            {
                "name": name,
                "interval_number": 1,
                "interval_unit": "month",
                "billing_mode": "prepaid",
                "alignment": "anniversary",
                "auto_post": False,
                **values,
            }
        )

    @classmethod
    def _subscription(cls, plan, start, lines=None, partner=None, confirm=True, **values):
        lines = lines if lines is not None else [(cls.maintenance, 1, 30.0)]
        order = cls.env["sale.order"].create(
            {
                "partner_id": (partner or cls.customer).id,
                "icasa_plan_id": plan.id,
                "icasa_start_date": start,
                "order_line": [
                    Command.create({"product_id": product.id, "product_uom_qty": qty, "price_unit": price})
                    for product, qty, price in lines
                ],
                **values,
            }
        )
        if confirm:
            order.action_confirm()
        return order

    def _subscription_in(self, company, plan, start):
        """A confirmed subscription of another company: maintenance at 30.00, no tax."""
        order = (
            self.env["sale.order"]
            .with_company(company)
            .create(
                {
                    "partner_id": self.customer.id,
                    "company_id": company.id,
                    "icasa_plan_id": plan.id,
                    "icasa_start_date": start,
                    "order_line": [
                        Command.create({"product_id": self.maintenance.id, "price_unit": 30.0, "tax_id": []})
                    ],
                }
            )
        )
        order.action_confirm()
        return order

    def _bill(self, today, orders=None):
        # the cron runs as the superuser
        return self.env["icasa.subscription.billing"].sudo()._cron_generate_recurring(today=today)

    def _ledger(self, order):
        return [(r.period_start, r.period_end, r.kind) for r in order.icasa_period_ids.sorted("period_start")]

    def _poisoned_product(self, code):
        """A service whose income account (``code``) is deprecated, so that no
        invoice can be made with it; returns the product and the account."""
        bad_account = self.company_data["default_account_revenue"].copy({"code": code, "deprecated": True})
        product = self.env["product.product"].create(
            {
                "name": "Poisoned",
                "type": "service",
                "icasa_billing_role": "maintenance",
                "taxes_id": [],
                "property_account_income_id": bad_account.id,
            }
        )
        return product, bad_account

    @staticmethod
    def d(text):
        return date.fromisoformat(text)
