from odoo import _, models


class AccountPaymentRegister(models.TransientModel):
    _inherit = 'account.payment.register'

    def _reconcile_payments(self, to_process, edit_mode=False):
        # One payment after the other: an earlier one may have settled a joint debt
        # that a later one was meant for. That money stays on the payer, flagged.
        for vals in to_process:
            super()._reconcile_payments([vals], edit_mode=edit_mode)
            orders = vals['to_reconcile'].sudo().munipay_order_id
            closed = orders.filtered(lambda o: o.state != 'issued')
            credits = vals['payment'].move_id.line_ids.filtered(
                lambda l: l.account_id.account_type == 'asset_receivable' and not l.reconciled)
            for order in closed:
                unpaid_here = not (order.ledger_line_ids.matched_credit_ids.credit_move_id & credits.move_id.line_ids)
                if credits and unpaid_here:
                    order._munipay_flag_refund(credits, _(
                        "A payment of %(amount)s (%(payment)s) was registered for this order, which is %(state)s; "
                        "it is kept as a credit on the payer to refund.",
                        amount=order.currency_id.format(-sum(credits.mapped('amount_residual'))),
                        payment=vals['payment'].name, state=order._munipay_state_label()))
                    break
