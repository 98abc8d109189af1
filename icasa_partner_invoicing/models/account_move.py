from collections import defaultdict

from odoo import api, fields, models


class AccountMove(models.Model):
    _inherit = "account.move"

    icasa_end_customer_id = fields.Many2one(
        "res.partner",
        string="End Customer",
        index="btree_not_null",
        readonly=True,
        copy=True,
        help="The customer served, when a partner pays the document.",
    )
    icasa_agreement_id = fields.Many2one(
        "icasa.partner.agreement", string="Partner Agreement", index="btree_not_null", readonly=True, copy=True
    )
    icasa_consolidated = fields.Boolean(string="Consolidated", readonly=True, copy=False)
    icasa_consolidation_start = fields.Date(string="Consolidates From", readonly=True, copy=False)
    icasa_consolidation_end = fields.Date(string="Consolidates To", readonly=True, copy=False)
    icasa_replaced_move_id = fields.Many2one(
        "account.move",
        string="Replaces",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="The consolidated invoice this draft replaces (Reverse and Create Invoice).",
    )

    def copy_data(self, default=None):
        """ "Reverse and create a new draft" of a consolidated invoice: the
        new draft is consolidated too and bills the periods of the one it
        replaces."""
        vals_list = super().copy_data(default)
        if not self.env.context.get("include_business_fields"):
            return vals_list
        for move, vals in zip(self, vals_list, strict=True):
            if move.icasa_consolidated and vals.get("move_type", move.move_type) == "out_invoice":
                vals.update(
                    icasa_consolidated=True,
                    icasa_consolidation_start=move.icasa_consolidation_start,
                    icasa_consolidation_end=move.icasa_consolidation_end,
                    icasa_replaced_move_id=move.id,
                )
        return vals_list

    @api.model_create_multi
    def create(self, vals_list):
        moves = super().create(vals_list)
        if not self.env.context.get("icasa_engine"):
            moves.filtered(lambda m: m.icasa_replaced_move_id and m.move_type == "out_invoice")._icasa_adopt_rows()
        return moves

    def _icasa_adopt_rows(self):
        """The replacement draft of a consolidated invoice counts in the
        ledger of every period the replaced invoice billed."""
        Period = self.env["icasa.subscription.period"].sudo()  # only the engine writes the ledger
        for move in self:
            origins = move.icasa_replaced_move_id._icasa_ledger_rows().filtered(lambda r: r.kind != "refund")
            Period.flush_model(["live", "billing_key"])
            for origin in origins:
                amounts = move._icasa_line_amounts(origin)
                if not amounts:
                    continue
                key = False if origin._icasa_key_holder() else origin.period_start
                Period.create(
                    move._icasa_row_values(
                        origin,
                        kind="invoice",
                        billing_key=key,
                        line_amounts=amounts,
                        amount_untaxed=sum(amounts.values()),
                    )
                )
                origin.order_id._icasa_recheck_from(origin.period_start)

    def _icasa_subtotals_by_end_customer(self):
        """``[(end customer, untaxed subtotal)]`` of a consolidated invoice, by name."""
        self.ensure_one()
        totals = defaultdict(float)
        for line in self.invoice_line_ids.filtered(lambda line: line.display_type == "product"):
            totals[line.icasa_end_customer_id] += line.price_subtotal
        return sorted(totals.items(), key=lambda item: item[0].display_name or "")

    def _icasa_row_values(self, origin, **values):
        # a credit note or replacement draft bills the share of the row it follows
        return {
            "payer_role": origin.payer_role,
            "payer_id": origin.payer_id.id,
            **super()._icasa_row_values(origin, **values),
        }

    def _icasa_resync_rows(self):
        """A consolidated draft may have been edited before it is posted (a
        line deleted, a price changed): its ledger rows take what it really
        bills for each period, and those periods are checked again."""
        for move in self.filtered("icasa_consolidated"):
            for row in move._icasa_ledger_rows(live=True).filtered(lambda r: r.kind != "refund"):
                amounts = move._icasa_line_amounts(row)
                current = row.line_amounts or {}
                keys = set(amounts) | set(current)
                if all(move.currency_id.is_zero(amounts.get(k, 0.0) - current.get(k, 0.0)) for k in keys):
                    continue
                # the ledger is the engine's; the user who posts may only read it
                row.sudo().write({"line_amounts": amounts, "amount_untaxed": sum(amounts.values())})
                row.order_id._icasa_recheck_from(row.period_start)

    def _post(self, soft=True):
        self.filtered(lambda m: m.icasa_consolidated and m.state == "draft")._icasa_resync_rows()
        return super()._post(soft)

    def action_icasa_credit(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Credit %(invoice)s", invoice=self.name),
            "res_model": "icasa.credit.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_move_id": self.id},
        }


class AccountMoveLine(models.Model):
    _inherit = "account.move.line"

    icasa_end_customer_id = fields.Many2one("res.partner", string="End Customer", index="btree_not_null")
    icasa_credited_line_id = fields.Many2one(
        "account.move.line", string="Credits Line", index="btree_not_null", copy=False, readonly=True
    )
    icasa_asset_id = fields.Many2one(related="icasa_subscription_line_id.icasa_asset_id", string="Asset")
    icasa_site_id = fields.Many2one(related="icasa_subscription_line_id.icasa_asset_id.site_partner_id", string="Site")

    def _copy_data_extend_business_fields(self, values):
        # a credit note keeps the end customer of each line, so it credits chosen end customers
        result = super()._copy_data_extend_business_fields(values)
        values["icasa_end_customer_id"] = self.icasa_end_customer_id.id
        return result
