from odoo import models
from odoo.exceptions import UserError


class SaleAdvancePaymentInv(models.TransientModel):
    _inherit = "sale.advance.payment.inv"

    def create_invoices(self):
        milestone_orders = self.sale_order_ids.filtered("icasa_milestone_billing")
        if milestone_orders:
            raise UserError(milestone_orders._nothing_to_invoice_error_message())
        return super().create_invoices()
