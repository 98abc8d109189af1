from odoo import api, fields, models
from odoo.exceptions import UserError

from .icasa_milestone import share_label


class AccountMove(models.Model):
    _inherit = "account.move"

    icasa_milestone_id = fields.Many2one(
        "icasa.milestone", string="Milestone", readonly=True, copy=False, index="btree_not_null", ondelete="set null"
    )

    icasa_amount_total_words = fields.Char(
        string="Amount in Words",
        compute="_compute_icasa_amount_total_words",
        help="The total in words, in the customer's language.",
    )

    @api.depends("amount_total", "currency_id", "partner_id.lang")
    def _compute_icasa_amount_total_words(self):
        for move in self:
            lang = move.partner_id.lang or self.env.lang
            currency = move.currency_id.with_context(lang=lang)
            move.icasa_amount_total_words = currency.amount_to_text(move.amount_total) if currency else False

    def _icasa_report_schedule(self):
        """The order's milestone schedule as printed on a milestone invoice.

        Returns ``{"rows": [...], "invoiced": float, "remaining": float}`` where each
        row names a milestone, its share, its untaxed amount and whether it is billed.
        Read as superuser: a customer printing the invoice cannot read the order.
        """
        self.ensure_one()
        milestone = self.sudo().icasa_milestone_id
        if not milestone:
            return {}
        order = milestone.order_id
        amounts = order._icasa_milestone_amounts(strict=False)
        digits = order.currency_id.decimal_places
        rows, invoiced = [], 0
        for other, amount in amounts.items():
            billed = other.state == "invoiced"
            invoiced += amount if billed else 0
            rows.append(
                {
                    "name": other.name,
                    "share": share_label(other),
                    "amount": amount / 10**digits,
                    "billed": billed,
                    "current": other == milestone,
                }
            )
        total = sum(amounts.values())
        return {
            "order": order.name,
            "milestone": milestone.name,
            "share": share_label(milestone),
            "rows": rows,
            "invoiced": invoiced / 10**digits,
            "remaining": (total - invoiced) / 10**digits,
        }

    def _icasa_milestones(self):
        """Milestones billed by these moves, directly or through the invoice a credit note reverses."""
        return (self.icasa_milestone_id | self.reversed_entry_id.icasa_milestone_id).sudo()

    def _icasa_is_fully_reversed(self):
        """Whether posted credit notes reverse the whole untaxed amount of this invoice."""
        self.ensure_one()
        refunds = self.sudo().reversal_move_ids.filtered(lambda m: m.move_type == "out_refund" and m.state == "posted")
        if not refunds:
            return False
        return self.currency_id.is_zero(self.amount_untaxed - sum(refunds.mapped("amount_untaxed")))

    def copy_data(self, default=None):
        """Link the replacement draft of "Reverse and create a new draft" to the milestone.

        Odoo's reversal wizard credits the invoice in full, then copies it with
        ``include_business_fields`` (the way the copy keeps its order lines). The
        copy bills the milestone again: it belongs to the milestone, which is thus
        invoiced again. Credit notes and debit notes stay unlinked.
        """
        vals_list = super().copy_data(default)
        if not self.env.context.get("include_business_fields"):
            return vals_list
        for move, vals in zip(self, vals_list, strict=True):
            if (
                move.icasa_milestone_id
                and vals.get("move_type", move.move_type) == "out_invoice"
                and not vals.get("reversed_entry_id")
                and not vals.get("debit_origin_id")
                and move._icasa_is_fully_reversed()
            ):
                vals["icasa_milestone_id"] = move.icasa_milestone_id.id
        return vals_list

    @api.model_create_multi
    def create(self, vals_list):
        moves = super().create(vals_list)
        if self.env.context.get("icasa_milestone_invoicing"):
            return moves  # _icasa_invoice sets the state and announces the invoice itself
        # e.g. the replacement draft of a reversal makes its reached milestone invoiced again
        moves.filtered(lambda m: m.move_type == "out_invoice")._icasa_milestones()._icasa_sync_invoice_state()
        return moves

    def _post(self, soft=True):
        invoices = self.filtered(lambda m: m.move_type == "out_invoice" and m.icasa_milestone_id)
        invoices.sudo().icasa_milestone_id.order_id._icasa_check_not_overbilled()
        posted = super()._post(soft)
        posted.filtered(lambda m: m.move_type == "out_refund")._icasa_milestones()._icasa_sync_invoice_state()
        return posted

    def button_cancel(self):
        res = super().button_cancel()
        self._icasa_milestones()._icasa_sync_invoice_state()
        return res

    def button_draft(self):
        for move in self.filtered(lambda m: m.state == "cancel" and m.icasa_milestone_id):
            if move.icasa_milestone_id.state == "invoiced":
                raise UserError(
                    self.env._(
                        "Milestone %(milestone)s has been invoiced again since %(invoice)s was cancelled: "
                        "resetting this invoice would bill it twice.",
                        milestone=move.icasa_milestone_id.name,
                        invoice=move.display_name,
                    )
                )
        res = super().button_draft()
        self._icasa_milestones()._icasa_sync_invoice_state()
        return res

    @api.ondelete(at_uninstall=False)
    def _icasa_unlink_reopen_milestone(self):
        """Deleting the draft invoice of a milestone makes the milestone reached again."""
        for move in self.filtered("icasa_milestone_id"):
            milestone = move.icasa_milestone_id.sudo()
            others = milestone.invoice_ids.filtered(lambda m, mv=move: m != mv and m.state != "cancel")
            if milestone.state == "invoiced" and not others:
                milestone.state = "reached"
