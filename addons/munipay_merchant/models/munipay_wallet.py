from odoo import api, models
from odoo.osv import expression

from odoo.addons.munipay_base.lib import privacy


class MunipayWallet(models.Model):
    _inherit = 'munipay.wallet'

    @api.model
    def _munipay_pos_wallet_domain(self, config):
        """A merchant's POS finds only the wallets of the services it may top up."""
        domain = super()._munipay_pos_wallet_domain(config)
        if config.munipay_merchant_partner_id:
            domain = expression.AND([domain, [('service_fee_type_id', 'in', config.munipay_merchant_fee_type_ids.ids)]])
        return domain

    def _munipay_pos_records(self, config):
        """A merchant reads no wallet itself (the lookup reads for it): it gets the
        initials, service and balance, and the PAN masked but for its last digits."""
        records = super()._munipay_pos_records(config)
        if config.munipay_merchant_partner_id:
            for values in records.get('munipay.wallet', ()):
                values['pan'] = privacy.mask_pan(values.get('pan'))
        return records
