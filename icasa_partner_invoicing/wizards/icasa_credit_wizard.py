from collections import defaultdict

from odoo import Command, api, fields, models
from odoo.exceptions import UserError

from odoo.addons.icasa_ev_subscription.tools import ledger as ledger_math

from ..tools import credit as credit_math


class IcasaCreditWizard(models.TransientModel):
    """Credit a customer invoice in full, by days of its service periods from
    a date, or by an amount, with a reason. On a consolidated invoice the
    credit can target chosen end customers. The credit note links back to
    the invoice and goes in the period ledger like any credit note."""

    _name = "icasa.credit.wizard"
    _description = "Credit an Invoice"

    move_id = fields.Many2one("account.move", string="Invoice", required=True, readonly=True)
    currency_id = fields.Many2one(related="move_id.currency_id")
    mode = fields.Selection(
        [("full", "In Full"), ("days", "Days of the Period"), ("amount", "An Amount")],
        string="Credit",
        required=True,
        default="full",
    )
    reason = fields.Char(required=True)
    date_from = fields.Date(string="Credit From", help="Days from this date to the end of each line's period.")
    amount = fields.Monetary(string="Amount (untaxed)", currency_field="currency_id")
    available_end_customer_ids = fields.Many2many(
        "res.partner", compute="_compute_available_end_customer_ids", string="End Customers on the Invoice"
    )
    end_customer_ids = fields.Many2many(
        "res.partner",
        string="Only For",
        help="Credit only the lines of these end customers; empty: every line.",
    )
    consolidated = fields.Boolean(related="move_id.icasa_consolidated")
    left_to_credit = fields.Monetary(compute="_compute_left_to_credit", currency_field="currency_id")

    @api.depends("move_id")
    def _compute_available_end_customer_ids(self):
        for wizard in self:
            wizard.available_end_customer_ids = wizard.move_id.invoice_line_ids.icasa_end_customer_id

    @api.depends("move_id", "end_customer_ids")
    def _compute_left_to_credit(self):
        for wizard in self:
            wizard.left_to_credit = float(sum(left for _k, left, _f, _l in wizard._credit_lines()))

    def _line_amount(self, line):
        return ledger_math.line_amount(line.quantity, line.price_unit, line.discount, self.currency_id.decimal_places)

    def _credit_lines(self):
        """``[(invoice line, left to credit, first day, last day)]`` of the lines in scope."""
        self.ensure_one()
        move = self.move_id
        lines = move.invoice_line_ids.filtered(lambda line: line.display_type == "product")
        if self.end_customer_ids:
            lines = lines.filtered(lambda line: line.icasa_end_customer_id in self.end_customer_ids)
        refunds = move.reversal_move_ids.filtered(lambda m: m.state != "cancel")
        credited = defaultdict(float)
        for line in refunds.invoice_line_ids.filtered("icasa_credited_line_id"):
            credited[line.icasa_credited_line_id] += float(self._line_amount(line))
        result = []
        for line in lines:
            left = float(self._line_amount(line)) - credited[line]
            result.append((line, max(left, 0.0), line.icasa_period_start, line.icasa_period_end))
        return result

    def _already_credited(self):
        refunds = self.move_id.reversal_move_ids.filtered(lambda m: m.state != "cancel")
        return sum(refunds.mapped("amount_untaxed"))

    def _amounts(self):
        lines = self._credit_lines()
        try:
            if self.mode == "full":
                return credit_math.full(lines, self.currency_id.decimal_places)
            if self.mode == "days":
                if not self.date_from:
                    raise UserError(self.env._("Give the date the credit starts from."))
                return credit_math.by_days(lines, self.date_from, self.currency_id.decimal_places)
            return credit_math.by_amount(lines, self.amount, self.currency_id.decimal_places)
        except credit_math.CreditError as error:
            raise UserError(self._error_message(error.args[0], lines)) from None

    def _error_message(self, key, lines):
        left = sum(left for _k, left, _f, _l in lines)
        if key == "no_days":
            return self.env._(
                "The lines of %(invoice)s have no service period to credit days of. Credit an amount instead.",
                invoice=self.move_id.name,
            )
        if key == "above":
            return self.env._(
                "%(amount)s is more than what is left to credit on %(invoice)s (%(left)s untaxed). "
                "Lower the amount, or credit the invoice in full.",
                amount=self.currency_id.format(self.amount),
                invoice=self.move_id.name,
                left=self.currency_id.format(left),
            )
        return self.env._(
            "Nothing is left to credit on %(invoice)s for this choice: "
            "check the date, the amount or the end customers.",
            invoice=self.move_id.name,
        )

    def action_confirm(self):
        self.ensure_one()
        move = self.move_id
        if move.move_type != "out_invoice" or move.state != "posted":
            raise UserError(
                self.env._(
                    "Only a posted customer invoice can be credited; %(invoice)s is not one.", invoice=move.display_name
                )
            )
        amounts = self._amounts()
        total = sum(amounts.values())
        cap = move.amount_untaxed - self._already_credited()
        if move.currency_id.compare_amounts(float(total), cap) > 0:
            raise UserError(
                self.env._(
                    "The credit of %(amount)s is more than what is left to credit on %(invoice)s (%(left)s untaxed).",
                    amount=move.currency_id.format(float(total)),
                    invoice=move.name,
                    left=move.currency_id.format(cap),
                )
            )
        refund = self.env["account.move"].create(self._prepare_refund(amounts))
        refund.action_post()
        move.message_post(
            body=self.env._(
                "Credited %(amount)s by %(refund)s: %(reason)s",
                amount=move.currency_id.format(float(total)),
                refund=refund.name,
                reason=self.reason,
            )
        )
        return {
            "type": "ir.actions.act_window",
            "res_model": "account.move",
            "res_id": refund.id,
            "view_mode": "form",
        }

    def _prepare_refund(self, amounts):
        move = self.move_id
        lines = []
        for line, amount in amounts.items():
            period = ""
            if self.mode == "days" and line.icasa_period_end:
                period = self.env._(
                    " (from %(start)s)", start=fields.Date.to_string(max(self.date_from, line.icasa_period_start))
                )
            lines.append(
                Command.create(
                    {
                        "product_id": line.product_id.id,
                        "name": f"{line.name}{period}",
                        "quantity": 1.0,
                        "price_unit": float(amount),
                        "discount": 0.0,
                        "account_id": line.account_id.id,
                        "tax_ids": [Command.set(line.tax_ids.ids)],
                        "analytic_distribution": line.analytic_distribution,
                        "product_uom_id": line.product_uom_id.id,
                        "sale_line_ids": [Command.set(line.sale_line_ids.ids)],
                        "icasa_period_start": line.icasa_period_start,
                        "icasa_period_end": line.icasa_period_end,
                        "icasa_subscription_line_id": line.icasa_subscription_line_id.id,
                        "icasa_end_customer_id": line.icasa_end_customer_id.id,
                        "icasa_credited_line_id": line.id,
                    }
                )
            )
        return {
            "move_type": "out_refund",
            "partner_id": move.partner_id.id,
            "journal_id": move.journal_id.id,
            "currency_id": move.currency_id.id,
            "fiscal_position_id": move.fiscal_position_id.id,
            "invoice_payment_term_id": move.invoice_payment_term_id.id,
            "invoice_date": fields.Date.context_today(self),
            "reversed_entry_id": move.id,
            "ref": self.env._("Credit of %(invoice)s: %(reason)s", invoice=move.name, reason=self.reason),
            "icasa_subscription_id": move.icasa_subscription_id.id,
            "icasa_period_start": move.icasa_period_start,
            "icasa_end_customer_id": move.icasa_end_customer_id.id,
            "icasa_agreement_id": move.icasa_agreement_id.id,
            "invoice_line_ids": lines,
        }
