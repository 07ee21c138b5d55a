from odoo import api, fields, models


class AccountMoveLine(models.Model):
    _inherit = 'account.move.line'

    munipay_order_id = fields.Many2one(
        'munipay.payment.order', string="Payment Order", index='btree_not_null', copy=False, readonly=True,
        ondelete='restrict',
        help="Set on the receivable items of a payment order.")
    munipay_surcharge = fields.Boolean(copy=False, readonly=True)
    munipay_wallet_id = fields.Many2one(
        'munipay.wallet', string="Wallet", index='btree_not_null', copy=False, readonly=True, ondelete='restrict',
        help="Set on the prepaid-liability items of a wallet.")

    @api.model
    def _reconcile_plan(self, reconciliation_plan):
        # Follow the orders once the reconciliation is complete, outside the
        # move-synchronisation contexts: settling one order may cancel its joint
        # debtors' orders, which posts credit notes of its own.
        lines = self.env['account.move.line']
        pending = list(reconciliation_plan)
        while pending:
            item = pending.pop()
            if isinstance(item, models.BaseModel):
                lines |= item
            else:
                pending.extend(item)
        res = super()._reconcile_plan(reconciliation_plan)
        lines.munipay_order_id._munipay_sync_payment_state()
        return res
