from odoo import models


class AccountMove(models.Model):
    _inherit = 'account.move'

    def _munipay_money_date(self):
        if self.statement_line_id:
            return self.statement_line_id._munipay_value_date()
        # an unmatched payment assigned to an order: the money came with its statement line,
        # whatever day (after a lock date, say) the assignment is booked on
        item = self.line_ids.matched_credit_ids.credit_move_id.filtered('munipay_suspense')[:1]
        if item:
            return item.move_id.statement_line_id._munipay_value_date()
        return super()._munipay_money_date()
