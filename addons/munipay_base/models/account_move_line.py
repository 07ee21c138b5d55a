from odoo import fields, models


class AccountMoveLine(models.Model):
    _inherit = 'account.move.line'

    munipay_order_id = fields.Many2one(
        'munipay.payment.order', string="Payment Order", index='btree_not_null', copy=False, readonly=True,
        help="Set on the receivable items of a payment order.")
    munipay_surcharge = fields.Boolean(copy=False, readonly=True)
    munipay_wallet_id = fields.Many2one(
        'munipay.wallet', string="Wallet", index='btree_not_null', copy=False, readonly=True,
        help="Set on the prepaid-liability items of a wallet.")

    def _reconcile_post_hook(self, data):
        super()._reconcile_post_hook(data)
        self.munipay_order_id._munipay_sync_payment_state()
