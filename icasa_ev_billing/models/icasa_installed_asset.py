from odoo import api, fields, models
from odoo.exceptions import AccessError, ValidationError

# what ties an asset to a customer's billing: only the sales team changes it
BILLING_LINKS = frozenset({"partner_id", "order_id", "milestone_id", "company_id"})


class IcasaInstalledAsset(models.Model):
    """A piece of equipment installed at a customer's site (charger, panel, battery)."""

    _name = "icasa.installed.asset"
    _description = "Installed Asset"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "install_date desc, id desc"
    _check_company_auto = True

    name = fields.Char(compute="_compute_name", store=True, readonly=False, precompute=True)
    serial_number = fields.Char(required=True, tracking=True, index=True)
    asset_type_id = fields.Many2one("icasa.asset.type", required=True, tracking=True)
    product_id = fields.Many2one("product.product", check_company=True, tracking=True)
    partner_id = fields.Many2one("res.partner", string="Customer", required=True, index=True, tracking=True)
    site_partner_id = fields.Many2one(
        "res.partner",
        string="Site Address",
        help="Where the asset is installed; defaults to the order's delivery address.",
    )
    sim_iccid = fields.Char(string="SIM ICCID", tracking=True)
    order_id = fields.Many2one("sale.order", string="Sale Order", index=True, check_company=True)
    milestone_id = fields.Many2one(
        "icasa.milestone", string="Installation Milestone", index="btree_not_null", check_company=True
    )
    company_id = fields.Many2one("res.company", required=True, default=lambda self: self.env.company)
    install_date = fields.Date(default=fields.Date.context_today, tracking=True)
    active = fields.Boolean(default=True)
    note = fields.Html()

    _sql_constraints = [
        (
            "serial_uniq",
            "unique(company_id, asset_type_id, serial_number)",
            "An installed asset with this serial number and type already exists in this company.",
        ),
    ]

    @api.constrains("milestone_id", "order_id", "partner_id")
    def _check_milestone_order(self):
        for asset in self.sudo().filtered("milestone_id"):
            order = asset.milestone_id.order_id
            if asset.order_id != order or asset.partner_id != order.partner_id:
                raise ValidationError(
                    self.env._(
                        "Installed asset %(asset)s belongs to milestone %(milestone)s of order %(order)s: its order "
                        "and customer must be that order's (%(customer)s).",
                        asset=asset.display_name,
                        milestone=asset.milestone_id.name,
                        order=order.name,
                        customer=order.partner_id.display_name,
                    )
                )

    def write(self, vals):
        if (
            BILLING_LINKS & set(vals)
            and not self.env.su
            and not self.env.user.has_group("sales_team.group_sale_salesman")
        ):
            raise AccessError(
                self.env._(
                    "Only the sales team can change the customer, order or milestone of installed asset(s) "
                    "%(assets)s: ask them to correct it.",
                    assets=", ".join(self.mapped("display_name")),
                )
            )
        return super().write(vals)

    @api.depends("serial_number", "product_id")
    def _compute_name(self):
        for asset in self:
            if asset.product_id and asset.serial_number:
                asset.name = f"{asset.product_id.display_name} [{asset.serial_number}]"
            else:
                asset.name = asset.serial_number or asset.name
