from odoo import _, api, fields, models
from odoo.exceptions import AccessError, ValidationError


class PosConfig(models.Model):
    """A kiosk page runs under the account its PC logs in with, and no other: any Point of
    Sale user of the municipality could otherwise open a kiosk's page and book there.
    Point of Sale managers may still open it, for support."""
    _inherit = 'pos.config'

    munipay_kiosk_user_id = fields.Many2one(
        'res.users', string="Kiosk User", copy=False, domain="[('share', '=', False)]",
        help="The account the kiosk PC logs in with: only it (and Point of Sale managers) runs the kiosk page "
             "and books there.")

    @api.constrains('munipay_kiosk_user_id', 'company_id')
    def _check_munipay_kiosk_user(self):
        for config in self.filtered('munipay_kiosk_user_id'):
            user = config.munipay_kiosk_user_id
            if not user.has_group('point_of_sale.group_pos_user') or config.company_id not in user.company_ids:
                raise ValidationError(_("The user of kiosk %(kiosk)s must be a Point of Sale user of %(company)s.",
                                        kiosk=config.name, company=config.company_id.name))

    @api.model
    def _munipay_kiosk_check(self, config_id):
        config = super()._munipay_kiosk_check(config_id)
        user = self.env.user
        if config.sudo().munipay_kiosk_user_id != user and not user.has_group('point_of_sale.group_pos_manager'):
            raise AccessError(_("Kiosk %s runs under its own user only: log in with the kiosk's account.",
                                config.sudo().name))
        return config
