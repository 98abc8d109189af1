from odoo import models
from odoo.exceptions import UserError


class SaleAdvancePaymentInv(models.TransientModel):
    _inherit = "sale.advance.payment.inv"

    def _icasa_orders(self, sale_orders):
        """The orders a call of `_create_invoices` bills: the wizard's own, and `sale_orders`
        when it is a sale.order recordset. Odoo's regular mode bills `sale_orders`, its down
        payment modes bill the wizard's orders and ignore the argument, which callers such as
        Odoo's own tests fill with something else (a dict)."""
        orders = self.sale_order_ids
        if isinstance(sale_orders, models.BaseModel) and sale_orders._name == "sale.order":
            orders |= sale_orders
        return orders

    def _create_invoices(self, sale_orders):
        """Every mode of Odoo's Create Invoice (regular, down payment percentage or fixed) is
        refused on orders billed by milestones: their invoices come from the milestones."""
        milestone_orders = self._icasa_orders(sale_orders).filtered("icasa_milestone_billing")
        if milestone_orders:
            raise UserError(milestone_orders._nothing_to_invoice_error_message())
        return super()._create_invoices(sale_orders)
