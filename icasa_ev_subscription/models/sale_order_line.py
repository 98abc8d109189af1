from datetime import timedelta

from dateutil.relativedelta import relativedelta

from odoo import Command, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import float_is_zero, format_amount, format_date

from ..tools import ledger as ledger_math
from ..tools import notice, pricing, prorata

RECURRING_ROLES = ("maintenance", "connectivity")


class SaleOrderLine(models.Model):
    _inherit = "sale.order.line"

    icasa_recurring = fields.Boolean(
        string="Recurring",
        compute="_compute_icasa_recurring",
        store=True,
        readonly=False,
        precompute=True,
        help="Billed every period of the subscription; other lines are billed once, on the first invoice.",
    )
    icasa_asset_id = fields.Many2one(
        "icasa.installed.asset",
        string="Installed Asset",
        check_company=True,
        help="The charger or SIM this line is for; its serial number or ICCID shows on the invoice.",
    )
    icasa_price_step_ids = fields.One2many("icasa.subscription.price.step", "line_id", string="Price Steps")
    icasa_quantity_change_ids = fields.One2many(
        "icasa.subscription.quantity.change", "line_id", string="Quantity Changes", readonly=True
    )
    icasa_indexation = fields.Selection(
        [("none", "None"), ("percent", "Percentage"), ("formula", "Index Formula")],
        string="Indexation",
        default="none",
        required=True,
    )
    icasa_index_percent = fields.Float(string="Yearly Increase (%)")
    icasa_index_id = fields.Many2one("icasa.price.index", string="Index")
    icasa_index_a = fields.Float(string="Fixed Part (a)", digits=(16, 4), default=0.0)
    icasa_index_b = fields.Float(string="Indexed Part (b)", digits=(16, 4), default=1.0)
    icasa_index_base = fields.Float(string="Base Index (I0)", digits=(16, 4))
    icasa_index_base_price = fields.Float(string="Base Price (P0)", digits="Product Price")
    icasa_no_decrease = fields.Boolean(string="Never Decrease")
    icasa_indexed_until = fields.Date(copy=False, help="Anniversaries up to this date are indexed already (technical).")
    icasa_index_notice_date = fields.Date(
        string="Price Change Announced For",
        copy=False,
        readonly=True,
        help="The last anniversary whose new price was e-mailed to the customer.",
    )
    icasa_index_notice_old_price = fields.Float(string="Announced Old Price", digits="Product Price", copy=False)
    icasa_index_notice_price = fields.Float(string="Announced New Price", digits="Product Price", copy=False)

    @api.depends("product_id")
    def _compute_icasa_recurring(self):
        for line in self:
            line.icasa_recurring = line.product_id.icasa_billing_role in RECURRING_ROLES

    @api.constrains("icasa_indexation", "icasa_index_base", "icasa_index_id")
    def _check_icasa_indexation(self):
        for line in self.filtered(lambda line: line.icasa_indexation == "formula"):
            if not line.icasa_index_id or not line.icasa_index_base:
                raise ValidationError(
                    self.env._(
                        "%(line)s: the index formula needs an index and a base index value I0 other than "
                        "zero. Set them on the line.",
                        line=line.display_name,
                    )
                )

    def _compute_price_unit(self):
        """A recurring line of a running subscription keeps its price: it
        changes only through a price step, an indexation or an explicit edit,
        each logged. Odoo would otherwise reprice it to today's list price on
        a quantity change, since a subscription line is never fully invoiced."""
        running = self.filtered(lambda line: line._icasa_is_running())
        return super(SaleOrderLine, self - running)._compute_price_unit()

    def _compute_discount(self):
        running = self.filtered(lambda line: line._icasa_is_running())
        return super(SaleOrderLine, self - running)._compute_discount()

    def _icasa_is_running(self):
        self.ensure_one()
        return (
            self.icasa_recurring
            and not self.display_type
            and self.order_id.icasa_subscription_state in ("active", "paused", "closed")
        )

    @api.model_create_multi
    def create(self, vals_list):
        """A recurring line added to a running subscription serves from its
        effective date (today by default): before it, its quantity is 0."""
        lines = super().create(vals_list)
        added = lines.filtered(lambda line: line._icasa_is_running())
        for line in added:
            day = line._icasa_effective_date()
            # the change log is the engine's, written for the user who adds the line
            self.env["icasa.subscription.quantity.change"].sudo().create(
                {"line_id": line.id, "date": day, "old_quantity": 0.0, "new_quantity": line.product_uom_qty}
            )
            line.order_id.message_post(
                body=self.env._(
                    "%(product)s added: quantity %(quantity)s from %(date)s.",
                    product=line.product_id.display_name,
                    quantity=line.product_uom_qty,
                    date=format_date(self.env, day),
                )
            )
            line.order_id._icasa_recheck_from(day)
        added.order_id._icasa_bill_changes()
        return lines

    def _icasa_effective_date(self):
        day = self.env.context.get("icasa_effective_date")
        if day:
            return fields.Date.to_date(day)
        return max([fields.Date.context_today(self), *self.order_id.mapped("icasa_start_date")])

    def write(self, vals):
        frozen = {"product_id", "icasa_recurring", "product_uom"} & set(vals)
        if frozen and not self.env.context.get("icasa_engine"):
            running = self.filtered(
                lambda line: line._icasa_is_running() and (line.icasa_quantity_change_ids or line.invoice_lines)
            )
            if running:
                raise UserError(
                    self.env._(
                        "%(lines)s: the product, unit and recurrence of a billed subscription line cannot change. "
                        "Set its quantity to 0 from a date and add a new line instead.",
                        lines=", ".join(running.mapped("display_name")),
                    )
                )
        watched = {"product_uom_qty", "price_unit", "discount"} & set(vals)
        if not watched or self.env.context.get("icasa_no_adjust"):
            return super().write(vals)
        running = self.filtered(lambda line: line._icasa_is_running())
        closed = running.filtered(lambda line: line.order_id.icasa_subscription_state == "closed")
        if closed:
            raise UserError(
                self.env._(
                    "%(orders)s is closed: its quantities and prices can no longer change.",
                    orders=", ".join(closed.order_id.mapped("name")),
                )
            )
        if "discount" in vals and running:
            raise UserError(
                self.env._(
                    "%(lines)s: the discount of a running subscription line cannot change. Schedule a price step "
                    "instead.",
                    lines=", ".join(running.mapped("display_name")),
                )
            )
        day = running._icasa_effective_date()
        before = {line.id: (line.product_uom_qty, line.price_unit) for line in running}
        for line in running:
            line._icasa_check_effective_date(day)
        result = super().write(vals)
        for line in running:
            old_qty, old_price = before[line.id]
            order = line.order_id
            if line.currency_id.compare_amounts(old_price, line.price_unit):
                line._icasa_rebase_price(old_price, day)
            delta = line.product_uom_qty - old_qty
            if not float_is_zero(delta, precision_rounding=line.product_uom.rounding or 0.01):
                # the change log is the engine's, written for the user who changes the quantity
                self.env["icasa.subscription.quantity.change"].sudo().create(
                    {"line_id": line.id, "date": day, "old_quantity": old_qty, "new_quantity": line.product_uom_qty}
                )
                order.message_post(
                    body=self.env._(
                        "%(product)s: quantity %(old)s to %(new)s from %(date)s.",
                        product=line.product_id.display_name,
                        old=old_qty,
                        new=line.product_uom_qty,
                        date=format_date(self.env, day),
                    )
                )
            order._icasa_recheck_from(day)
        running.order_id._icasa_bill_changes()
        return result

    def _icasa_check_effective_date(self, day):
        """A change takes effect on or after the start and after the line's last change."""
        self.ensure_one()
        order = self.order_id
        last = max(self.icasa_quantity_change_ids.mapped("date"), default=None)
        if (order.icasa_start_date and day < order.icasa_start_date) or (last and day < last):
            raise UserError(
                self.env._(
                    "%(line)s: a change cannot take effect on %(date)s, before the subscription's start or its "
                    "last change (%(last)s). Pick a later effective date.",
                    line=self.display_name,
                    date=format_date(self.env, day),
                    last=format_date(self.env, last or order.icasa_start_date),
                )
            )

    def _icasa_edit_reason(self):
        return self.env._("edited on the subscription")

    def _icasa_rebase_price(self, old_price, day):
        """An explicit edit of the base price from ``day``: the days before
        keep the old price (price steps fill the gaps the existing steps
        leave), and the change is logged."""
        self.ensure_one()
        start = self.order_id.icasa_start_date
        steps = self._icasa_steps()
        gaps = pricing.gaps(steps, start, day - timedelta(days=1)) if start and day > start else []
        reason = self.env.context.get("icasa_price_reason") or self._icasa_edit_reason()
        Step = self.env["icasa.subscription.price.step"].with_context(icasa_no_post=True)
        for first, last in gaps:
            Step.create(
                {"line_id": self.id, "date_from": first, "date_to": last, "price_unit": old_price, "reason": reason}
            )
        self.order_id.message_post(
            body=self.env._(
                "%(product)s: base price changed from %(old)s to %(new)s from %(date)s. Reason: %(reason)s",
                product=self.product_id.display_name,
                old=format_amount(self.env, old_price, self.currency_id),
                new=format_amount(self.env, self.price_unit, self.currency_id),
                date=format_date(self.env, day),
                reason=reason,
            )
        )

    # ------------------------------------------------------------------
    # Period values of the line, next to _prepare_invoice_line
    # ------------------------------------------------------------------

    def _icasa_period_parts(self, ranges, full_days, digits):
        """``[(first, last, quantity, unit amount)]`` of this line over the served ranges of a period."""
        self.ensure_one()
        return ledger_math.period_parts(
            ranges, full_days, self._icasa_quantity_segments, self._icasa_price_segments, digits
        )

    def _icasa_period_label(self, first, last, correction=False, share=None):
        """The product, then on its own line the period (and the asset), as Odoo labels a line:
        the invoice form shows the product and, under it, what follows it."""
        self.ensure_one()
        values = {"start": format_date(self.env, first), "end": format_date(self.env, last)}
        if correction:
            period = self.env._("Correction for %(start)s to %(end)s", **values)
        elif share is not None:
            period = self.env._("%(start)s to %(end)s, %(share)s%% share", share=format(float(share), "g"), **values)
        else:
            period = self.env._("%(start)s to %(end)s", **values)
        if self.icasa_asset_id:
            asset = self.icasa_asset_id.sim_iccid or self.icasa_asset_id.serial_number
            period = self.env._("%(period)s (%(asset)s)", period=period, asset=asset)
        return f"{self.product_id.display_name}\n{period}"

    def action_icasa_open_asset(self):
        """The installed asset that this recurring line serves."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "icasa.installed.asset",
            "res_id": self.icasa_asset_id.id,
            "view_mode": "form",
            "views": [(False, "form")],
        }

    def _icasa_prepare_period_invoice_line(self, first, last, quantity, amount, correction=False, share=None):
        """An invoice line of one period part (or of a correction or a payer's
        share of a part, at quantity 1, no discount)."""
        self.ensure_one()
        vals = self._prepare_invoice_line(
            name=self._icasa_period_label(first, last, correction, share),
            quantity=quantity,
            price_unit=amount,
            icasa_period_start=first,
            icasa_period_end=last,
            icasa_subscription_line_id=self.id,
        )
        if correction or share is not None:
            vals["discount"] = 0.0
        return vals

    def _icasa_prepare_period_order_line(self, first, last, quantity, amount, correction=False, share=None):
        self.ensure_one()
        return {
            "product_id": self.product_id.id,
            "name": self._icasa_period_label(first, last, correction, share),
            "product_uom_qty": quantity,
            "product_uom": self.product_uom.id,
            "price_unit": amount,
            "discount": 0.0 if correction or share is not None else self.discount,
            "tax_id": [Command.set(self.tax_id.ids)],
            "icasa_recurring": False,
            "icasa_asset_id": self.icasa_asset_id.id,
        }

    def _icasa_steps(self):
        self.ensure_one()
        return [(s.date_from, s.date_to or None, s.price_unit) for s in self.icasa_price_step_ids]

    def _icasa_price_at(self, day):
        self.ensure_one()
        return float(pricing.price_at(self._icasa_steps(), day, self.price_unit))

    def _icasa_quantity_segments(self, start, end):
        """``[(start, end, quantity)]`` of this line over ``start``..``end``."""
        self.ensure_one()
        changes = [(change.date, change.old_quantity) for change in self.icasa_quantity_change_ids]
        return prorata.quantity_segments(changes, start, end, self.product_uom_qty)

    def _icasa_price_segments(self, start, end):
        """``[(date_from, price)]`` of this line over ``start``..``end``."""
        self.ensure_one()
        return pricing.segments(self._icasa_steps(), start, end, self.price_unit)

    def _icasa_apply_indexation(self, period):
        """Index the price on each anniversary of the subscription up to the end of ``period``."""
        self.ensure_one()
        start = self.order_id.icasa_start_date
        if self.icasa_indexation == "none" or not start:
            return
        years = 1
        while True:
            anniversary = start + relativedelta(years=years)
            if anniversary > period.end:
                break
            if not self.icasa_indexed_until or anniversary > self.icasa_indexed_until:
                self._icasa_index_on(anniversary)
            years += 1

    def _icasa_index_on(self, anniversary):
        """Index the price on an anniversary: add a price step from that day and
        post the change on the subscription. Returns the step, or nothing."""
        self.ensure_one()
        old = pricing.to_decimal(self._icasa_price_at(anniversary - timedelta(days=1)))
        digits = self.currency_id.decimal_places
        if self.icasa_indexation == "percent":
            new = pricing.index_percentage(old, self.icasa_index_percent, digits)
            reason = self.env._("yearly indexation of %(percent)s %%", percent=self.icasa_index_percent)
        elif self.icasa_indexation == "formula":
            value = self.icasa_index_id._value_at(anniversary)
            if not value:
                raise ValidationError(
                    self.env._(
                        "%(line)s: index %(index)s has no value for %(month)s or before. Enter it in the index table.",
                        line=self.display_name,
                        index=self.icasa_index_id.name,
                        month=anniversary.strftime("%Y-%m"),
                    )
                )
            base_price = self.icasa_index_base_price or self.price_unit
            new = pricing.index_formula(
                base_price, self.icasa_index_a, self.icasa_index_b, self.icasa_index_base, value.value, digits
            )
            reason = self.env._(
                "index %(index)s %(month)s = %(value)s (base %(base)s)",
                index=self.icasa_index_id.name,
                month=value.month.strftime("%Y-%m"),
                value=value.value,
                base=self.icasa_index_base,
            )
        else:
            return self.env["icasa.subscription.price.step"]
        new = pricing.apply_floor(old, new, self.icasa_no_decrease)
        self.icasa_indexed_until = anniversary
        if new == old:
            return self.env["icasa.subscription.price.step"]
        return (
            self.env["icasa.subscription.price.step"]
            .with_context(icasa_engine=True)
            .create({"line_id": self.id, "date_from": anniversary, "price_unit": float(new), "reason": reason})
        )

    @api.depends("icasa_recurring", "order_id.icasa_plan_id")
    def _compute_invoice_status(self):
        """A recurring line is billed period by period: invoiced once a period
        document bills it, never "upselling" because its periods add up."""
        res = super()._compute_invoice_status()
        for line in self:
            if line.icasa_recurring and line.order_id.icasa_plan_id and line.state == "sale":
                line.invoice_status = "invoiced" if line.invoice_lines else "no"
        return res

    @api.depends("icasa_recurring", "order_id.icasa_plan_id")
    def _compute_qty_to_invoice(self):
        """Recurring lines of a subscription are billed per period by the subscription
        engine (and its ledger) only: Odoo's own "Create Invoice" never bills them."""
        res = super()._compute_qty_to_invoice()
        for line in self:
            if line.icasa_recurring and line.order_id.icasa_plan_id:
                line.qty_to_invoice = 0.0
        return res

    # ------------------------------------------------------------------
    # Price change notices
    # ------------------------------------------------------------------

    def _icasa_price_today(self):
        """The unit price in force today (price steps and indexations included)."""
        self.ensure_one()
        return self._icasa_price_at(fields.Date.context_today(self))

    def _icasa_index_preview(self, anniversary):
        """``(old, new)`` prices of the indexation on ``anniversary``, as ``_icasa_index_on``
        will compute them (an index formula with the latest value known today), or None
        when the index has no value yet."""
        self.ensure_one()
        old = pricing.to_decimal(self._icasa_price_at(anniversary - timedelta(days=1)))
        digits = self.currency_id.decimal_places
        if self.icasa_indexed_until and self.icasa_indexed_until >= anniversary:
            new = pricing.to_decimal(self._icasa_price_at(anniversary))
        elif self.icasa_indexation == "percent":
            new = pricing.index_percentage(old, self.icasa_index_percent, digits)
        elif self.icasa_indexation == "formula":
            value = self.icasa_index_id._value_at(anniversary)
            if not value:
                return None
            new = pricing.index_formula(
                self.icasa_index_base_price or self.price_unit,
                self.icasa_index_a,
                self.icasa_index_b,
                self.icasa_index_base,
                value.value,
                digits,
            )
        else:
            return None
        return old, pricing.apply_floor(old, new, self.icasa_no_decrease)

    @api.model
    def _cron_icasa_index_notice(self, today=None):
        """E-mail customers the new price of each indexed line whose anniversary falls
        within the company's notice period, once per line and anniversary."""
        today = today or fields.Date.context_today(self)
        template = self.env.ref("icasa_ev_subscription.email_template_icasa_price_change")
        for company in self.env["res.company"].search([]):
            lines = (
                self.with_company(company)
                .search(
                    [
                        ("company_id", "=", company.id),
                        ("icasa_indexation", "!=", "none"),
                        ("display_type", "=", False),
                        ("order_id.icasa_subscription_state", "in", ("active", "paused")),
                    ]
                )
                .filtered("icasa_recurring")
            )
            for line in lines:
                order = line.order_id
                anniversary = notice.anniversary_to_notice(
                    order.icasa_start_date, today, company.icasa_index_notice_days, line.icasa_index_notice_date
                )
                if not anniversary or (order.icasa_end_date and anniversary > order.icasa_end_date):
                    continue
                prices = line._icasa_index_preview(anniversary)
                if not prices or prices[0] == prices[1]:
                    continue
                line.write(
                    {
                        "icasa_index_notice_date": anniversary,
                        "icasa_index_notice_old_price": float(prices[0]),
                        "icasa_index_notice_price": float(prices[1]),
                    }
                )
                template.send_mail(line.id)
                order.message_post(
                    body=self.env._(
                        "%(product)s: new price %(price)s from %(day)s announced to the customer.",
                        product=line.product_id.display_name,
                        price=format_amount(self.env, float(prices[1]), line.currency_id),
                        day=format_date(self.env, anniversary),
                    ),
                    subtype_xmlid="mail.mt_note",
                )
