from odoo import api, fields, models
from odoo.exceptions import AccessError, ValidationError

from ..tools.serials import SERIAL_MAX, normalise_serial, serial_key

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
    serial_number = fields.Char(
        required=True,
        tracking=True,
        help=f"As on the equipment; spaces are tidied and case does not matter when serials are compared "
        f"(at most {SERIAL_MAX} characters).",
    )
    serial_key = fields.Char(
        compute="_compute_serial_key",
        store=True,
        precompute=True,
        index=True,
        help="The serial number as compared for uniqueness: spaces collapsed, case folded.",
    )
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
            "unique(company_id, asset_type_id, serial_key)",
            "An installed asset with this serial number and type already exists in this company.",
        ),
    ]

    @api.depends("serial_number")
    def _compute_serial_key(self):
        for asset in self:
            asset.serial_key = serial_key(asset.serial_number)

    def _icasa_clean_serial(self, vals):
        """Tidy the serial number in ``vals`` and refuse a blank or oversized one, before the database sees it."""
        if "serial_number" not in vals:
            return vals
        serial = normalise_serial(vals["serial_number"])
        asset_type = self.env["icasa.asset.type"].browse(vals.get("asset_type_id")) or self.asset_type_id[:1]
        check_serial_number(self.env, serial, asset_type.name or self.env._("equipment"))
        return dict(vals, serial_number=serial)

    def _icasa_check_duplicate_serial(self, company_id, asset_type_id, serial, exclude_ids=(), seen=None):
        """Refuse, by name, a serial number already recorded (compared without case or extra spaces)."""
        key = serial_key(serial)
        asset_type = self.env["icasa.asset.type"].browse(asset_type_id)
        if seen is not None:
            if (company_id, asset_type_id, key) in seen:
                raise ValidationError(
                    self.env._(
                        "Serial number %(serial)s of a %(type)s is entered twice. Check the serial numbers on the "
                        "equipment and correct them.",
                        serial=serial,
                        type=asset_type.name,
                    )
                )
            seen.add((company_id, asset_type_id, key))
        # the unique key spans every customer, whose assets the user may not all see
        existing = (
            self.sudo()
            .with_context(active_test=False)
            .search(
                [
                    ("id", "not in", list(exclude_ids)),
                    ("company_id", "=", company_id),
                    ("asset_type_id", "=", asset_type_id),
                    ("serial_key", "=", key),
                ],
                limit=1,
            )
        )
        if existing:
            raise ValidationError(
                self.env._(
                    "Serial number %(serial)s of a %(type)s is already recorded (%(asset)s). Check the serial "
                    "number on the equipment and correct it.",
                    serial=serial,
                    type=asset_type.name,
                    asset=existing.display_name,
                )
            )

    @api.model_create_multi
    def create(self, vals_list):
        vals_list = [self._icasa_clean_serial(vals) for vals in vals_list]
        seen = set()
        for vals in vals_list:
            if "serial_number" not in vals:
                continue  # the ORM refuses the missing required field
            company_id = vals.get("company_id") or self.env.context.get("default_company_id") or self.env.company.id
            self._icasa_check_duplicate_serial(company_id, vals.get("asset_type_id"), vals["serial_number"], seen=seen)
        return super().create(vals_list)

    @api.constrains("milestone_id", "order_id", "partner_id")
    def _check_milestone_order(self):
        # a technician records assets on milestones of orders they cannot read
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
        vals = self._icasa_clean_serial(vals)
        if {"serial_number", "asset_type_id", "company_id"} & set(vals):
            seen = set()
            for asset in self:
                self._icasa_check_duplicate_serial(
                    vals.get("company_id", asset.company_id.id),
                    vals.get("asset_type_id", asset.asset_type_id.id),
                    vals.get("serial_number", asset.serial_number),
                    exclude_ids=self.ids,
                    seen=seen,
                )
        return super().write(vals)

    @api.depends("serial_number", "product_id")
    def _compute_name(self):
        for asset in self:
            if asset.product_id and asset.serial_number:
                asset.name = f"{asset.product_id.display_name} [{asset.serial_number}]"
            else:
                asset.name = asset.serial_number or asset.name


def check_serial_number(env, serial, what):
    """Refuse a blank (once tidied) or oversized serial number of ``what`` (an asset type), saying what to do."""
    if not serial:
        raise ValidationError(
            env._(
                "The serial number of the %(what)s is empty: type the serial number printed on the equipment.",
                what=what,
            )
        )
    if len(serial) > SERIAL_MAX:
        raise ValidationError(
            env._(
                "The serial number of the %(what)s (%(serial)s...) is %(length)s characters long: at most %(max)s "
                "are allowed. Type the serial number printed on the equipment.",
                what=what,
                serial=serial[:20],
                length=len(serial),
                max=SERIAL_MAX,
            )
        )
