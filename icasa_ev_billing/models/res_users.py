from odoo import api, models


class ResUsers(models.Model):
    _inherit = "res.users"

    def _icasa_set_field_home(self):
        """A field-only user (a technician without sales or accounting rights) lands on
        My Field Work instead of Discuss, unless a home action is set already."""
        action = self.env.ref("icasa_ev_billing.icasa_milestone_action_field", raise_if_not_found=False)
        if not action:
            return
        field_only = self.filtered(
            lambda user: (
                not user.action_id
                and user.has_group("icasa_ev_billing.group_field_technician")
                and not user.has_group("sales_team.group_sale_salesman")
                and not user.has_group("account.group_account_invoice")
            )
        )
        if field_only:
            # setting a home action is an administrator's write, made here on their behalf
            field_only.sudo().write({"action_id": action.id})

    @api.model_create_multi
    def create(self, vals_list):
        users = super().create(vals_list)
        users._icasa_set_field_home()
        return users

    def write(self, vals):
        res = super().write(vals)
        if any(key == "groups_id" or key.startswith(("in_group_", "sel_groups_")) for key in vals):
            self._icasa_set_field_home()
        return res
