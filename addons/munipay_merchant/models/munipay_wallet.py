from odoo import api, models
from odoo.osv import expression


class MunipayWallet(models.Model):
    _inherit = 'munipay.wallet'

    @api.model
    def _munipay_pos_wallet_domain(self, config):
        """A merchant's POS finds only the wallets of the services it may top up."""
        domain = super()._munipay_pos_wallet_domain(config)
        if config.munipay_merchant_partner_id:
            domain = expression.AND([domain, [('service_fee_type_id', 'in', config.munipay_merchant_fee_type_ids.ids)]])
        return domain
