"""The customer portal of EV billing.

End customers see their subscriptions (plan, state, next invoice date, the
recurring lines at today's prices, the invoices they received) and their
installed assets. Paying partners also see the end customers they pay for, with
their subscriptions, and their self-billing statements; their consolidated
invoices are in Odoo's own /my/invoices, like any invoice sent to them.

Every list is a search made with the portal user's own rights: the record rules
of ``security/icasa_partner_portal_security.xml`` and Odoo's own portal rules
decide what it finds. The domains below only choose what a page is about.
Found records are then rendered in sudo, as Odoo's portal does, because their
display reads models that portal users have no access to (plans, asset types,
price steps); nothing is rendered that the search did not find, or that a
document the user may read (``_document_check_access``) does not hold.
"""

from odoo import fields, http
from odoo.exceptions import AccessError, MissingError
from odoo.http import request

from odoo.addons.portal.controllers.portal import CustomerPortal
from odoo.addons.portal.controllers.portal import pager as portal_pager

# Written by the self-billing part of this add-on; the portal shows the
# statements when the field exists and their PDF when the report exists.
SELF_BILLING_FIELD = "icasa_self_billing_agreement_id"
SELF_BILLING_REPORT = "icasa_partner_invoicing.action_report_self_billing_statement"
SELF_BILLING_FALLBACK_REPORT = "account.account_invoices"

RUNNING_STATES = ("active", "paused")
# an order is paid by its paying partner, in all or in part, in these kinds
PAID_BY_PARTNER = ("partner", "split")


class IcasaCustomerPortal(CustomerPortal):
    # ------------------------------------------------------------------
    # Domains: what each page is about (the rules decide what is found)
    # ------------------------------------------------------------------

    @staticmethod
    def _icasa_commercial_id(partner):
        return partner.commercial_partner_id.id

    def _icasa_paid_by_domain(self, partner):
        """Orders that the user's company pays for, in all or in part."""
        return [
            ("icasa_payer_kind", "in", PAID_BY_PARTNER),
            ("icasa_payer_id", "child_of", self._icasa_commercial_id(partner)),
        ]

    def _icasa_subscriptions_domain(self, partner):
        """Confirmed subscriptions of which the user's company is the customer or the payer."""
        commercial_id = self._icasa_commercial_id(partner)
        return [
            ("icasa_plan_id", "!=", False),
            ("state", "=", "sale"),
            "|",
            ("partner_id", "child_of", commercial_id),
            "&",
            *self._icasa_paid_by_domain(partner),
        ]

    def _icasa_assets_domain(self, partner):
        commercial_id = self._icasa_commercial_id(partner)
        return [
            "|",
            ("partner_id", "child_of", commercial_id),
            ("order_id", "any", self._icasa_paid_by_domain(partner)),
        ]

    def _icasa_end_customers_domain(self, partner):
        """The end customers under the agreements of the user's company, or on orders it pays for."""
        commercial_id = self._icasa_commercial_id(partner)
        return [
            "|",
            ("icasa_agreement_id.partner_id", "child_of", commercial_id),
            ("sale_order_ids", "any", self._icasa_paid_by_domain(partner)),
        ]

    def _icasa_self_billing_enabled(self):
        return SELF_BILLING_FIELD in request.env["account.move"]._fields

    def _icasa_self_billing_domain(self, partner):
        return [
            (SELF_BILLING_FIELD, "!=", False),
            ("move_type", "in", ("in_invoice", "in_refund")),
            ("state", "=", "posted"),
            ("partner_id", "child_of", self._icasa_commercial_id(partner)),
        ]

    # ------------------------------------------------------------------
    # Home page counters
    # ------------------------------------------------------------------

    def _prepare_home_portal_values(self, counters):
        values = super()._prepare_home_portal_values(counters)
        partner = request.env.user.partner_id
        SaleOrder = request.env["sale.order"]
        Asset = request.env["icasa.installed.asset"]
        Partner = request.env["res.partner"]
        Move = request.env["account.move"]
        if "icasa_subscription_count" in counters:
            values["icasa_subscription_count"] = (
                SaleOrder.search_count(self._icasa_subscriptions_domain(partner)) if SaleOrder.has_access("read") else 0
            )
        if "icasa_asset_count" in counters:
            values["icasa_asset_count"] = (
                Asset.search_count(self._icasa_assets_domain(partner)) if Asset.has_access("read") else 0
            )
        if "icasa_end_customer_count" in counters:
            values["icasa_end_customer_count"] = (
                Partner.search_count(self._icasa_end_customers_domain(partner))
                if request.env["icasa.partner.agreement"].has_access("read") and SaleOrder.has_access("read")
                else 0
            )
        if "icasa_self_billing_count" in counters:
            values["icasa_self_billing_count"] = (
                Move.search_count(self._icasa_self_billing_domain(partner))
                if self._icasa_self_billing_enabled() and Move.has_access("read")
                else 0
            )
        return values

    # ------------------------------------------------------------------
    # Subscriptions
    # ------------------------------------------------------------------

    def _icasa_subscription_sortings(self):
        return {
            "next": {"label": request.env._("Next Invoice"), "order": "icasa_next_invoice_date, id desc"},
            "date": {"label": request.env._("Start Date"), "order": "icasa_start_date desc, id desc"},
            "name": {"label": request.env._("Reference"), "order": "name desc"},
        }

    def _icasa_subscription_filters(self):
        return {
            "all": {"label": request.env._("All"), "domain": []},
            "running": {
                "label": request.env._("Running"),
                "domain": [("icasa_subscription_state", "in", RUNNING_STATES)],
            },
            "closed": {"label": request.env._("Closed"), "domain": [("icasa_subscription_state", "=", "closed")]},
        }

    @http.route(
        ["/my/ev/subscriptions", "/my/ev/subscriptions/page/<int:page>"],
        type="http",
        auth="user",
        website=True,
    )
    def portal_icasa_subscriptions(self, page=1, sortby=None, filterby=None, **kw):
        SaleOrder = request.env["sale.order"]
        partner = request.env.user.partner_id
        sortings = self._icasa_subscription_sortings()
        filters = self._icasa_subscription_filters()
        sortby = sortby if sortby in sortings else "next"
        filterby = filterby if filterby in filters else "all"
        domain = self._icasa_subscriptions_domain(partner) + filters[filterby]["domain"]
        pager = portal_pager(
            url="/my/ev/subscriptions",
            url_args={"sortby": sortby, "filterby": filterby},
            total=SaleOrder.search_count(domain),
            page=page,
            step=self._items_per_page,
        )
        orders = SaleOrder.search(
            domain, order=sortings[sortby]["order"], limit=self._items_per_page, offset=pager["offset"]
        )
        request.session["icasa_subscriptions_history"] = orders.ids[:100]
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "page_name": "icasa_subscription",
                "default_url": "/my/ev/subscriptions",
                "pager": pager,
                # found with the user's rights; sudo to display the plan (an internal model)
                "subscriptions": orders.sudo(),
                "commercial_partner": partner.commercial_partner_id,
                "searchbar_sortings": sortings,
                "sortby": sortby,
                "searchbar_filters": filters,
                "filterby": filterby,
            }
        )
        return request.render("icasa_partner_invoicing.portal_my_ev_subscriptions", values)

    def _icasa_check_subscription(self, order_id):
        """The subscription ``order_id`` in sudo, if the user may read it; else a 404
        (the same answer for another's subscription and for none, so that ids reveal nothing)."""
        try:
            order_sudo = self._document_check_access("sale.order", order_id)
        except (AccessError, MissingError) as error:
            raise request.not_found() from error
        if not order_sudo.icasa_plan_id:
            raise request.not_found()
        return order_sudo

    def _icasa_subscription_page_values(self, order_sudo):
        today = fields.Date.context_today(request.env.user)
        lines = order_sudo.order_line.filtered(lambda line: line.icasa_recurring and not line.display_type)
        # the price in force today comes from the line's price steps (an internal model):
        # computed in sudo for lines of a subscription the user may read
        prices = {line.id: line._icasa_price_at(today) for line in lines}
        # the documents of the subscription, then those the user may read: a paying
        # partner sees the invoices sent to it, the end customer those sent to it
        documents = (
            order_sudo.invoice_ids | order_sudo.icasa_subscription_move_ids | order_sudo.icasa_period_ids.move_id
        )
        invoices = request.env["account.move"].search(
            [("id", "in", documents.ids), ("state", "=", "posted")], order="invoice_date desc, id desc"
        )
        assets = request.env["icasa.installed.asset"].search([("id", "in", lines.icasa_asset_id.ids)])
        history = request.session.get("icasa_subscriptions_history", [])
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "page_name": "icasa_subscription",
                "subscription": order_sudo,
                "recurring_lines": lines,
                "prices_today": prices,
                "today": today,
                "invoices": invoices.sudo(),
                "assets": assets.sudo(),
                "is_customer": order_sudo.partner_id.commercial_partner_id
                == request.env.user.partner_id.commercial_partner_id,
            }
        )
        # previous / next links through the list the user came from
        if order_sudo.id in history:
            index = history.index(order_sudo.id)
            if index:
                values["prev_record"] = f"/my/ev/subscriptions/{history[index - 1]}"
            if index < len(history) - 1:
                values["next_record"] = f"/my/ev/subscriptions/{history[index + 1]}"
        return values

    @http.route(["/my/ev/subscriptions/<int:order_id>"], type="http", auth="user", website=True)
    def portal_icasa_subscription(self, order_id, **kw):
        order_sudo = self._icasa_check_subscription(order_id)
        values = self._icasa_subscription_page_values(order_sudo)
        return request.render("icasa_partner_invoicing.portal_ev_subscription_page", values)

    # ------------------------------------------------------------------
    # Installed assets
    # ------------------------------------------------------------------

    @http.route(["/my/ev/assets", "/my/ev/assets/page/<int:page>"], type="http", auth="user", website=True)
    def portal_icasa_assets(self, page=1, **kw):
        Asset = request.env["icasa.installed.asset"]
        partner = request.env.user.partner_id
        domain = self._icasa_assets_domain(partner)
        pager = portal_pager(
            url="/my/ev/assets", total=Asset.search_count(domain), page=page, step=self._items_per_page
        )
        assets = Asset.search(domain, limit=self._items_per_page, offset=pager["offset"])
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "page_name": "icasa_asset",
                "default_url": "/my/ev/assets",
                "pager": pager,
                # found with the user's rights; sudo to display the asset type (an internal model)
                "assets": assets.sudo(),
                "commercial_partner": partner.commercial_partner_id,
            }
        )
        return request.render("icasa_partner_invoicing.portal_my_ev_assets", values)

    # ------------------------------------------------------------------
    # Paying partners: end customers and self-billing statements
    # ------------------------------------------------------------------

    @http.route(
        ["/my/ev/end-customers", "/my/ev/end-customers/page/<int:page>"], type="http", auth="user", website=True
    )
    def portal_icasa_end_customers(self, page=1, **kw):
        Partner = request.env["res.partner"]
        partner = request.env.user.partner_id
        domain = self._icasa_end_customers_domain(partner)
        pager = portal_pager(
            url="/my/ev/end-customers", total=Partner.search_count(domain), page=page, step=self._items_per_page
        )
        customers = Partner.search(domain, order="name, id", limit=self._items_per_page, offset=pager["offset"])
        orders = request.env["sale.order"].search(
            [
                ("icasa_plan_id", "!=", False),
                ("state", "=", "sale"),
                *self._icasa_paid_by_domain(partner),
                ("partner_id", "in", customers.ids),
            ],
            order="icasa_next_invoice_date, id desc",
        )
        subscriptions = {
            customer.id: orders.filtered(lambda o, c=customer: o.partner_id == c) for customer in customers
        }
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "page_name": "icasa_end_customer",
                "default_url": "/my/ev/end-customers",
                "pager": pager,
                # found with the user's rights; sudo to display plans (an internal model)
                "end_customers": customers.sudo(),
                "subscriptions_by_customer": {key: subs.sudo() for key, subs in subscriptions.items()},
            }
        )
        return request.render("icasa_partner_invoicing.portal_my_ev_end_customers", values)

    @http.route(["/my/ev/self-billing", "/my/ev/self-billing/page/<int:page>"], type="http", auth="user", website=True)
    def portal_icasa_self_billing(self, page=1, **kw):
        Move = request.env["account.move"]
        partner = request.env.user.partner_id
        enabled = self._icasa_self_billing_enabled()
        domain = self._icasa_self_billing_domain(partner) if enabled else [("id", "=", 0)]
        pager = portal_pager(
            url="/my/ev/self-billing", total=Move.search_count(domain), page=page, step=self._items_per_page
        )
        statements = Move.search(
            domain, order="invoice_date desc, id desc", limit=self._items_per_page, offset=pager["offset"]
        )
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "page_name": "icasa_self_billing",
                "default_url": "/my/ev/self-billing",
                "pager": pager,
                "statements": statements,
            }
        )
        return request.render("icasa_partner_invoicing.portal_my_ev_self_billing", values)

    @http.route(["/my/ev/self-billing/<int:move_id>"], type="http", auth="user", website=True)
    def portal_icasa_self_billing_statement(self, move_id, report_type="pdf", download=False, **kw):
        """A self-billing statement as PDF (its own report when installed, else the bill's)."""
        if not self._icasa_self_billing_enabled():
            raise request.not_found()
        try:
            move_sudo = self._document_check_access("account.move", move_id)
        except (AccessError, MissingError) as error:
            raise request.not_found() from error
        if not move_sudo[SELF_BILLING_FIELD] or report_type not in ("pdf", "html"):
            raise request.not_found()
        report_ref = (
            SELF_BILLING_REPORT
            if request.env.ref(SELF_BILLING_REPORT, raise_if_not_found=False)
            else SELF_BILLING_FALLBACK_REPORT
        )
        return self._show_report(model=move_sudo, report_type=report_type, report_ref=report_ref, download=download)
