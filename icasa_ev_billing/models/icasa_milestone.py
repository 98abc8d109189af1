import logging
import secrets
from collections import defaultdict

from dateutil.relativedelta import relativedelta
from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import SQL, float_is_zero, format_amount, format_date

from ..tools.shares import INFINITE, NOT_A_NUMBER, NOT_POSITIVE, OVER_100, TOO_LARGE, share_problem
from ..tools.split import from_minor
from .cron_batch import commit_batch
from .icasa_milestone_plan import DATE_UNITS, KINDS, SHARE_DIGITS, TRIGGERS

_logger = logging.getLogger(__name__)

STATES = [("planned", "Planned"), ("reached", "Reached"), ("invoiced", "Invoiced"), ("cancelled", "Cancelled")]
MONEY_GROUPS = "sales_team.group_sale_salesman,account.group_account_invoice"
# what a field technician may change on a milestone; reaching it goes through _icasa_reach
# (the scheduled date only where it is not a billing date: see write())
FIELD_TEAM_FIELDS = frozenset({"notes", "scheduled_date"})
# where a milestone is in its billing: moved only by the engine's actions, which check and log
ENGINE_FIELDS = frozenset({"state", "reached_by_id", "reached_date"})
# The engine's actions write ENGINE_FIELDS under this context key. Its value is drawn
# at start-up and never leaves the server, so a caller cannot pass it over RPC.
ENGINE_KEY = "icasa_milestone_engine"
_ENGINE_TOKEN = secrets.token_hex(16)
CRON_BATCH = 30


class IcasaMilestone(models.Model):
    """One billing step of a sale order: reached by the field team (or a date), then invoiced."""

    _name = "icasa.milestone"
    _description = "Billing Milestone"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "order_id, sequence, id"
    _check_company_auto = True

    order_id = fields.Many2one(
        "sale.order", string="Sale Order", required=True, ondelete="cascade", index=True, check_company=True
    )
    sequence = fields.Integer(default=10)
    name = fields.Char(required=True, tracking=True)
    plan_line_id = fields.Many2one("icasa.milestone.plan.line", ondelete="set null", readonly=True)
    share_type = fields.Selection(related="order_id.icasa_share_type", store=True)
    share = fields.Float(required=True, digits=SHARE_DIGITS, tracking=True, groups=MONEY_GROUPS)
    trigger = fields.Selection(TRIGGERS, required=True, default="completion")
    kind = fields.Selection(KINDS, required=True, default="other")
    date_interval = fields.Integer(string="Due After")
    date_unit = fields.Selection(DATE_UNITS, default="month", string="Unit")
    scheduled_date = fields.Date(tracking=True, index=True)
    state = fields.Selection(
        STATES, required=True, default="planned", readonly=True, copy=False, tracking=True, index=True
    )
    reached_by_id = fields.Many2one("res.users", readonly=True, copy=False)
    reached_date = fields.Datetime(readonly=True, copy=False)
    user_id = fields.Many2one("res.users", string="Technician", tracking=True, index=True)
    team_id = fields.Many2one("icasa.field.team", string="Field Team", tracking=True, check_company=True)
    notes = fields.Html()
    company_id = fields.Many2one(related="order_id.company_id", store=True, index=True)
    currency_id = fields.Many2one(related="order_id.currency_id")
    partner_id = fields.Many2one(related="order_id.partner_id", string="Customer", store=True, index=True)
    site_partner_id = fields.Many2one(related="order_id.partner_shipping_id", string="Site Address", store=True)
    site_address = fields.Char(string="Site", compute="_compute_site_address")
    order_state = fields.Selection(related="order_id.state", string="Order Status")
    order_name = fields.Char(related="order_id.name", string="Order Reference")
    amount = fields.Monetary(
        string="Untaxed Amount",
        compute="_compute_amounts",
        groups=MONEY_GROUPS,
        help="Untaxed amount of this milestone: its share of the order, exact to the cent.",
    )
    amount_invoiced = fields.Monetary(
        compute="_compute_amounts",
        groups=MONEY_GROUPS,
        help="Untaxed amount of the milestone's posted invoices, net of their posted credit notes "
        "(draft invoices are not invoiced yet).",
    )
    billing_status = fields.Selection(
        [("to_come", "To Come"), ("draft", "In Draft"), ("invoiced", "Invoiced")],
        string="Invoice Status",
        compute="_compute_billing_status",
        groups=MONEY_GROUPS,
        help="Invoiced: a posted invoice bills the milestone. In Draft: only a draft does, which is not an "
        "invoice until it is posted.",
    )
    invoice_ids = fields.One2many("account.move", "icasa_milestone_id", string="Invoices", groups=MONEY_GROUPS)
    invoice_count = fields.Integer(compute="_compute_invoice_count", groups=MONEY_GROUPS)
    asset_ids = fields.One2many("icasa.installed.asset", "milestone_id", string="Installed Assets")
    can_edit_billing = fields.Boolean(
        compute="_compute_can_edit_billing", help="Whether the current user may change the milestone's billing."
    )

    @api.depends_context("uid")
    def _compute_can_edit_billing(self):
        self.can_edit_billing = self.env.su or self.env.user.has_group("sales_team.group_sale_salesman")

    @api.depends("site_partner_id")
    def _compute_site_address(self):
        for milestone in self:
            partner = milestone.site_partner_id
            milestone.site_address = ", ".join(filter(None, [partner.street, partner.zip, partner.city]))

    @api.depends(
        "share",
        "state",
        "order_id.state",
        "order_id.order_line.price_subtotal",
        "order_id.icasa_milestone_ids.share",
        "order_id.icasa_milestone_ids.state",
        "invoice_ids.state",
        "invoice_ids.amount_untaxed",
    )
    def _compute_amounts(self):
        by_order = defaultdict(lambda: self.browse())
        for milestone in self:
            by_order[milestone.order_id] |= milestone
        for order, milestones in by_order.items():
            if not order:
                milestones.update({"amount": 0.0, "amount_invoiced": 0.0})
                continue
            digits = order.currency_id.decimal_places
            # a share typed on screen may not be a number yet (NaN, infinite): no amounts until it is
            valid = all(share_problem(m.share, "fixed") in (None, NOT_POSITIVE) for m in order.icasa_milestone_ids)
            amounts = order._icasa_milestone_amounts(strict=False) if valid else {}
            for milestone in milestones:
                milestone.amount = from_minor(amounts.get(milestone, 0), digits)
                milestone.amount_invoiced = from_minor(milestone._icasa_posted_net_minor(), digits)

    @api.depends("state", "invoice_ids.state", "invoice_ids.reversal_move_ids.state")
    def _compute_billing_status(self):
        for milestone in self:
            milestone.billing_status = milestone._icasa_billing_status() if milestone.id else "to_come"

    @api.depends("invoice_ids")
    def _compute_invoice_count(self):
        for milestone in self:
            milestone.invoice_count = len(milestone.invoice_ids)

    # --- constraints and guards -------------------------------------------------------------

    def _icasa_share_error(self, problem, share, name, order_name):
        """The message for a share ``problem`` (see tools.shares), naming the milestone and the fix."""
        messages = {
            NOT_A_NUMBER: self.env._(
                "Milestone %(milestone)s of %(order)s has a share that is not a number. Enter a positive "
                "percentage or amount.",
                milestone=name,
                order=order_name,
            ),
            INFINITE: self.env._(
                "Milestone %(milestone)s of %(order)s has a share that is infinite. Enter a positive percentage "
                "or amount.",
                milestone=name,
                order=order_name,
            ),
            NOT_POSITIVE: self.env._(
                "Milestone %(milestone)s of %(order)s has a share of %(share)s: a share must be positive.",
                milestone=name,
                order=order_name,
                share=share,
            ),
            OVER_100: self.env._(
                "Milestone %(milestone)s of %(order)s has a share of %(share)s%%: more than 100%% of the order. "
                "Enter a percentage up to 100.",
                milestone=name,
                order=order_name,
                share=share,
            ),
            TOO_LARGE: self.env._(
                "Milestone %(milestone)s of %(order)s has a share of %(share)s: too large to bill. Enter the "
                "percentage or the amount of the order it bills.",
                milestone=name,
                order=order_name,
                share=share,
            ),
        }
        return ValidationError(messages[problem])

    def _icasa_check_share_values(self, vals_list):
        """Refuse shares the database or the cent split cannot take (NaN, infinite, huge), before writing."""
        for vals, milestone in vals_list:
            if "share" not in vals:
                continue
            problem = share_problem(vals["share"], "fixed")
            if problem in (NOT_A_NUMBER, INFINITE, TOO_LARGE):
                order = self.env["sale.order"].browse(vals.get("order_id") or self.env.context.get("default_order_id"))
                raise self._icasa_share_error(
                    problem,
                    vals["share"],
                    vals.get("name") or milestone.name,
                    # the message names the order, which a technician may not read
                    milestone.sudo().order_name or order.sudo().name or "",
                )

    @api.constrains("share", "share_type")
    def _check_share(self):
        # shares are hidden from technicians, whose writes must still be checked
        for milestone in self.sudo():
            # the order's own field: the related share_type catches up only after the order's write
            problem = share_problem(milestone.share, milestone.order_id.icasa_share_type or "percent")
            if problem:
                raise self._icasa_share_error(problem, milestone.share, milestone.name, milestone.order_name)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_reached_or_invoiced(self):
        for milestone in self:
            if milestone.state in ("reached", "invoiced"):
                raise UserError(
                    self.env._(
                        "Milestone %(milestone)s of %(order)s is %(state)s and cannot be deleted: cancel it "
                        "instead (an invoiced milestone needs a full credit note of its invoice first).",
                        milestone=milestone.name,
                        order=milestone.order_name,
                        state=milestone._icasa_state_label(),
                    )
                )

    @api.ondelete(at_uninstall=False)
    def _unlink_except_last_open_milestone(self):
        if self.env.context.get("icasa_skip_amount_check"):
            return  # the instalment wizard replaces the open milestones in one go
        for order in self.order_id.filtered(lambda o: o.state == "sale"):
            # what stays on the order, cancelled milestones included: without an open one among
            # them nothing bills the rest (with no milestone at all the order is invoiced normally)
            remaining = order.icasa_milestone_ids - self
            if remaining and not remaining.filtered(lambda m: m.state in ("planned", "reached")):
                raise UserError(
                    self.env._(
                        "Order %(order)s would keep an amount that no milestone bills: keep at least one open "
                        "milestone to bill the rest of the order.",
                        order=order.name,
                    )
                )

    def _icasa_engine(self):
        """These milestones, for the engine's actions to move their billing state."""
        return self.with_context(**{ENGINE_KEY: _ENGINE_TOKEN})

    def _icasa_is_engine(self):
        return self.env.context.get(ENGINE_KEY) == _ENGINE_TOKEN

    def _icasa_state_write_error(self, milestone_names, field_names):
        return UserError(
            self.env._(
                "Milestone %(milestones)s: its status (%(fields)s) moves only through its actions (Mark Reached, "
                "Create Invoice, Cancel, Set to Planned), which check the billing and log the change. Use them "
                "instead of editing it.",
                milestones=milestone_names,
                fields=", ".join(sorted(self._fields[f].string for f in field_names)),
            )
        )

    def write(self, vals):
        if not self.env.su and not self.env.user.has_group("sales_team.group_sale_salesman"):
            refused = set(vals) - FIELD_TEAM_FIELDS
            if refused:
                raise AccessError(
                    self.env._(
                        "You can only change the notes and the scheduled date of milestones %(milestones)s "
                        "(not %(fields)s): use Mark Reached to complete one, and ask the sales team for the rest.",
                        milestones=", ".join(self.mapped("display_name")),
                        fields=", ".join(sorted(self._fields[f].string for f in refused if f in self._fields)),
                    )
                )
            billing_dates = self.filtered(lambda m: m.trigger == "date")
            if "scheduled_date" in vals and billing_dates:
                raise AccessError(
                    self.env._(
                        "%(milestones)s of %(order)s is billed on its scheduled date: that is its billing date, "
                        "which only the sales team or accounting can move. Ask them to change it.",
                        milestones=", ".join(billing_dates.mapped("name")),
                        order=", ".join(set(billing_dates.mapped("order_name"))),
                    )
                )
        engine_fields = ENGINE_FIELDS & set(vals)
        if engine_fields and not self._icasa_is_engine():
            changed = self.filtered(
                lambda m: any(
                    m._fields[f].convert_to_record(m._fields[f].convert_to_cache(vals[f], m), m) != m[f]
                    for f in engine_fields
                )
            )
            if changed:
                names = ", ".join(f"{m.name} of {m.order_name}" for m in changed)
                raise self._icasa_state_write_error(names, engine_fields)
        if "order_id" in vals and any(m.order_id.id != vals["order_id"] for m in self):
            # its share, its invoices and its schedule belong to its order
            raise UserError(
                self.env._(
                    "Milestones %(milestones)s cannot move to another order: create a milestone on that order instead.",
                    milestones=", ".join(f"{m.name} of {m.order_name}" for m in self),
                )
            )
        self._icasa_check_share_values([(vals, milestone) for milestone in self] if self else [])
        money_fields = {"share", "state", "sequence"}
        res = super().write(vals)
        if money_fields & set(vals):
            # a technician cannot read orders; the check only reads
            self.sudo().order_id._icasa_check_milestone_amounts()
        return res

    @api.model_create_multi
    def create(self, vals_list):
        if not self._icasa_is_engine():
            for vals in vals_list:
                refused = {f for f in ENGINE_FIELDS if vals.get(f) and vals.get(f) != "planned"}
                if refused:
                    raise self._icasa_state_write_error(vals.get("name") or "", refused)
        self._icasa_check_share_values([(vals, self.browse()) for vals in vals_list])
        milestones = super().create(vals_list)
        # the checks read the order's invoices and amounts, which the creating user may not read
        milestones.sudo().order_id._icasa_check_no_outside_invoices()
        milestones.sudo().order_id._icasa_check_milestone_amounts()
        return milestones

    def _message_compute_author(self, author_id=None, email_from=None, raise_on_email=True):
        """Field technicians often have no e-mail address, and Odoo refuses to post a
        message (the chatter's notes and photos included) without a sender address.
        On milestones such a message keeps its author and is sent from the company's
        address (or its catch-all) instead."""
        author_id, email_from = super()._message_compute_author(author_id, email_from, raise_on_email=False)
        if not email_from:
            email_from = (self.company_id[:1] or self.env.company).email_formatted
        if not email_from and raise_on_email:
            return super()._message_compute_author(author_id, email_from, raise_on_email=True)
        return author_id, email_from

    def _icasa_post_field_message(self, body, attachment_ids=None):
        """Post the field team's message (notes, photos) as the current user."""
        self.ensure_one()
        values = {"body": body, "attachment_ids": attachment_ids or [], "author_id": self.env.user.partner_id.id}
        if self.env.user.email or (self.company_id or self.env.company).email_formatted:
            return self.message_post(**values)
        # no address at all: log it like Odoo does for superuser messages, still authored by the user
        return self.sudo().message_post(**values)

    def _icasa_state_label(self):
        self.ensure_one()
        return dict(self._fields["state"]._description_selection(self.env))[self.state].lower()

    # --- money ------------------------------------------------------------------------------

    def _icasa_net_invoice_moves(self):
        """Customer invoices of the milestone (not cancelled) and the posted credit notes reversing them."""
        self.ensure_one()
        # a technician's milestone still knows its invoices; they never see them
        invoices = self.sudo().invoice_ids.filtered(lambda m: m.move_type == "out_invoice" and m.state != "cancel")
        refunds = invoices.reversal_move_ids.filtered(lambda m: m.move_type == "out_refund" and m.state == "posted")
        return invoices, refunds

    def _icasa_net_invoiced_minor(self):
        """Untaxed amount billed for the milestone (posted and draft invoices), net of credit notes, in minor units."""
        self.ensure_one()
        invoices, refunds = self._icasa_net_invoice_moves()
        return self.order_id._icasa_minor(
            sum(invoices.mapped("amount_untaxed")) - sum(refunds.mapped("amount_untaxed"))
        )

    def _icasa_posted_net_minor(self):
        """Untaxed amount of the milestone's posted invoices, net of their posted credit notes, in minor units.

        What the customer has been invoiced: a draft is not an invoice yet.
        """
        self.ensure_one()
        invoices, refunds = self._icasa_net_invoice_moves()
        posted = invoices.filtered(lambda m: m.state == "posted")
        return self.order_id._icasa_minor(sum(posted.mapped("amount_untaxed")) - sum(refunds.mapped("amount_untaxed")))

    def _icasa_draft_minor(self):
        """Untaxed amount of the milestone's draft invoices, in minor units."""
        self.ensure_one()
        invoices, _refunds = self._icasa_net_invoice_moves()
        return self.order_id._icasa_minor(sum(invoices.filtered(lambda m: m.state == "draft").mapped("amount_untaxed")))

    def _icasa_live_invoices(self, exclude=None):
        """The milestone's invoices that are neither cancelled nor fully credited (nor in ``exclude``)."""
        invoices, _refunds = self._icasa_net_invoice_moves()
        if exclude:
            invoices -= exclude
        return invoices.filtered(lambda m: not m._icasa_is_fully_reversed())

    def _icasa_billing_status(self):
        """``invoiced`` when a posted invoice bills the milestone, ``draft`` when only drafts do, else ``to_come``."""
        self.ensure_one()
        if self.state != "invoiced":
            return "to_come"
        live = self._icasa_live_invoices()
        if any(move.state == "posted" for move in live):
            return "invoiced"
        return "draft" if live else "to_come"

    def _icasa_billed_minor(self):
        """What an invoiced milestone counts for in the order's schedule, in minor units.

        A partial credit note is a concession to the customer: it is not billed
        again on the other milestones, so the milestone counts for what its live
        invoices (drafts included: they are billed already) billed. A full credit
        note makes the milestone reached again.
        """
        self.ensure_one()
        if self.state != "invoiced":
            return 0
        return self.order_id._icasa_minor(sum(self._icasa_live_invoices().mapped("amount_untaxed")))

    def _icasa_sync_invoice_state(self, exclude=None):
        """A milestone without live invoices is reached again, and invoiced again once it has one.

        ``exclude``: invoices about to be deleted, which no longer count.
        """
        for milestone in self:
            if milestone.state not in ("reached", "invoiced"):
                continue
            live = milestone._icasa_live_invoices(exclude=exclude)
            if milestone.state == "invoiced" and not live:
                milestone._icasa_engine().state = "reached"
                milestone.message_post(
                    body=self.env._(
                        "The invoices of this milestone are fully credited, cancelled or deleted: it is reached "
                        "again and will be invoiced again."
                    )
                )
            elif milestone.state == "reached" and live:
                milestone._icasa_engine().state = "invoiced"
                # e.g. the new draft of "Reverse and Create Invoice"; on the order: technicians see no invoices
                milestone.order_id.message_post(
                    body=self.env._(
                        "Milestone %(milestone)s is invoiced again: %(invoices)s",
                        milestone=milestone.name,
                        invoices=Markup(", ").join(inv._get_html_link() for inv in live),
                    )
                )

    # --- reaching and invoicing ---------------------------------------------------------------

    def _icasa_check_can_reach(self, early=False):
        """Refuse to reach what is billed, cancelled, not confirmed, or (unless ``early``) not due yet."""
        today = fields.Date.context_today(self)
        for milestone in self:
            if milestone.state in ("invoiced", "cancelled"):
                raise UserError(
                    self.env._(
                        "Milestone %(milestone)s of %(order)s is already %(state)s and cannot be reached again.",
                        milestone=milestone.name,
                        order=milestone.order_name,
                        state=milestone._icasa_state_label(),
                    )
                )
            if milestone.state == "reached":
                raise UserError(
                    self.env._(
                        "Milestone %(milestone)s of %(order)s is already reached.",
                        milestone=milestone.name,
                        order=milestone.order_name,
                    )
                )
            if milestone.order_state != "sale":
                raise UserError(
                    self.env._(
                        "Order %(order)s is not confirmed: confirm it before reaching milestone %(milestone)s.",
                        order=milestone.order_name,
                        milestone=milestone.name,
                    )
                )
            if (
                not early
                and milestone.trigger == "date"
                and milestone.scheduled_date
                and milestone.scheduled_date > today
            ):
                raise UserError(
                    self.env._(
                        "Milestone %(milestone)s of %(order)s falls due on %(date)s and is invoiced on that date. "
                        "To bill it earlier, ask accounting to use Invoice Early.",
                        milestone=milestone.name,
                        order=milestone.order_name,
                        date=format_date(self.env, milestone.scheduled_date),
                    )
                )

    def _icasa_reach(self, notes=False, early=False):
        """Mark the milestones reached, invoice them at once, then call :meth:`_on_reached`."""
        self._icasa_check_can_reach(early=early)
        self.check_access("write")
        vals = {"state": "reached", "reached_by_id": self.env.user.id, "reached_date": fields.Datetime.now()}
        if notes:
            vals["notes"] = notes
        # a technician may reach the milestones they can write, but not set their state by hand
        self.sudo()._icasa_engine().write(vals)
        # Technicians may not read invoices: the billing itself runs as superuser.
        self.sudo()._icasa_invoice()
        self.sudo()._on_reached()
        return True

    def _on_reached(self):
        """Hook called once, after the milestones are reached and their invoices created.

        Billing needs nothing more here; icasa_ev_subscription starts subscriptions
        when an activation milestone is reached. Runs as superuser.
        """
        return True

    def _icasa_invoice(self):
        """Create the invoices of the reached milestones, draft or posted per the company setting.

        The milestones of one order are billed together: the schedule is worked
        out once and their invoices are created in one go, so that billing many
        instalments at once costs in proportion to their number.
        """
        invoices = self.env["account.move"]
        reached = self.filtered(lambda m: m.state == "reached")
        by_order = defaultdict(lambda: self.browse())
        for milestone in reached.sorted(lambda m: (m.order_id.id, m.sequence, m.id)):
            by_order[milestone.order_id] |= milestone
        for order, milestones in by_order.items():
            created = order.with_context(icasa_milestone_invoicing=True)._icasa_create_milestone_invoices(milestones)
            milestones._icasa_engine().write({"state": "invoiced"})
            if created:
                new = self.env["account.move"].union(*created.values())
                invoices |= new
                # on the order, not the milestone: field technicians see no invoices
                order.message_post(
                    body=Markup("<br/>").join(
                        self.env._(
                            "Milestone %(milestone)s invoiced: %(invoice)s",
                            milestone=milestone.name,
                            invoice=invoice._get_html_link(),
                        )
                        for milestone, invoice in created.items()
                    )
                )
        to_post = invoices.filtered(lambda m: m.company_id.icasa_milestone_invoice_post)
        if to_post:
            to_post.action_post()
        return invoices

    def action_invoice(self):
        """Invoice reached milestones again, e.g. after a full credit note of their invoice."""
        if not (
            self.env.user.has_group("sales_team.group_sale_salesman")
            or self.env.user.has_group("account.group_account_invoice")
        ):
            raise AccessError(self.env._("Only sales and accounting users can invoice milestones."))
        for milestone in self:
            if milestone.state != "reached":
                raise UserError(
                    self.env._(
                        "Milestone %(milestone)s of %(order)s is %(state)s: only a reached milestone can be invoiced.",
                        milestone=milestone.name,
                        order=milestone.order_name,
                        state=milestone._icasa_state_label(),
                    )
                )
        invoices = self.sudo()._icasa_invoice()
        return self.order_id.action_view_invoice(invoices.with_env(self.env)) if invoices else True

    def action_invoice_early(self):
        """Accounting's explicit decision to bill dated milestones (instalments) before their date, logged."""
        if not self.env.user.has_group("account.group_account_invoice"):
            raise AccessError(
                self.env._(
                    "Only accounting can invoice milestones %(milestones)s before their date.",
                    milestones=", ".join(self.mapped("name")),
                )
            )
        self._icasa_check_can_reach(early=True)
        today = format_date(self.env, fields.Date.context_today(self))
        for milestone in self:
            # accountants read milestones but may not write them (nor post on them): the
            # decision is theirs and is logged in their name
            milestone.sudo().message_post(
                body=self.env._(
                    "Milestone %(milestone)s invoiced early on %(today)s by %(user)s; it fell due on %(date)s.",
                    milestone=milestone.name,
                    today=today,
                    user=self.env.user.name,
                    date=format_date(self.env, milestone.scheduled_date) if milestone.scheduled_date else "-",
                ),
                author_id=self.env.user.partner_id.id,
            )
        # accountants have no write access to milestones: the engine reaches them on their behalf
        return self.sudo()._icasa_reach(early=True)

    def action_reach(self):
        """Open the wizard that marks the milestones reached with notes, photos and installed assets."""
        self._icasa_check_can_reach()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Mark Reached"),
            "res_model": "icasa.milestone.reach.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_milestone_ids": self.ids, "icasa_prefill_assets": True},
        }

    def _icasa_check_sales_user(self):
        if not (self.env.su or self.env.user.has_group("sales_team.group_sale_salesman")):
            raise AccessError(
                self.env._(
                    "Only the sales team can cancel or replan milestones %(milestones)s.",
                    milestones=", ".join(self.mapped("name")),
                )
            )
        self.check_access("write")

    def action_cancel(self):
        self._icasa_check_sales_user()
        for milestone in self:
            if milestone.state == "invoiced":
                raise UserError(
                    self.env._(
                        "Milestone %(milestone)s of %(order)s is invoiced: "
                        "issue a full credit note before cancelling it.",
                        milestone=milestone.name,
                        order=milestone.order_name,
                    )
                )
        self._icasa_engine().write({"state": "cancelled"})
        for milestone in self:
            milestone.message_post(body=self.env._("Milestone cancelled by %(user)s.", user=self.env.user.name))
        return True

    def action_reset_planned(self):
        self._icasa_check_sales_user()
        cancelled = self.filtered(lambda m: m.state == "cancelled")
        cancelled._icasa_engine().write({"state": "planned"})
        for milestone in cancelled:
            milestone.message_post(
                body=self.env._("Milestone set to planned again by %(user)s.", user=self.env.user.name)
            )
        return True

    def action_view_invoices(self):
        self.ensure_one()
        return self.order_id.action_view_invoice(self.invoice_ids)

    def _icasa_due_date(self, start):
        """Date at which a 'scheduled date' milestone falls due, counted from ``start``."""
        self.ensure_one()
        unit = {"day": "days", "week": "weeks", "month": "months", "year": "years"}[self.date_unit or "month"]
        return start + relativedelta(**{unit: self.date_interval or 0})

    # --- cron -------------------------------------------------------------------------------

    @api.model
    def _cron_invoice_due_milestones(self):
        """Reach and invoice the scheduled-date milestones that are due, in batches.

        Row locks (SKIP LOCKED) let parallel workers share the work; the due milestones
        of each order run in a savepoint, so that an order that cannot be billed is
        reported on its chatter and skipped while the others go on.
        """
        today = fields.Date.context_today(self)
        done = 0
        failed = [0]
        while True:
            self.env.flush_all()
            rows = self.env.execute_query(
                SQL(
                    """SELECT m.id FROM icasa_milestone m JOIN sale_order o ON o.id = m.order_id
                        WHERE m.state = 'planned' AND m.trigger = 'date' AND m.scheduled_date <= %s
                          AND o.state = 'sale' AND m.id NOT IN %s
                     ORDER BY m.scheduled_date, m.id LIMIT %s FOR UPDATE OF m SKIP LOCKED""",
                    today,
                    tuple(failed),
                    CRON_BATCH,
                )
            )
            if not rows:
                break
            # the due milestones of one order are billed together (one schedule, one batch of invoices)
            by_order = defaultdict(lambda: self.browse())
            for milestone in self.browse([r[0] for r in rows]):
                by_order[milestone.order_id] |= milestone
            for order, due in by_order.items():
                lang = order.partner_invoice_id.lang or self.env.lang
                try:
                    with self.env.cr.savepoint():
                        due.with_company(order.company_id).with_context(lang=lang)._icasa_reach()
                except Exception as error:
                    failed.extend(due.ids)
                    if isinstance(error, (UserError, ValidationError)):
                        _logger.info("Milestones %s could not be invoiced: %s", due.ids, error)
                    else:
                        _logger.exception("Milestones %s could not be invoiced", due.ids)
                    order.message_post(
                        body=self.env._(
                            "Milestone %(milestone)s is due but could not be invoiced: %(error)s",
                            milestone=", ".join(due.mapped("name")),
                            error=str(error),
                        )
                    )
                done += len(due)
            remaining = self.search_count(
                [
                    ("state", "=", "planned"),
                    ("trigger", "=", "date"),
                    ("scheduled_date", "<=", today),
                    ("order_id.state", "=", "sale"),
                    ("id", "not in", failed),
                ]
            )
            self.env["ir.cron"]._notify_progress(done=done, remaining=remaining)
            commit_batch(self.env)
        return True


def share_label(milestone):
    """'30%' or '500.00 EUR' for a milestone's share, for invoice labels and reports."""
    if milestone.share_type == "fixed":
        return format_amount(milestone.env, milestone.share, milestone.currency_id)
    share = f"{milestone.share:.4f}".rstrip("0").rstrip(".")
    return f"{share}%"


def is_zero(currency, amount):
    return float_is_zero(amount, precision_rounding=currency.rounding)
