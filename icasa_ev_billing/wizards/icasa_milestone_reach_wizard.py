from odoo import Command, api, fields, models
from odoo.exceptions import UserError

from ..models.icasa_installed_asset import check_serial_number
from ..tools.serials import normalise_serial


class IcasaMilestoneReachWizard(models.TransientModel):
    """What the field team records on site: notes, photos and the installed equipment."""

    _name = "icasa.milestone.reach.wizard"
    _description = "Mark Milestones Reached"

    milestone_ids = fields.Many2many("icasa.milestone", string="Milestones", required=True)
    notes = fields.Html()
    attachment_ids = fields.Many2many("ir.attachment", string="Photos and Documents")
    is_installation = fields.Boolean(compute="_compute_is_installation")
    asset_line_ids = fields.One2many("icasa.milestone.reach.asset", "wizard_id", string="Installed Assets")

    # Prefilled equipment lines stop at this many units of one order line: a
    # larger roll-out is recorded by import, not typed on a phone.
    _PREFILL_LIMIT = 20

    @api.model
    def default_get(self, fields_list):
        """Opened from "Mark Reached" on an installation, the wizard lists the equipment
        the order sells (one line per unit, product and asset type set), so that the
        technician types only serial numbers and SIM ICCIDs."""
        values = super().default_get(fields_list)
        if "asset_line_ids" in fields_list and self.env.context.get("icasa_prefill_assets"):
            milestones = self.env["icasa.milestone"].browse(self.env.context.get("default_milestone_ids") or [])
            values["asset_line_ids"] = self._prefill_asset_lines(milestones)
        return values

    @api.model
    def _prefill_asset_lines(self, milestones):
        installations = milestones.filtered(lambda m: m.kind == "installation")
        if not installations or len(milestones.order_id) != 1:
            return []
        commands = []
        for line in milestones.order_id.sudo().order_line:
            product = line.product_id
            if line.display_type or not product.icasa_asset_type_id or line.product_uom_qty <= 0:
                continue
            units = min(int(line.product_uom_qty), self._PREFILL_LIMIT) or 1
            commands += [
                Command.create(
                    {
                        "product_id": product.id,
                        "asset_type_id": product.icasa_asset_type_id.id,
                        # the title of the unit's card on a phone
                        "unit_label": self.env._(
                            "%(product)s, %(unit)s of %(units)s", product=product.name, unit=unit, units=units
                        )
                        if units > 1
                        else product.name,
                    }
                )
                for unit in range(1, units + 1)
            ]
        return commands

    @api.depends("milestone_ids.kind")
    def _compute_is_installation(self):
        for wizard in self:
            wizard.is_installation = any(m.kind == "installation" for m in wizard.milestone_ids)

    def action_confirm(self):
        self.ensure_one()
        milestones = self.milestone_ids
        milestones._icasa_check_can_reach()
        if self.asset_line_ids and len(milestones.order_id) != 1:
            raise UserError(self.env._("Record installed assets on the milestones of one order at a time."))
        order = milestones.order_id[:1]
        self.asset_line_ids._check_serial_numbers(order.sudo().company_id)
        asset_vals = [line._prepare_asset_values(order, milestones[:1]) for line in self.asset_line_ids]
        milestones._icasa_reach(notes=self.notes)
        if asset_vals:
            self.env["icasa.installed.asset"].create(asset_vals)
        if self.attachment_ids:
            first = milestones[:1]
            self.attachment_ids.write({"res_model": first._name, "res_id": first.id})
            for milestone in milestones:
                attachments = self.attachment_ids
                if milestone != first:
                    attachments = attachments.copy({"res_id": milestone.id})
                milestone._icasa_post_field_message(
                    self.env._("Photos and documents from the field."), attachment_ids=attachments.ids
                )
        return {"type": "ir.actions.act_window_close"}


class IcasaMilestoneReachAsset(models.TransientModel):
    _name = "icasa.milestone.reach.asset"
    _description = "Installed Asset to Record"

    wizard_id = fields.Many2one("icasa.milestone.reach.wizard", required=True, ondelete="cascade")
    product_id = fields.Many2one("product.product")
    unit_label = fields.Char(string="Unit", readonly=True)
    asset_type_id = fields.Many2one(
        "icasa.asset.type", compute="_compute_asset_type_id", store=True, readonly=False, precompute=True, required=True
    )
    serial_number = fields.Char(required=True)
    sim_iccid = fields.Char(string="SIM ICCID")
    site_partner_id = fields.Many2one("res.partner", string="Site Address")

    @api.depends("product_id")
    def _compute_asset_type_id(self):
        for line in self:
            line.asset_type_id = line.product_id.icasa_asset_type_id or line.asset_type_id

    def _check_serial_numbers(self, company):
        """Refuse a blank, oversized, already recorded or twice entered serial number before anything is written.

        Serials are compared as the installed assets compare them: spaces tidied, case ignored.
        """
        seen = set()
        Asset = self.env["icasa.installed.asset"]
        for line in self:
            serial = normalise_serial(line.serial_number)
            check_serial_number(self.env, serial, line.asset_type_id.name or line.product_id.display_name or "")
            Asset._icasa_check_duplicate_serial(company.id, line.asset_type_id.id, serial, seen=seen)

    def _prepare_asset_values(self, order, milestone):
        self.ensure_one()
        order = order.sudo()
        return {
            "serial_number": normalise_serial(self.serial_number),
            "asset_type_id": self.asset_type_id.id,
            "product_id": self.product_id.id,
            "sim_iccid": self.sim_iccid,
            "partner_id": order.partner_id.id,
            "site_partner_id": (self.site_partner_id or order.partner_shipping_id).id,
            "order_id": order.id,
            "milestone_id": milestone.id,
            "company_id": order.company_id.id,
        }
