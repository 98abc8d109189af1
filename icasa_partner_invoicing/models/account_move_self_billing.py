# Self-billing bills and their statement, kept apart from the payer routing of account_move.py:
# pylint: disable=consider-merging-classes-inherited
from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import format_amount

from ..tools import revenue_share


class AccountMove(models.Model):
    _inherit = "account.move"

    icasa_self_billing_agreement_id = fields.Many2one(
        "icasa.partner.agreement",
        string="Self-Billing Agreement",
        index="btree_not_null",
        copy=False,
        readonly=True,
        check_company=True,
        help="The agreement whose revenue share this vendor bill pays (self-billing: we issue it for the partner).",
    )
    icasa_self_billing_period_start = fields.Date(string="Statement From", copy=False, readonly=True)
    icasa_self_billing_period_end = fields.Date(string="Statement To", copy=False, readonly=True)
    icasa_revenue_share_ids = fields.One2many("icasa.revenue.share", "bill_id", string="Revenue Share Statement")

    def _icasa_release_shares(self):
        """The shares of these self-billing bills go back to the ledger's
        pending rows: the next run bills them again."""
        # the ledger is written by the self-billing run only; releasing follows the bill's own cancellation
        rows = self.env["icasa.revenue.share"].sudo().search([("bill_id", "in", self.ids)])
        rows.write({"bill_line_id": False, "bill_id": False})

    def button_cancel(self):
        result = super().button_cancel()
        self.filtered("icasa_self_billing_agreement_id")._icasa_release_shares()
        return result

    @api.ondelete(at_uninstall=False)
    def _icasa_unlink_release_shares(self):
        self.filtered("icasa_self_billing_agreement_id")._icasa_release_shares()

    def _post(self, soft=True):
        for bill in self.filtered("icasa_self_billing_agreement_id"):
            bill._icasa_check_statement()
        return super()._post(soft)

    def _icasa_check_statement(self):
        """A self-billing bill pays exactly the shares of its statement."""
        self.ensure_one()
        sign = -1 if self.move_type == "in_refund" else 1
        net = sum(self.icasa_revenue_share_ids.mapped("amount"))
        if self.currency_id.compare_amounts(sign * self.amount_untaxed, net) != 0:
            raise UserError(
                self.env._(
                    "Self-billing bill %(bill)s is for %(untaxed)s untaxed but its statement of revenue shares adds up "
                    "to %(net)s. Put the bill lines back as the run made them, or cancel the bill and let the next "
                    "run make a new one.",
                    bill=self.display_name,
                    untaxed=format_amount(self.env, sign * self.amount_untaxed, self.currency_id),
                    net=format_amount(self.env, net, self.currency_id),
                )
            )

    def _icasa_statement_sections(self):
        """``[(title, rows)]`` of the statement, in the order it prints."""
        self.ensure_one()
        rows = self.icasa_revenue_share_ids.sorted(lambda r: (r.document_date or r.date, r.document_name or "", r.id))
        titles = [
            ("share", self.env._("Shares of customer invoices and credit notes")),
            ("fixed", self.env._("Fixed amounts per asset")),
            ("reversal", self.env._("Reversals of shares billed before")),
        ]
        return [
            (title, rows.filtered(lambda r, k=kind: r.kind == k))
            for kind, title in titles
            if kind in rows.mapped("kind")
        ]

    def _icasa_statement_totals(self):
        """The statement's totals per kind of row and net, to the cent."""
        self.ensure_one()
        totals = revenue_share.statement_totals((row.kind, row.amount) for row in self.icasa_revenue_share_ids)
        return {key: float(value) for key, value in totals.items()}

    def action_icasa_print_statement(self):
        self.ensure_one()
        return self.env.ref("icasa_partner_invoicing.action_report_self_billing_statement").report_action(self)


class AccountMoveLine(models.Model):
    _inherit = "account.move.line"

    @api.ondelete(at_uninstall=False)
    def _icasa_unlink_revenue_shares(self):
        """A customer invoice line that goes (its draft invoice deleted) stops
        earning: its open share is dropped, or reversed if already billed. A
        self-billing bill line that goes gives its shares back to the ledger."""
        # the ledger is written by the self-billing run only; this keeps it true to the documents
        Share = self.env["icasa.revenue.share"].sudo()
        on_bills = Share.search([("bill_line_id", "in", self.ids)])
        on_bills.write({"bill_line_id": False, "bill_id": False})
        opened = Share.search([("move_line_id", "in", self.ids), ("is_open", "=", True)])
        if opened:
            self.env["icasa.self.billing"]._close_shares(opened, self.env._("deleted"))
