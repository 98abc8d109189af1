from datetime import date

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import IcasaMilestoneCommon


@tagged("post_install", "-at_install")
class TestMilestoneCompaniesAndAnalytics(IcasaMilestoneCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_2_data = cls.setup_other_company()
        cls.company_2 = cls.company_2_data["company"]

    @freeze_time("2025-05-02")
    def test_cron_bills_each_company_in_its_own_books(self):
        plan = self.env["icasa.milestone.plan"].create(
            {
                "name": "Half now, half in a month",
                "line_ids": [
                    Command.create({"name": "Now", "share": 50, "trigger": "confirmation"}),
                    Command.create({"name": "Later", "share": 50, "trigger": "date", "date_interval": 1}),
                ],
            }
        )
        order = (
            self.env["sale.order"]
            .with_company(self.company_2)
            .create(
                {
                    "partner_id": self.customer.id,
                    "company_id": self.company_2.id,
                    "icasa_milestone_plan_id": plan.id,
                    "order_line": [Command.create({"product_id": self.installation.id, "price_unit": 333.33})],
                }
            )
        )
        order.action_confirm()
        now, later = order.icasa_milestone_ids
        self.assertEqual(later.scheduled_date, date(2025, 6, 2))
        # 333.33 / 2: cumulative rounding gives 166.67 then 166.66
        self.assertEqual(now.invoice_ids.amount_untaxed, 166.67)
        self.assertEqual(now.invoice_ids.company_id, self.company_2)
        # the cron runs in the main company: company 2's milestone is billed in company 2's books
        self.assertEqual(self.env.company, self.company_data["company"])
        with freeze_time("2025-06-02"):
            self.env["icasa.milestone"].sudo()._cron_invoice_due_milestones()
        self.assertEqual(later.state, "invoiced")
        self.assertEqual(later.invoice_ids.amount_untaxed, 166.66)
        self.assertEqual(later.invoice_ids.company_id, self.company_2)
        self.assertEqual(later.invoice_ids.journal_id.company_id, self.company_2)
        # a user of the main company only does not see company 2's milestones
        salesman = self.env["res.users"].create(
            {
                "name": "Main company salesman",
                "login": "main.salesman",
                "company_id": self.company_data["company"].id,
                "company_ids": [Command.set(self.company_data["company"].ids)],
                "groups_id": [Command.set(self.env.ref("sales_team.group_sale_salesman_all_leads").ids)],
            }
        )
        self.assertFalse(self.env["icasa.milestone"].with_user(salesman).search([("order_id", "=", order.id)]))
        with self.assertRaises(AccessError):
            later.with_user(salesman).read(["name"])

    def test_analytic_distribution_follows_the_order_line(self):
        analytic_plan = self.env["account.analytic.plan"].create({"name": "Sites"})
        haarlem = self.env["account.analytic.account"].create({"name": "Haarlem", "plan_id": analytic_plan.id})
        order = self._order()
        order.order_line[1].analytic_distribution = {str(haarlem.id): 100}
        order.action_confirm()
        invoice = order.icasa_milestone_ids[0].invoice_ids
        installation_line = invoice.invoice_line_ids.filtered(lambda aml: aml.product_id == self.installation)
        self.assertEqual(installation_line.analytic_distribution, {str(haarlem.id): 100})
        wallbox_line = invoice.invoice_line_ids.filtered(lambda aml: aml.product_id == self.wallbox)
        self.assertFalse(wallbox_line.analytic_distribution)
