from odoo import _, api, models
from odoo.osv import expression

from ..lib import privacy


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

    def _munipay_credit(self, amount, counterpart_account, ref=None):
        # a merchant's offline top-up of a wallet closed since (pos.order._munipay_wallet_closed_kept) is
        # credited like any other (entry, receipt, billing system), under munipay_keep_closed, and flagged here
        move = super()._munipay_credit(amount, counterpart_account, ref=ref)
        if not self.active:
            self.message_post(body=_(
                "%(amount)s was topped up offline after this wallet was closed: the money is kept here (balance "
                "%(balance)s) until it is refunded to the holder or moved.",
                amount=self.currency_id.format(amount), balance=self.currency_id.format(self.balance)))
        return move
