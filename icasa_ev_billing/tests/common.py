from odoo import Command
from odoo.tests import Form

from odoo.addons.account.tests.common import AccountTestInvoicingCommon


class IcasaMilestoneCommon(AccountTestInvoicingCommon):
    """The issue's worked example: a wallbox order with a 30/50/20 plan and a 21% tax."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.tax_21 = cls.env["account.tax"].create(
            {"name": "VAT 21%", "amount": 21.0, "amount_type": "percent", "type_tax_use": "sale"}
        )
        cls.revenue_hw = cls.company_data["default_account_revenue"]
        cls.revenue_services = cls.copy_account(cls.revenue_hw)

        def product(name, price, role, **extra):
            return cls.env["product.product"].create(
                {
                    "name": name,
                    "list_price": price,
                    "type": "service" if role != "hardware" else "consu",
                    "invoice_policy": "order",
                    "icasa_billing_role": role,
                    "taxes_id": [Command.set(cls.tax_21.ids)],
                    **extra,
                }
            )

        cls.wallbox = product("Wallbox", 1200.0, "hardware")
        cls.installation = product(
            "Installation", 450.0, "installation", property_account_income_id=cls.revenue_services.id
        )
        cls.activation = product("Activation", 90.0, "activation")
        cls.inspection = product("Inspection", 120.0, "inspection")
        cls.plan = cls.env["icasa.milestone.plan"].create(
            {
                "name": "30/50/20",
                "share_type": "percent",
                "line_ids": [
                    Command.create({"sequence": 1, "name": "Order", "share": 30, "trigger": "confirmation"}),
                    Command.create({"sequence": 2, "name": "Installation", "share": 50, "kind": "installation"}),
                    Command.create({"sequence": 3, "name": "Activation", "share": 20, "kind": "activation"}),
                ],
            }
        )
        cls.customer = cls.env["res.partner"].create({"name": "Anna de Vries", "street": "Lindelaan 4"})

    @classmethod
    def _order(cls, plan=None, lines=None, **extra):
        lines = lines or [
            (cls.wallbox, 1, 1200.0, 10.0),
            (cls.installation, 1, 450.0, 0.0),
            (cls.activation, 1, 90.0, 0.0),
            (cls.inspection, 1, 120.0, 0.0),
        ]
        return cls.env["sale.order"].create(
            {
                "partner_id": cls.customer.id,
                "icasa_milestone_plan_id": (plan or cls.plan).id if plan is not False else False,
                "order_line": [
                    Command.create(
                        {"product_id": p.id, "product_uom_qty": qty, "price_unit": price, "discount": discount}
                    )
                    for p, qty, price, discount in lines
                ],
                **extra,
            }
        )

    def _reach(self, milestone):
        self.env["icasa.milestone.reach.wizard"].create(
            {"milestone_ids": [Command.set(milestone.ids)]}
        ).action_confirm()
        return milestone.invoice_ids

    @classmethod
    def _user(cls, login, *group_xmlids):
        return cls.env["res.users"].create(
            {
                "name": login.replace(".", " ").title(),
                "login": login,
                "email": f"{login}@example.com",
                "company_id": cls.env.company.id,
                "company_ids": [Command.set(cls.env.company.ids)],
                "groups_id": [Command.set([cls.env.ref(xmlid).id for xmlid in group_xmlids])],
            }
        )

    def _reverse(self, invoice, amounts=None):
        """Credit ``invoice`` fully, or for the given untaxed price per product."""
        if invoice.state == "draft":
            invoice.action_post()
        wizard = (
            self.env["account.move.reversal"]
            .with_context(active_model="account.move", active_ids=invoice.ids)
            .create({"journal_id": invoice.journal_id.id, "reason": "test"})
        )
        refund = self.env["account.move"].browse(wizard.refund_moves()["res_id"])
        if amounts:
            with Form(refund) as form:
                for index, line in enumerate(refund.invoice_line_ids):
                    if line.product_id in amounts:
                        with form.invoice_line_ids.edit(index) as line_form:
                            line_form.price_unit = amounts[line.product_id]
        refund.action_post()
        return refund
