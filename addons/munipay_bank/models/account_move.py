from odoo import models


class AccountMove(models.Model):
    _inherit = 'account.move'

    def _munipay_money_date(self):
        return self.statement_line_id.munipay_value_date or super()._munipay_money_date()
