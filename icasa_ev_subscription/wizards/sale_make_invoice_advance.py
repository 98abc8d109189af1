from odoo import models
from odoo.exceptions import UserError


class SaleAdvancePaymentInv(models.TransientModel):
    _inherit = "sale.advance.payment.inv"

    def _create_invoices(self, sale_orders):
        """Every mode of Odoo's Create Invoice (regular, down payment percentage or fixed) is
        refused on subscriptions: their invoices come from the period ledger only, so that
        nothing is billed beside it (a 100% down payment would be, and then Invoice Now again).
        Their one-time lines go on the first period's invoice."""
        subscriptions = self._icasa_orders(sale_orders).filtered("icasa_plan_id")
        if subscriptions:
            raise UserError(
                self.env._(
                    "%(orders)s: a subscription is not billed by Create Invoice. Its invoices come from its "
                    "period ledger: use Invoice Now on the subscription, or let the scheduled billing invoice "
                    "each period when it is due (one-time lines go on the first period's invoice).",
                    orders=", ".join(subscriptions.mapped("name")),
                )
            )
        return super()._create_invoices(sale_orders)
