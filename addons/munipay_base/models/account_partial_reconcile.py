from collections import defaultdict

from odoo import _, models


class AccountPartialReconcile(models.Model):
    _inherit = 'account.partial.reconcile'

    def unlink(self):
        orders = (self.debit_move_id | self.credit_move_id).sudo().munipay_order_id
        adjustments = defaultdict(lambda: self.env['account.move.line'])
        money = defaultdict(lambda: self.env['account.move.line'])
        for partial in self.sudo():
            order = partial.debit_move_id.munipay_order_id
            credit = partial.credit_move_id
            if not order:
                continue
            if credit.munipay_reversed_line_id:
                adjustments[order] |= credit
            elif credit.move_id._munipay_is_money():
                money[order] |= credit
        for order in adjustments:
            order._munipay_check_reopenable()
        res = super().unlink()
        for order, lines in adjustments.items():
            order._munipay_take_back_adjustments(lines)
        for order, lines in money.items():
            taken_off = lines.filtered(lambda l: l.parent_state == 'posted' and not l.reconciled) - order.refund_line_ids
            if taken_off:
                order.refund_line_ids = [(4, line.id) for line in taken_off]
                order.message_post(body=_(
                    "A payment of %(amount)s was taken off this order in accounting: it waits as a credit on the "
                    "payer, to reconcile again or refund.",
                    amount=order.currency_id.format(-sum(taken_off.mapped('amount_residual')))))
        orders._munipay_sync_payment_state(unreconciled=True)
        return res
