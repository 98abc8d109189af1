from collections import defaultdict

from odoo import Command, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL, float_compare, format_amount

from ..tools.split import PERCENT, allocate_lines, from_minor, milestone_amounts, split_total, to_minor
from .icasa_milestone import share_label
from .icasa_milestone_plan import SHARE_DIGITS, SHARE_TYPES


class SaleOrder(models.Model):
    _inherit = "sale.order"

    icasa_milestone_plan_id = fields.Many2one(
        "icasa.milestone.plan",
        string="Milestone Plan",
        compute="_compute_icasa_milestone_plan_id",
        store=True,
        readonly=False,
        precompute=True,
        copy=True,
        check_company=True,
        help="Copied onto the order's milestones; the milestones stay editable until confirmation.",
    )
    icasa_share_type = fields.Selection(
        SHARE_TYPES,
        string="Milestone Shares",
        compute="_compute_icasa_share_type",
        store=True,
        readonly=False,
        precompute=True,
        copy=True,
    )
    icasa_milestone_ids = fields.One2many("icasa.milestone", "order_id", string="Milestones", copy=True)
    icasa_milestone_billing = fields.Boolean(
        string="Billed by Milestones",
        compute="_compute_icasa_milestone_billing",
        store=True,
        help="The order is invoiced milestone by milestone; Odoo's regular invoicing is disabled for it.",
    )
    icasa_milestone_count = fields.Integer(compute="_compute_icasa_milestone_progress")
    icasa_milestone_invoiced_count = fields.Integer(compute="_compute_icasa_milestone_progress")
    icasa_milestone_progress = fields.Float(string="Invoiced (%)", compute="_compute_icasa_milestone_progress")
    icasa_amount_milestone_invoiced = fields.Monetary(
        string="Invoiced by Milestones",
        compute="_compute_icasa_milestone_progress",
        help="Untaxed amount of the milestones' posted invoices, net of their posted credit notes.",
    )
    icasa_amount_milestone_draft = fields.Monetary(
        string="In Draft Invoices",
        compute="_compute_icasa_milestone_progress",
        help="Untaxed amount of the milestones' draft invoices: billed, but not invoiced until posted.",
    )
    icasa_amount_milestone_remaining = fields.Monetary(
        string="Remaining to Invoice",
        compute="_compute_icasa_milestone_progress",
        help="Untaxed amount that no milestone invoice (posted or draft) bills yet.",
    )

    @api.depends("sale_order_template_id")
    def _compute_icasa_milestone_plan_id(self):
        for order in self:
            plan = order.sale_order_template_id.icasa_milestone_plan_id
            if plan:
                order.icasa_milestone_plan_id = plan

    @api.depends("icasa_milestone_plan_id")
    def _compute_icasa_share_type(self):
        for order in self:
            order.icasa_share_type = order.icasa_milestone_plan_id.share_type or order.icasa_share_type or "percent"

    @api.depends("icasa_milestone_ids")
    def _compute_icasa_milestone_billing(self):
        for order in self:
            order.icasa_milestone_billing = bool(order.icasa_milestone_ids)

    @api.depends(
        "icasa_milestone_ids.state",
        "icasa_milestone_ids.invoice_ids.amount_untaxed",
        "icasa_milestone_ids.invoice_ids.state",
        "icasa_milestone_ids.invoice_ids.reversal_move_ids.state",
        "amount_untaxed",
    )
    def _compute_icasa_milestone_progress(self):
        for order in self:
            active = order.icasa_milestone_ids.filtered(lambda m: m.state != "cancelled")
            invoiced = active.filtered(lambda m: m.state == "invoiced")
            order.icasa_milestone_count = len(active)
            order.icasa_milestone_invoiced_count = len(invoiced)
            digits = order.currency_id.decimal_places
            posted = from_minor(sum(m._icasa_posted_net_minor() for m in invoiced), digits)
            scheduled = from_minor(sum(m._icasa_billed_minor() for m in invoiced), digits)
            order.icasa_amount_milestone_invoiced = posted
            order.icasa_amount_milestone_draft = from_minor(sum(m._icasa_draft_minor() for m in invoiced), digits)
            order.icasa_amount_milestone_remaining = order.currency_id.round(order.amount_untaxed - scheduled)
            untaxed = order.amount_untaxed
            order.icasa_milestone_progress = 0.0 if order.currency_id.is_zero(untaxed) else 100.0 * posted / untaxed

    @api.depends("icasa_milestone_ids.state")
    def _compute_invoice_status(self):
        res = super()._compute_invoice_status()
        for order in self.filtered(lambda o: o.state == "sale" and o.icasa_milestone_billing):
            active = order.icasa_milestone_ids.filtered(lambda m: m.state != "cancelled")
            if any(m.state == "reached" for m in active):
                order.invoice_status = "to invoice"
            elif active and all(m.state == "invoiced" for m in active):
                order.invoice_status = "invoiced"
            else:
                order.invoice_status = "no"
        return res

    # --- plan ------------------------------------------------------------------------------

    @api.constrains("icasa_milestone_plan_id", "currency_id")
    def _check_icasa_plan_currency(self):
        for order in self:
            plan = order.icasa_milestone_plan_id
            if plan.share_type == "fixed" and plan.currency_id != order.currency_id:
                raise ValidationError(
                    self.env._(
                        "Milestone plan %(plan)s has fixed amounts in %(plan_currency)s but order %(order)s is in "
                        "%(currency)s. Choose a percentage plan or a plan in %(currency)s.",
                        plan=plan.name,
                        plan_currency=plan.currency_id.name,
                        order=order.name,
                        currency=order.currency_id.name,
                    )
                )

    def _icasa_plan_milestone_values(self):
        self.ensure_one()
        return [
            {
                "sequence": line.sequence,
                "name": line.name,
                "plan_line_id": line.id,
                "share": line.share,
                "trigger": line.trigger,
                "kind": line.kind,
                "date_interval": line.date_interval,
                "date_unit": line.date_unit,
                # a team of another company stays off the order's milestones
                "team_id": line.team_id.filtered(
                    lambda team: not team.company_id or team.company_id == self.company_id
                ).id,
            }
            for line in self.icasa_milestone_plan_id.line_ids
        ]

    @api.onchange("icasa_milestone_plan_id")
    def _onchange_icasa_milestone_plan_id(self):
        if self.state in ("draft", "sent") and self.icasa_milestone_plan_id:
            self.icasa_milestone_ids = [Command.clear()] + [
                Command.create(vals) for vals in self._icasa_plan_milestone_values()
            ]

    def _icasa_apply_plan(self):
        """Replace the order's milestones by those of its plan (quotations only)."""
        for order in self:
            if order.state not in ("draft", "sent"):
                raise UserError(
                    self.env._(
                        "Order %(order)s is confirmed: its milestone plan can no longer be replaced. "
                        "Edit its milestones or use the instalment wizard.",
                        order=order.name,
                    )
                )
            order.icasa_milestone_ids.unlink()
            if order.icasa_milestone_plan_id:
                order.write(
                    {"icasa_milestone_ids": [Command.create(vals) for vals in order._icasa_plan_milestone_values()]}
                )

    @api.model_create_multi
    def create(self, vals_list):
        orders = super().create(vals_list)
        for order, vals in zip(orders, vals_list, strict=True):
            if order.icasa_milestone_plan_id and "icasa_milestone_ids" not in vals:
                order._icasa_apply_plan()
        return orders

    def write(self, vals):
        plan_keys = {"icasa_milestone_plan_id", "sale_order_template_id"}
        before = {order: order.icasa_milestone_plan_id for order in self} if plan_keys & set(vals) else {}
        res = super().write(vals)
        if before and "icasa_milestone_ids" not in vals:
            changed = self.filtered(lambda o: o.icasa_milestone_plan_id != before[o])
            changed._icasa_apply_plan()
        return res

    # --- money -----------------------------------------------------------------------------

    def _icasa_minor(self, amount):
        self.ensure_one()
        return to_minor(self.currency_id.round(amount), self.currency_id.decimal_places)

    def _icasa_billable_lines(self):
        self.ensure_one()
        return self.order_line.filtered(lambda line: not line.display_type and not line.is_downpayment)

    def _icasa_milestone_amounts(self, strict=True):
        """Untaxed amount of each active milestone in minor units: ``{milestone: int}``.

        Percent shares use cumulative rounding on the untaxed total; on a confirmed
        order, invoiced milestones keep what they billed and the open ones absorb any
        difference (see ``tools.split.milestone_amounts``).
        """
        self.ensure_one()
        active = self.icasa_milestone_ids.filtered(lambda m: m.state != "cancelled").sorted(lambda m: m.sequence)
        if not active:
            return {}
        total = sum(self._icasa_minor(line.price_subtotal) for line in self._icasa_billable_lines())
        if self.icasa_share_type == "fixed":
            targets = [self._icasa_minor(m.share) for m in active]
        else:
            targets = split_total(total, [m.share for m in active], PERCENT)
        if self.state != "sale":
            return dict(zip(active, targets, strict=True))
        invoiced = [m._icasa_billed_minor() if m.state == "invoiced" else None for m in active]
        try:
            amounts = milestone_amounts(total, targets, invoiced)
        except ValueError:
            if strict:
                raise UserError(
                    self.env._(
                        "Every milestone of order %(order)s is invoiced (%(invoiced)s) but its untaxed total is "
                        "%(total)s. Add a milestone for the difference, or issue a credit note, before changing "
                        "the order.",
                        order=self.name,
                        invoiced=self._icasa_format(sum(invoiced)),
                        total=self._icasa_format(total),
                    )
                ) from None
            amounts = [t if inv is None else inv for t, inv in zip(targets, invoiced, strict=True)]
        return dict(zip(active, amounts, strict=True))

    def _icasa_format(self, minor):
        return format_amount(self.env, from_minor(minor, self.currency_id.decimal_places), self.currency_id)

    def _icasa_check_milestone_amounts(self):
        """Refuse a change that would bill a confirmed order above its total."""
        if self.env.context.get("icasa_skip_amount_check"):
            return
        for order in self.filtered(lambda o: o.state == "sale" and o.icasa_milestone_billing):
            amounts = order._icasa_milestone_amounts(strict=True)
            if not amounts and not order.currency_id.is_zero(order.amount_untaxed):
                # every milestone cancelled: nothing would bill the order
                raise UserError(
                    self.env._(
                        "Order %(order)s would keep an amount that no milestone bills: keep at least one open "
                        "milestone to bill the rest of the order.",
                        order=order.name,
                    )
                )
            for milestone, amount in amounts.items():
                if milestone.state != "invoiced" and amount < 0:
                    raise UserError(
                        self.env._(
                            "This change would leave %(amount)s for milestone %(milestone)s of order %(order)s: "
                            "the order would be billed for more than its total. Issue a credit note first, "
                            "or keep the order total at least at what is already invoiced.",
                            amount=order._icasa_format(amount),
                            milestone=milestone.name,
                            order=order.name,
                        )
                    )

    def _icasa_check_no_outside_invoices(self):
        """Refuse milestones on an order already invoiced by Odoo's Create Invoice (down payments included):
        the milestones would bill its total a second time."""
        for order in self.filtered(lambda o: o.state == "sale"):
            # every invoice of the order counts, including those the user may not read
            outside = order.sudo().invoice_ids.filtered(
                lambda m: (
                    m.move_type == "out_invoice"
                    and m.state != "cancel"
                    and not m.icasa_milestone_id
                    and not m._icasa_is_fully_reversed()
                )
            )
            if outside:
                raise UserError(
                    self.env._(
                        "Order %(order)s is already invoiced outside milestones (%(invoices)s): milestones would "
                        "bill it a second time. Cancel or fully credit these invoices before adding milestones.",
                        order=order.name,
                        invoices=", ".join(outside.mapped("display_name")),
                    )
                )

    def _icasa_check_not_overbilled(self):
        """Refuse milestone invoices that bill an order for more than its untaxed total."""
        for order in self:
            milestones = order.icasa_milestone_ids.filtered(lambda m: m.state == "invoiced")
            billed = sum(m._icasa_billed_minor() for m in milestones)
            total = sum(order._icasa_minor(line.price_subtotal) for line in order._icasa_billable_lines())
            if billed > total:
                raise UserError(
                    self.env._(
                        "The milestone invoices of order %(order)s would bill %(billed)s, more than its untaxed "
                        "total of %(total)s. Correct the invoice or the order first.",
                        order=order.name,
                        billed=order._icasa_format(billed),
                        total=order._icasa_format(total),
                    )
                )

    def _icasa_share_gap_message(self):
        """Why the milestones of a quotation cannot be confirmed, or False."""
        self.ensure_one()
        active = self.icasa_milestone_ids.filtered(lambda m: m.state != "cancelled")
        if not active:
            return False
        plan = self.icasa_milestone_plan_id.name or self.env._("(no plan)")
        shares = sum(active.mapped("share"))
        if self.icasa_share_type == "fixed":
            if self.currency_id.compare_amounts(shares, self.amount_untaxed) != 0:
                return self.env._(
                    "The fixed milestone amounts of order %(order)s (plan %(plan)s) add up to %(shares)s but its "
                    "untaxed total is %(total)s: the gap is %(gap)s. Adjust the milestones before confirming.",
                    order=self.name,
                    plan=plan,
                    shares=format_amount(self.env, shares, self.currency_id),
                    total=format_amount(self.env, self.amount_untaxed, self.currency_id),
                    gap=format_amount(self.env, self.amount_untaxed - shares, self.currency_id),
                )
        elif float_compare(shares, 100.0, precision_digits=SHARE_DIGITS[1]) != 0:
            return self.env._(
                "The milestone shares of order %(order)s (plan %(plan)s) add up to %(shares)s%%, not 100%%: "
                "the gap is %(gap)s%%. Adjust the shares before confirming.",
                order=self.name,
                plan=plan,
                shares=round(shares, 4),
                gap=round(100.0 - shares, 4),
            )
        return False

    def _icasa_create_milestone_invoices(self, milestones):
        """Create the invoices of reached ``milestones`` of this order: ``{milestone: invoice}``.

        One line per order line, for the milestone's exact part. The schedule is
        worked out once for all of them and the invoices are created in one
        batch, so that many instalments due at once cost in proportion to their
        number. A milestone with nothing to bill gets no invoice.
        """
        self.ensure_one()
        # Serialise the milestone invoices of one order: each allocation reads what the
        # others billed, so two milestones billed at once could not share the cents exactly.
        self.env.cr.execute(SQL("SELECT id FROM sale_order WHERE id = %s FOR NO KEY UPDATE", self.id))
        order = self.with_company(self.company_id)
        if order.partner_invoice_id.lang:
            order = order.with_context(lang=order.partner_invoice_id.lang)
        amounts = order._icasa_milestone_amounts(strict=True)
        to_bill = [m for m in milestones.sorted(lambda m: (m.sequence, m.id)) if m in amounts]
        if not to_bill:
            return {}
        billing_order = to_bill + [m for m in amounts if m.state != "invoiced" and m not in milestones]
        lines = order._icasa_billable_lines()
        try:
            parts_by_milestone = allocate_lines(
                [order._icasa_minor(line.price_subtotal) for line in lines],
                [amounts[m] for m in billing_order],
                [line._icasa_billed_minor() for line in lines],
            )[: len(to_bill)]
        except ValueError:
            raise UserError(
                self.env._(
                    "Order %(order)s has been invoiced outside its milestones: milestone %(milestone)s cannot be "
                    "invoiced exactly. Cancel or credit the other invoices first.",
                    order=order.name,
                    milestone=", ".join(m.name for m in to_bill),
                )
            ) from None
        base_vals = order._prepare_invoice()
        billed, vals_list = [], []
        for milestone, parts in zip(to_bill, parts_by_milestone, strict=True):
            if not any(parts):
                continue
            invoice_vals = dict(base_vals, icasa_milestone_id=milestone.id, invoice_line_ids=[])
            label = order.env._(
                "%(milestone)s (%(share)s) of %(order)s",
                milestone=milestone.name,
                share=share_label(milestone),
                order=order.name,
            )
            for sequence, (line, part) in enumerate(zip(lines, parts, strict=True)):
                if not part:
                    continue
                line_vals = line._prepare_invoice_line(
                    sequence=sequence, quantity=1.0, price_unit=order._icasa_invoice_price(line, part), discount=0.0
                )
                line_vals["name"] = f"{line_vals['name']}\n{label}"
                line._set_analytic_distribution(line_vals)
                invoice_vals["invoice_line_ids"].append(Command.create(line_vals))
            billed.append(milestone)
            vals_list.append(invoice_vals)
        if not vals_list:
            return {}
        invoices = order._create_account_invoices(vals_list, final=False)
        created = dict(zip(billed, invoices, strict=True))
        if len(billing_order) == len(to_bill):
            # the last open milestone of the order is among them: its invoice trues up the taxes
            order._icasa_true_up_taxes(invoices[-1], len(lines), others=invoices[:-1])
        for milestone, invoice in created.items():
            invoice.message_post(
                body=order.env._(
                    "Invoice of milestone %(milestone)s of %(order)s",
                    milestone=milestone.name,
                    order=order._get_html_link(),
                )
            )
        return created

    @staticmethod
    def _icasa_tax_groups(tax_totals):
        amounts = defaultdict(float)
        for subtotal in tax_totals.get("subtotals", []):
            for group in subtotal["tax_groups"]:
                amounts[group["id"]] += group["tax_amount_currency"]
        return amounts

    def _icasa_true_up_taxes(self, invoice, line_count, others=None):
        """Make the last milestone invoice bring each tax group to the order's tax, to the cent.

        Each invoice rounds its own taxes, so over many instalments the taxes could
        drift by a cent or two from the order's. The last invoice takes the
        difference, the way a user adjusts a tax amount on the invoice form. A larger
        difference (taxes changed on the order after invoicing) is left alone.
        ``others``: invoices created with this one, for milestones not marked invoiced yet.
        """
        self.ensure_one()
        # the schedule is printed from every invoice of the order, whoever prints it
        invoice = invoice.sudo()
        previous = self.env["account.move"].sudo()
        for milestone in self.icasa_milestone_ids.filtered(lambda m: m.state == "invoiced"):
            previous |= milestone._icasa_live_invoices()
        if others:
            previous |= others.sudo()
        previous -= invoice
        target = self._icasa_tax_groups(self.tax_totals)
        for move in previous:
            for group_id, amount in self._icasa_tax_groups(move.tax_totals).items():
                target[group_id] -= amount
        tolerance = self.currency_id.rounding * (len(previous) + 1) * max(line_count, 1)
        totals = invoice.tax_totals
        changed = False
        for subtotal in totals.get("subtotals", []):
            for group in subtotal["tax_groups"]:
                delta = self.currency_id.round(target[group["id"]] - group["tax_amount_currency"])
                if not self.currency_id.is_zero(delta) and self.currency_id.compare_amounts(abs(delta), tolerance) <= 0:
                    group["tax_amount_currency"] = self.currency_id.round(target[group["id"]])
                    changed = True
        if changed:
            invoice.tax_totals = totals

    def _icasa_invoice_price(self, line, part):
        """Unit price of the invoice line that bills ``part`` (untaxed, minor units) of ``line``.

        With taxes included in the price, the invoice price is the part plus those
        taxes, so that the invoice line's untaxed subtotal is the part again.
        """
        price = from_minor(part, self.currency_id.decimal_places)
        included = line.tax_id.filtered("price_include")
        if included:
            price = included.compute_all(
                price,
                currency=self.currency_id,
                product=line.product_id,
                partner=self.partner_shipping_id,
                handle_price_include=False,
            )["total_included"]
        return price

    # --- workflow --------------------------------------------------------------------------

    def _confirmation_error_message(self):
        return super()._confirmation_error_message() or self._icasa_share_gap_message()

    def _action_confirm(self):
        res = super()._action_confirm()
        today = fields.Date.context_today(self)
        for order in self.filtered("icasa_milestone_billing"):
            start = fields.Date.context_today(order, order.date_order)
            milestones = order.icasa_milestone_ids.filtered(lambda m: m.state == "planned")
            for milestone in milestones.filtered(lambda m: m.trigger == "date" and not m.scheduled_date):
                milestone.scheduled_date = milestone._icasa_due_date(start)
            due = milestones.filtered(
                lambda m: m.trigger == "confirmation" or (m.trigger == "date" and m.scheduled_date <= today)
            )
            if due:
                due._icasa_reach()
        return res

    def _action_cancel(self):
        res = super()._action_cancel()
        open_milestones = self.icasa_milestone_ids.filtered(lambda m: m.state in ("planned", "reached"))
        open_milestones._icasa_engine().write({"state": "cancelled"})
        return res

    def action_draft(self):
        res = super().action_draft()
        self.icasa_milestone_ids.filtered(lambda m: m.state == "cancelled")._icasa_engine().write({"state": "planned"})
        return res

    def _get_invoiceable_lines(self, final=False):
        if self.icasa_milestone_billing:
            return self.env["sale.order.line"]
        return super()._get_invoiceable_lines(final=final)

    def _nothing_to_invoice_error_message(self):
        milestone_orders = self.filtered("icasa_milestone_billing")
        if milestone_orders:
            return self.env._(
                "Order(s) %(orders)s are billed by milestones: each milestone's invoice is created when the "
                "milestone is reached, or from the Create Invoice button of a reached milestone.",
                orders=", ".join(milestone_orders.mapped("name")),
            )
        return super()._nothing_to_invoice_error_message()

    def action_view_icasa_milestones(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("icasa_ev_billing.icasa_milestone_action")
        action["domain"] = [("order_id", "=", self.id)]
        action["context"] = {"default_order_id": self.id}
        return action

    def action_icasa_split_instalments(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Split into Instalments"),
            "res_model": "icasa.instalment.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_order_id": self.id},
        }
