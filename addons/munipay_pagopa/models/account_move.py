from odoo import _, models
from odoo.exceptions import UserError


class AccountMove(models.Model):
    _inherit = 'account.move'

    def _munipay_check_not_order_entry(self):
        super()._munipay_check_not_order_entry()
        if self.env.su:
            return
        receipts = self.sudo().line_ids.munipay_pagopa_receipt_id
        if receipts:
            # one entry books a whole batch of receipts: undone at once it would reopen
            # every order of the batch and strand their money on the transit account
            raise UserError(_(
                "Entry %(move)s books pagoPA receipts (%(receipt)s, …): a payment pagoPA takes back comes through "
                "its settlement report's revocation; to take one receipt off its order, unreconcile that order's "
                "item instead of changing the entry.", move=self[:1].display_name, receipt=receipts[:1].name))
