from odoo import models


class AccountMoveLine(models.Model):
    _inherit = "account.move.line"

    def _icasa_reversal_key(self):
        """What a credit note line must cancel out of this line, or None for a balancing line."""
        self.ensure_one()
        if self.display_type == "product":
            return (
                "product",
                tuple(sorted(self.sale_line_ids.ids)),
                self.product_id.id,
                tuple(sorted(self.tax_ids.ids)),
            )
        if self.display_type == "tax":
            return ("tax", self.tax_line_id.id)
        if self.display_type in ("rounding", "epd"):
            return (self.display_type, tuple(sorted(self.tax_ids.ids)))
        return None  # payment terms balance the others; sections and notes carry no amount
