from odoo import api, fields, models
from odoo.exceptions import UserError

from ..tools.reversal import unbalanced
from ..tools.split import from_minor, to_minor
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

        Returns ``{"rows": [...], "invoiced": float, "draft": float, "remaining": float}``
        where each row names a milestone, its share, its untaxed amount and its
        status: ``invoiced`` (a posted invoice bills it), ``draft`` (only a draft
        does: not an invoice yet) or ``to_come``. Read as superuser: a customer
        printing the invoice cannot read the order.
        """
        self.ensure_one()
        # the invoice's milestone, read for whoever prints or posts it (technicians may not read milestones' shares)
        milestone = self.sudo().icasa_milestone_id
        if not milestone:
            return {}
        order = milestone.order_id
        amounts = order._icasa_milestone_amounts(strict=False)
        digits = order.currency_id.decimal_places
        rows, totals = [], {"invoiced": 0, "draft": 0, "to_come": 0}
        for other, amount in amounts.items():
            status = other._icasa_billing_status()
            totals[status] += amount
            rows.append(
                {
                    "name": other.name,
                    "share": share_label(other),
                    "amount": from_minor(amount, digits),
                    "status": status,
                    "billed": status == "invoiced",
                    "current": other == milestone,
                }
            )
        return {
            "order": order.name,
            "milestone": milestone.name,
            "share": share_label(milestone),
            "rows": rows,
            "invoiced": from_minor(totals["invoiced"], digits),
            "draft": from_minor(totals["draft"], digits),
            "remaining": from_minor(totals["to_come"], digits),
        }

    def _icasa_report_assets(self):
        """The installed assets an invoice names on paper: for a milestone invoice, those of its order."""
        self.ensure_one()
        # the assets of the invoice's order, printed for whoever may read the invoice (a customer cannot read the order)
        order = self.sudo().icasa_milestone_id.order_id
        if not order:
            return self.env["icasa.installed.asset"]
        return self.env["icasa.installed.asset"].sudo().search([("order_id", "=", order.id)], order="id")

    def _get_mail_template(self):
        """Invoices of milestones go out with the milestone template."""
        if self and all(move.move_type == "out_invoice" and move.icasa_milestone_id for move in self):
            return self.env.ref("icasa_ev_billing.email_template_icasa_milestone_invoice")
        return super()._get_mail_template()

    def _icasa_milestones(self):
        """Milestones billed by these moves, directly or through the invoice a credit note reverses."""
        # the engine syncs the milestone's state: users who post or cancel invoices may not write milestones
        return (self.icasa_milestone_id | self.reversed_entry_id.icasa_milestone_id).sudo()

    def _icasa_is_fully_reversed(self):
        """Whether posted credit notes net this invoice to zero, line by line and tax by tax.

        Per order line, product and taxes (invoice lines) and per tax (tax
        lines), the invoice's amounts and those of its posted credit notes must
        add up to zero in the currency's minor units. A credit note of the same
        untaxed total on other lines, or without the tax, is a partial credit:
        a concession, not a cancellation of the invoice.
        """
        self.ensure_one()
        # credit notes of the invoice are compared whoever asks (a technician may not read invoices)
        move = self.sudo()
        refunds = move.reversal_move_ids.filtered(lambda m: m.move_type == "out_refund" and m.state == "posted")
        if not refunds:
            return False
        currency = move.currency_id
        entries = []
        for line in (move | refunds).line_ids:
            key = line._icasa_reversal_key()
            if key is not None:
                entries.append((key, to_minor(currency.round(line.amount_currency), currency.decimal_places)))
        return not unbalanced(entries)

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

    def copy(self, default=None):
        """A full reversal or a "Reverse and Create Invoice" copy of a milestone invoice keeps its taxes.

        Odoo recomputes a copy's taxes from its lines, which drops the cent a last
        milestone invoice takes to bring the order's taxes exact (see
        ``sale.order._icasa_true_up_taxes``): the credit note would not cancel
        the invoice, nor the new draft bill it again, to the cent.
        """
        copies = super().copy(default)
        for move, new in zip(self, copies, strict=True):
            if (
                move.icasa_milestone_id
                and move.move_type == "out_invoice"
                and new.state == "draft"
                and (new.reversed_entry_id == move or new.icasa_milestone_id == move.icasa_milestone_id)
            ):
                new._icasa_mirror_taxes(move)
        return copies

    def _icasa_mirror_taxes(self, source):
        """Give each tax group of this draft the amount it has on ``source``, a move with the same lines."""
        self.ensure_one()
        # the engine copies tax amounts onto its own draft, for users who may create but not edit tax lines
        move = self.sudo()
        wanted = self.env["sale.order"]._icasa_tax_groups(source.sudo().tax_totals)
        totals = move.tax_totals
        changed = False
        for subtotal in (totals or {}).get("subtotals", []):
            for group in subtotal["tax_groups"]:
                amount = wanted.get(group["id"])
                if amount is not None and move.currency_id.compare_amounts(amount, group["tax_amount_currency"]):
                    group["tax_amount_currency"] = amount
                    changed = True
        if changed:
            move.tax_totals = totals

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
        # the check reads the whole order's invoices, which the poster may not all see
        invoices.sudo().icasa_milestone_id.order_id._icasa_check_not_overbilled()
        posted = super()._post(soft)
        posted.filtered(lambda m: m.move_type == "out_refund")._icasa_milestones()._icasa_sync_invoice_state()
        return posted

    def button_cancel(self):
        res = super().button_cancel()
        self._icasa_milestones()._icasa_sync_invoice_state()
        return res

    def button_draft(self):
        """Resetting a cancelled invoice, or the credit note that cancelled one, bills its milestone again.

        Only a reached milestone (one waiting for its invoice) may be billed that way: an
        invoiced one would be billed twice, a planned or cancelled one outside its schedule.
        """
        revived = self.filtered(lambda m: m.state == "cancel" and m.icasa_milestone_id)
        for refund in self.filtered(lambda m: m.move_type == "out_refund" and m.state == "posted"):
            # the credited invoice and its milestone are read whatever the user's rights on them
            invoice = refund.sudo().reversed_entry_id
            if invoice.icasa_milestone_id and invoice._icasa_is_fully_reversed():
                revived |= invoice
        for invoice in revived:
            milestone = invoice.sudo().icasa_milestone_id
            if milestone.state == "reached":
                continue
            if milestone.state == "invoiced":
                raise UserError(
                    self.env._(
                        "Milestone %(milestone)s has been invoiced again since %(invoice)s was cancelled or "
                        "credited: resetting it would bill the milestone twice. Cancel or credit %(invoices)s first.",
                        milestone=milestone.name,
                        invoice=invoice.display_name,
                        invoices=", ".join(milestone._icasa_live_invoices().mapped("display_name")),
                    )
                )
            raise UserError(
                self.env._(
                    "Milestone %(milestone)s is %(state)s: resetting %(invoice)s would bill it outside its "
                    "schedule. Mark the milestone reached and invoice it instead.",
                    milestone=milestone.name,
                    state=milestone._icasa_state_label(),
                    invoice=invoice.display_name,
                )
            )
        milestones = self._icasa_milestones()
        res = super().button_draft()
        milestones._icasa_sync_invoice_state()
        # an invoice billing its milestone again must still fit the order's schedule
        milestones.order_id._icasa_check_milestone_amounts()
        milestones.order_id._icasa_check_not_overbilled()
        return res

    @api.ondelete(at_uninstall=False)
    def _icasa_unlink_reopen_milestone(self):
        """Deleting the last live invoice of a milestone makes the milestone reached again.

        Live means neither cancelled nor fully credited: a posted invoice that
        credit notes cancel out does not keep the milestone invoiced.
        """
        self._icasa_milestones()._icasa_sync_invoice_state(exclude=self)
