from odoo import _, api, models
from odoo.exceptions import AccessError
from odoo.osv import expression

from odoo.addons.munipay_cashdesk.lib import wallet_lookup

# what a merchant reads of a wallet: what its POS shows, never who holds it
MERCHANT_FIELDS = {'id', 'pan', 'display_name', 'pos_initials', 'pos_service_name', 'pos_balance', 'pos_topup_min',
                   'pos_topup_max', 'currency_id', 'company_id', 'active', 'service_fee_type_id'}


class MunipayWallet(models.Model):
    _inherit = 'munipay.wallet'

    @api.model
    def _munipay_pos_wallet_domain(self, config):
        """A merchant's POS finds only the wallets of the services it may top up."""
        domain = super()._munipay_pos_wallet_domain(config)
        if config.munipay_merchant_partner_id:
            domain = expression.AND([domain, [('service_fee_type_id', 'in', config.munipay_merchant_fee_type_ids.ids)]])
        return domain

    @api.model
    def _munipay_merchant_only(self):
        user = self.env.user
        return user._has_group('munipay_base.group_merchant') and not user._has_group('munipay_base.group_cashier')

    @api.model
    def check_field_access_rights(self, operation, field_names):
        # the record rule lets a merchant's POS find wallets; names, balances and journal
        # items of every citizen must not come with it (search_read, read_group)
        if self.env.su or operation != 'read' or not self._munipay_merchant_only():
            return super().check_field_access_rights(operation, field_names)
        if not field_names:
            return [name for name in super().check_field_access_rights(operation, field_names)
                    if name in MERCHANT_FIELDS]
        refused = [name for name in field_names if name in self._fields and name not in MERCHANT_FIELDS]
        if refused:
            raise AccessError(_("A merchant reads of a wallet only what a top-up needs, not %s.", ', '.join(refused)))
        return super().check_field_access_rights(operation, field_names)

    @api.depends('pan', 'beneficiary_id', 'holder_id')
    @api.depends_context('uid')
    def _compute_display_name(self):
        if not self._munipay_merchant_only():
            return super()._compute_display_name()
        for wallet in self:
            partner = wallet.sudo().beneficiary_id or wallet.sudo().holder_id
            wallet.display_name = f"{wallet.pan} – {wallet_lookup.initials(partner.name)}"
