from odoo import fields, models


class AccountMoveLine(models.Model):
    _inherit = 'account.move.line'

    munipay_pagopa_receipt_id = fields.Many2one(
        'munipay.pagopa.receipt', string="pagoPA Receipt", index='btree_not_null', copy=False, readonly=True,
        ondelete='restrict',
        help="The receipt whose money this item books (receipts booked together share one entry).")
