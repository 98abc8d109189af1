from odoo import api, models
from odoo.tools import float_is_zero, float_round


class SaleOrderLine(models.Model):
    _inherit = "sale.order.line"

    def _icasa_is_milestone_billed(self):
        self.ensure_one()
        return bool(self.order_id.icasa_milestone_billing and not self.display_type and not self.is_downpayment)

    def _icasa_invoiced_amount(self, posted_only=False):
        """Untaxed amount billed on this line, net of posted credit notes (order currency)."""
        self.ensure_one()
        total = 0.0
        for invoice_line in self.sudo().invoice_lines:
            move = invoice_line.move_id
            if move.move_type == "out_invoice" and move.state != "cancel":
                if not posted_only or move.state == "posted":
                    total += invoice_line.price_subtotal
            elif move.move_type == "out_refund" and move.state == "posted":
                total -= invoice_line.price_subtotal
        return self.currency_id.round(total)

    def _icasa_billed_minor(self):
        """What the milestone invoices billed on this line, in minor units, for the schedule.

        Credit notes of milestone invoices count only when they reverse the whole
        invoice (which reopens the milestone); a partial credit note is a
        concession that is not billed again.
        """
        self.ensure_one()
        total = 0.0
        for invoice_line in self.sudo().invoice_lines:
            move = invoice_line.move_id
            if move.move_type == "out_invoice" and move.state != "cancel":
                total += invoice_line.price_subtotal
            elif move.move_type == "out_refund" and move.state == "posted":
                reversed_invoice = move.reversed_entry_id
                if not reversed_invoice.icasa_milestone_id or reversed_invoice._icasa_is_fully_reversed():
                    total -= invoice_line.price_subtotal
        return self.order_id._icasa_minor(total)

    def _icasa_invoiced_quantity(self, posted_only=False):
        """Milestone invoices bill amounts, not quantities: the quantity invoiced is the
        ordered quantity times the fraction of the line's amount that is billed."""
        self.ensure_one()
        precision = self.env["decimal.precision"].precision_get("Product Unit of Measure")
        if float_is_zero(self.price_subtotal, precision_rounding=self.currency_id.rounding or 0.01):
            active = self.order_id.icasa_milestone_ids.filtered(lambda m: m.state != "cancelled")
            done = active and all(m.state == "invoiced" for m in active)
            return self.product_uom_qty if done else 0.0
        fraction = self._icasa_invoiced_amount(posted_only=posted_only) / self.price_subtotal
        return float_round(self.product_uom_qty * fraction, precision_digits=precision)

    @api.depends("invoice_lines.price_subtotal", "order_id.icasa_milestone_billing", "price_subtotal")
    def _compute_qty_invoiced(self):
        res = super()._compute_qty_invoiced()
        for line in self.filtered(lambda sol: sol._icasa_is_milestone_billed()):
            line.qty_invoiced = line._icasa_invoiced_quantity()
        return res

    @api.depends("invoice_lines.price_subtotal", "order_id.icasa_milestone_billing", "price_subtotal")
    def _compute_qty_invoiced_posted(self):
        res = super()._compute_qty_invoiced_posted()
        for line in self.filtered(lambda sol: sol._icasa_is_milestone_billed()):
            line.qty_invoiced_posted = line._icasa_invoiced_quantity(posted_only=True)
        return res

    @api.depends("order_id.icasa_milestone_billing")
    def _compute_qty_to_invoice(self):
        res = super()._compute_qty_to_invoice()
        for line in self.filtered(lambda sol: sol._icasa_is_milestone_billed()):
            line.qty_to_invoice = 0.0
        return res

    @api.depends("order_id.icasa_milestone_billing", "price_subtotal")
    def _compute_untaxed_amount_to_invoice(self):
        res = super()._compute_untaxed_amount_to_invoice()
        for line in self.filtered(lambda sol: sol._icasa_is_milestone_billed()):
            if line.state == "sale":
                line.untaxed_amount_to_invoice = line.currency_id.round(
                    line.price_subtotal - line._icasa_invoiced_amount(posted_only=True)
                )
            else:
                line.untaxed_amount_to_invoice = 0.0
        return res

    @api.depends("order_id.icasa_milestone_billing", "untaxed_amount_to_invoice", "price_subtotal")
    def _compute_amount_to_invoice(self):
        """Taxes included, in proportion to the untaxed amount still to invoice (the
        tax true-up of a last milestone invoice is not in the invoice lines' totals)."""
        res = super()._compute_amount_to_invoice()
        for line in self.filtered(lambda sol: sol._icasa_is_milestone_billed()):
            if line.currency_id.is_zero(line.price_subtotal):
                line.amount_to_invoice = 0.0
            else:
                fraction = line.untaxed_amount_to_invoice / line.price_subtotal
                line.amount_to_invoice = line.currency_id.round(line.price_total * fraction)
        return res

    @api.model_create_multi
    def create(self, vals_list):
        lines = super().create(vals_list)
        lines.order_id._icasa_check_milestone_amounts()
        return lines

    def write(self, vals):
        res = super().write(vals)
        if {"product_uom_qty", "price_unit", "discount", "tax_id", "product_id"} & set(vals):
            self.order_id._icasa_check_milestone_amounts()
        return res
