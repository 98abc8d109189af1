from odoo import fields, models


class IcasaFieldTeam(models.Model):
    """A group of field technicians; its members see the milestones assigned to the team."""

    _name = "icasa.field.team"
    _description = "Field Team"
    _order = "name"
    _check_company_auto = True

    name = fields.Char(required=True, translate=True)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one("res.company", default=lambda self: self.env.company)
    member_ids = fields.Many2many("res.users", string="Technicians")
