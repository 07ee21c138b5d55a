from odoo import models


class AccountPayment(models.Model):
    _inherit = 'account.payment'

    def _compute_payment_method_line_id(self):
        # an online transaction books on its provider's own payment method, also the
        # credit munipay keeps when the money reached an order that was already paid
        super()._compute_payment_method_line_id()
        line_id = self.env.context.get('munipay_payment_method_line_id')
        if line_id:
            for payment in self:
                line = payment.available_payment_method_line_ids.filtered(lambda l: l.id == line_id)
                if line:
                    payment.payment_method_line_id = line
