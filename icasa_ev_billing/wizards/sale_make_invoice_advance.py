from odoo import models
from odoo.exceptions import UserError


class SaleAdvancePaymentInv(models.TransientModel):
    _inherit = "sale.advance.payment.inv"

    def _create_invoices(self, sale_orders):
        """Every mode of Odoo's Create Invoice (regular, down payment percentage or fixed) is
        refused on orders billed by milestones: their invoices come from the milestones."""
        milestone_orders = (sale_orders | self.sale_order_ids).filtered("icasa_milestone_billing")
        if milestone_orders:
            raise UserError(milestone_orders._nothing_to_invoice_error_message())
        return super()._create_invoices(sale_orders)
