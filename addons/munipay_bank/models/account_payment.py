from odoo import _, fields, models
from odoo.exceptions import UserError


class AccountPayment(models.Model):
    _inherit = 'account.payment'

    munipay_suspense_line_id = fields.Many2one(
        'account.move.line', string="Returns Unmatched Payment", readonly=True, copy=False,
        index='btree_not_null')

    def action_post(self):
        for payment in self.filtered('munipay_suspense_line_id'):
            if payment.munipay_suspense_line_id.reconciled:
                raise UserError(_("The unmatched payment %s was assigned or returned meanwhile: this return would "
                                  "pay it out twice.", payment.munipay_suspense_line_id.name))
        res = super().action_post()
        for payment in self.filtered('munipay_suspense_line_id'):
            item = payment.munipay_suspense_line_id
            counterpart = payment.move_id.line_ids.filtered(lambda l: l.account_id == item.account_id)
            if not item.reconciled:
                (counterpart | item).reconcile()
        return res
