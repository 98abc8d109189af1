from datetime import date

from odoo import Command

from odoo.addons.account.tests.common import AccountTestInvoicingCommon


class SelfBillingCommon(AccountTestInvoicingCommon):
    """A reseller that earns 10% of maintenance and 12.5% of installation
    billed to its end customers, on posted invoices, from 1 January 2027.
    Customer invoices carry a 21% tax: shares are on the untaxed amount."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.tax_21 = cls.env["account.tax"].create(
            {"name": "VAT 21%", "amount": 21.0, "amount_type": "percent", "type_tax_use": "sale"}
        )

        def product(name, price, role):
            return cls.env["product.product"].create(
                {
                    "name": name,
                    "list_price": price,
                    "type": "service",
                    "invoice_policy": "order",
                    "icasa_billing_role": role,
                    "taxes_id": [Command.set(cls.tax_21.ids)],
                    "property_account_income_id": cls.company_data["default_account_revenue"].id,
                }
            )

        cls.maintenance = product("Maintenance plan", 30.0, "maintenance")
        cls.sim = product("SIM data plan", 4.5, "connectivity")
        cls.installation = product("Installation", 450.0, "installation")
        cls.wallbox = product("AC wallbox 22 kW", 1200.0, "hardware")
        cls.asset_type = cls.env["icasa.asset.type"].search([], limit=1) or cls.env["icasa.asset.type"].create(
            {"name": "EV charger AC"}
        )
        cls.reseller = cls.env["res.partner"].create({"name": "VoltPartners Installers", "is_company": True})
        cls.anna = cls.env["res.partner"].create({"name": "Anna de Vries"})
        cls.bram = cls.env["res.partner"].create({"name": "Bram Jansen"})
        cls.stranger = cls.env["res.partner"].create({"name": "Not A Reseller Customer"})
        cls.agreement = cls.env["icasa.partner.agreement"].create(
            {
                "name": "VoltPartners resale",
                "partner_id": cls.reseller.id,
                "role": "reseller",
                "payer_kind": "customer",
                "consolidate": False,
                "share_start_date": date(2027, 1, 1),
                "share_rule_ids": [
                    Command.create({"share_kind": "percent", "percent": 10.0, "billing_role": "maintenance"}),
                    Command.create(
                        {"share_kind": "percent", "percent": 12.5, "product_ids": [Command.set(cls.installation.ids)]}
                    ),
                ],
            }
        )
        (cls.anna | cls.bram).icasa_agreement_id = cls.agreement

    @classmethod
    def _invoice(cls, partner, lines, day, post=True):
        """A customer invoice of ``lines`` ``[(product, quantity, unit price)]`` at 21% tax."""
        move = cls.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": partner.id,
                "invoice_date": day,
                "date": day,
                "invoice_line_ids": [
                    Command.create(
                        {
                            "product_id": product.id,
                            "quantity": quantity,
                            "price_unit": price,
                            "tax_ids": [Command.set(cls.tax_21.ids)],
                        }
                    )
                    for product, quantity, price in lines
                ],
            }
        )
        if post:
            move.action_post()
        return move

    def _credit(self, invoice, day, prices=None):
        """A credit note of ``invoice`` dated ``day``, in full or at ``prices``
        ``{product: unit price}`` (partial), posted."""
        wizard = (
            self.env["account.move.reversal"]
            .with_context(active_model="account.move", active_ids=invoice.ids)
            .create({"journal_id": invoice.journal_id.id, "reason": "test", "date": day})
        )
        refund = self.env["account.move"].browse(wizard.refund_moves()["res_id"])
        # these tests are dated in 2027: a credit note dated after today would wait to be posted
        refund.write({"invoice_date": day, "auto_post": "no"})
        if prices:
            for line in refund.invoice_line_ids:
                if line.product_id in prices:
                    line.price_unit = prices[line.product_id]
        refund.action_post()
        return refund

    def _pay(self, invoice, day, amount=None):
        values = {"payment_date": day}
        if amount is not None:
            values["amount"] = amount
        self.env["account.payment.register"].with_context(active_model="account.move", active_ids=invoice.ids).create(
            values
        )._create_payments()

    def _run(self, day, agreements=None):
        """The monthly run on ``day`` (it bills the month before), as the cron does."""
        return self.env["icasa.self.billing"].sudo()._run(agreements or self.agreement, day)

    def _shares(self, agreement=None):
        return self.env["icasa.revenue.share"].search(
            [("agreement_id", "=", (agreement or self.agreement).id)], order="id"
        )

    def _statement_text(self, bill):
        """The statement of ``bill`` as HTML text (no PDF: wkhtmltopdf is not needed)."""
        html = self.env["ir.actions.report"]._render_qweb_html(
            "icasa_partner_invoicing.action_report_self_billing_statement", bill.ids
        )[0]
        # amounts print with a zero-width no-break space after the minus sign
        return html.decode().replace("\ufeff", "")

    @staticmethod
    def _table(rows):
        return [
            (r.kind, r.document_name, r.label, round(r.base_amount, 2), r.percent, round(r.amount, 2)) for r in rows
        ]
