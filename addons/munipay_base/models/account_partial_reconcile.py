from odoo import models


class AccountPartialReconcile(models.Model):
    _inherit = 'account.partial.reconcile'

    def unlink(self):
        orders = (self.debit_move_id | self.credit_move_id).munipay_order_id
        res = super().unlink()
        orders._munipay_sync_payment_state(unreconciled=True)
        return res
