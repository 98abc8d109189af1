from collections import defaultdict

from odoo import api, fields, models

from ..tools import ledger as ledger_math


class AccountMove(models.Model):
    _inherit = "account.move"

    icasa_subscription_id = fields.Many2one(
        "sale.order", string="Subscription", index="btree_not_null", copy=False, readonly=True, check_company=True
    )
    icasa_period_start = fields.Date(
        string="Subscription Period", copy=False, readonly=True, help="The start of the period this document bills."
    )

    def _get_mail_template(self):
        """Invoices of subscription periods go out with the recurring invoice template."""
        if self and all(move.move_type == "out_invoice" and move.icasa_subscription_id for move in self):
            return self.env.ref("icasa_ev_subscription.email_template_icasa_recurring_invoice")
        return super()._get_mail_template()

    def _icasa_ledger_rows(self, live=None):
        if not self.ids:
            return self.env["icasa.subscription.period"]
        domain = [("move_id", "in", self.ids)]
        if live is not None:
            domain.append(("live", "=", live))
        # the ledger is read and written by the engine only; users have read access to it
        return self.env["icasa.subscription.period"].sudo().search(domain)

    def _icasa_line_amounts(self, row=None):
        """``{sale line id: signed untaxed amount}`` of this document's
        subscription lines; with ``row``, only the lines of its subscription
        and period (a document that bills several)."""
        self.ensure_one()
        sign = -1 if self.move_type == "out_refund" else 1
        digits = self.currency_id.decimal_places
        amounts = defaultdict(float)
        lines = self.invoice_line_ids.filtered("icasa_subscription_line_id")
        if row is not None:
            lines = lines.filtered(
                lambda line: (
                    line.icasa_subscription_line_id.order_id == row.order_id
                    and (not line.icasa_period_start or row.period_start <= line.icasa_period_start <= row.period_end)
                )
            )
        for line in lines:
            value = ledger_math.line_amount(line.quantity, line.price_unit, line.discount, digits)
            amounts[str(line.icasa_subscription_line_id.id)] += sign * float(value)
        return dict(amounts)

    def _icasa_fully_credited(self):
        """Whether posted credit notes net every line of this invoice to zero:
        per product, account and taxes, untaxed and tax amounts alike."""
        self.ensure_one()
        refunds = self.reversal_move_ids.filtered(lambda m: m.move_type == "out_refund" and m.state == "posted")
        if not refunds:
            return False
        balances = defaultdict(float)
        for move in self | refunds:
            for line in move.line_ids.filtered(lambda lin: lin.display_type in ("product", "tax")):
                key = (line.display_type, line.product_id.id, line.account_id.id, tuple(sorted(line.tax_ids.ids)))
                balances[key] += line.balance
        return all(self.currency_id.is_zero(value) for value in balances.values())

    # ------------------------------------------------------------------
    # Documents the engine did not make: credit notes and replacement drafts
    # ------------------------------------------------------------------

    def copy_data(self, default=None):
        """ "Reverse and create a new draft": the replacement draft bills the
        period of the invoice it replaces, in the ledger like any document."""
        vals_list = super().copy_data(default)
        if not self.env.context.get("include_business_fields"):
            return vals_list
        for move, vals in zip(self, vals_list, strict=True):
            # a credit note keeps its origin's subscription and period, and so does a
            # replacement draft (not a debit note)
            if move.icasa_subscription_id and not vals.get("debit_origin_id"):
                vals["icasa_subscription_id"] = move.icasa_subscription_id.id
                vals["icasa_period_start"] = move.icasa_period_start
        return vals_list

    @api.model_create_multi
    def create(self, vals_list):
        moves = super().create(vals_list)
        if not self.env.context.get("icasa_engine"):
            moves.filtered(lambda m: m.icasa_subscription_id and m.move_type == "out_invoice")._icasa_ledger_adopt()
        return moves

    def _icasa_row_values(self, origin, **values):
        """A ledger row of this document in the period of ``origin`` (a row)."""
        self.ensure_one()
        sign = -1 if self.move_type == "out_refund" else 1
        return {
            "order_id": origin.order_id.id,
            "period_start": origin.period_start,
            "period_end": origin.period_end,
            "full_start": origin.full_start,
            "full_end": origin.full_end,
            "move_id": self.id,
            "amount_untaxed": sign * self.amount_untaxed,
            "line_amounts": self._icasa_line_amounts(),
            **values,
        }

    def _icasa_ledger_adopt(self):
        """Put a subscription invoice the engine did not make (a replacement
        draft) in the ledger of its period: it counts like any document, and
        the period is checked again."""
        Period = self.env["icasa.subscription.period"].sudo()  # only the engine writes the ledger
        for move in self:
            rows = Period.search(
                [("order_id", "=", move.icasa_subscription_id.id), ("period_start", "=", move.icasa_period_start)]
            )
            # the period's row of the payer this draft goes to, when several pay a share
            origin = (
                rows.filtered(lambda r, move=move: r.move_id.commercial_partner_id == move.commercial_partner_id)[:1]
                or rows[:1]
            )
            if not origin:
                continue
            Period.flush_model(["live", "billing_key"])
            taken = origin._icasa_key_holder()
            Period.create(
                move._icasa_row_values(origin, kind="invoice", billing_key=False if taken else origin.period_start)
            )
            origin.order_id._icasa_recheck_from(origin.period_start)

    def _icasa_ledger_refunds(self):
        """A customer credit note on a period document goes in the ledger.
        Crediting a document in full takes it out of the period's net (the
        period is billed again by the next run); a partial credit note is a
        concession and changes nothing the engine bills. A credit note on a
        document that bills several periods (a consolidated invoice) is
        recorded against each period whose lines it credits."""
        Period = self.env["icasa.subscription.period"].sudo()  # only the engine writes the ledger
        for refund in self:
            origin_move = refund.reversed_entry_id
            origins = origin_move._icasa_ledger_rows().filtered(lambda r: r.kind != "refund")
            own = refund._icasa_ledger_rows()
            if not origins or own.filtered(lambda r: r.kind != "refund"):
                continue  # not a period document's credit, or one the engine made
            several = len(origins) > 1
            for origin in origins:
                values = {"kind": "refund", "origin_row_id": origin.id, "note": self.env._("concession")}
                if several:
                    amounts = refund._icasa_line_amounts(origin)
                    if not amounts:
                        continue  # the credit note leaves this period alone
                    values.update(line_amounts=amounts, amount_untaxed=sum(amounts.values()))
                mine = own.filtered(lambda r, origin=origin: r.origin_row_id == origin)
                if mine:
                    mine.write({"live": True, "note": self.env._("concession")})
                else:
                    Period.create(refund._icasa_row_values(origin, **values))
                if origin.live and origin._icasa_credited_in_full():
                    origin._icasa_kill(self.env._("credited in full by %(refund)s", refund=refund.name))

    def _post(self, soft=True):
        posted = super()._post(soft)
        posted.filtered(lambda m: m.move_type == "out_refund" and m.reversed_entry_id)._icasa_ledger_refunds()
        return posted

    def _icasa_release_rows(self, note):
        """The ledger rows of these documents no longer count; a customer
        credit note that no longer counts gives back the document it credited
        in full."""
        rows = self._icasa_ledger_rows(live=True)
        refunds = rows.filtered(lambda r: r.kind == "refund")
        (rows - refunds)._icasa_kill(note)
        refunds.write({"live": False, "note": note})
        for refund in refunds:
            origin = refund.origin_row_id
            if not origin.live and origin.move_id.state != "cancel" and not origin._icasa_credited_in_full():
                origin._icasa_revive()

    @api.ondelete(at_uninstall=False)
    def _icasa_unlink_release_period(self):
        """Deleting a (draft) period document takes it out of its period:
        the next run checks the period again."""
        self._icasa_release_rows(self.env._("deleted"))

    def button_cancel(self):
        result = super().button_cancel()
        self._icasa_release_rows(self.env._("cancelled"))
        return result

    def button_draft(self):
        """A cancelled period document reset to draft counts again; a posted
        customer credit note reset to draft no longer credits."""
        cancelled = self.filtered(lambda m: m.state == "cancel")
        refunds = self.filtered(lambda m: m.state == "posted" and m.move_type == "out_refund")
        rows = cancelled._icasa_ledger_rows(live=False)._icasa_check_revive()
        result = super().button_draft()
        rows.filtered(lambda r: r.kind != "refund")._icasa_revive()
        refunds._icasa_release_rows(self.env._("reset to draft"))
        return result


class AccountMoveLine(models.Model):
    _inherit = "account.move.line"

    icasa_period_start = fields.Date(string="Service Period Start", copy=False)
    icasa_period_end = fields.Date(string="Service Period End", copy=False)
    icasa_subscription_line_id = fields.Many2one(
        "sale.order.line", string="Subscription Line", index="btree_not_null", copy=False, readonly=True
    )

    def _copy_data_extend_business_fields(self, values):
        # a credit note or replacement draft keeps the service period and subscription line
        result = super()._copy_data_extend_business_fields(values)
        values.update(
            icasa_period_start=self.icasa_period_start,
            icasa_period_end=self.icasa_period_end,
            icasa_subscription_line_id=self.icasa_subscription_line_id.id,
        )
        return result
