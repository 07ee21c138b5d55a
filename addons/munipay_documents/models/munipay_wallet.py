from odoo import models


class MunipayWallet(models.Model):
    _inherit = 'munipay.wallet'

    def _munipay_credit(self, amount, counterpart_account, ref=None):
        move = super()._munipay_credit(amount, counterpart_account, ref=ref)
        self.env['munipay.receipt'].sudo().create({
            'wallet_id': self.id,
            'partner_id': self.holder_id.id,
            'company_id': self.company_id.id,
            'amount': amount,
            'balance_after': self.balance,
            'channel': self.env.context.get('munipay_channel', 'cash'),
        })
        return move
