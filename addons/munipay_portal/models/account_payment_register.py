from odoo import models


class AccountPaymentRegister(models.TransientModel):
    _inherit = 'account.payment.register'

    def _compute_payment_method_line_id(self):
        # an online transaction books on its provider's own payment method
        super()._compute_payment_method_line_id()
        line_id = self.env.context.get('munipay_payment_method_line_id')
        if line_id:
            for wizard in self:
                line = wizard.available_payment_method_line_ids.filtered(lambda l: l.id == line_id)
                if line:
                    wizard.payment_method_line_id = line
