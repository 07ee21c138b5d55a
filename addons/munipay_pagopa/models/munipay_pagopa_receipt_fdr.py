from odoo import api, fields, models


class MunipayPagopaReceipt(models.Model):
    _inherit = 'munipay.pagopa.receipt'

    fdr_line_ids = fields.One2many('munipay.pagopa.fdr.line', 'receipt_id', string="Settlement Report Payments",
                                   readonly=True)
    settlement_state = fields.Selection([
        ('reported', "Reported"),
        ('revoked', "Revoked"),
        ('settled', "Settled"),
    ], string="Settlement", compute='_compute_settlement_state',
        help="What pagoPA's settlement reports say of the receipt: reported as paid, settled by the PSP's bank "
             "transfer, or revoked.")

    @api.depends('fdr_line_ids.state', 'fdr_line_ids.fdr_id.state', 'fdr_line_ids.fdr_id.statement_line_id')
    def _compute_settlement_state(self):
        for receipt in self:
            lines = receipt.fdr_line_ids.filtered(lambda l: l.fdr_id.state != 'superseded' and l.state != 'difference')
            if lines.filtered(lambda l: l.state == 'revoked'):
                receipt.settlement_state = 'revoked'
            elif lines:
                receipt.settlement_state = 'settled' if lines.fdr_id.statement_line_id else 'reported'
            else:
                receipt.settlement_state = False


class MunipayPaymentOrder(models.Model):
    _inherit = 'munipay.payment.order'

    # a bank transfer may carry only the notice number: it is looked up
    pagopa_notice_number = fields.Char(index='btree_not_null')
    pagopa_fdr_line_ids = fields.One2many('munipay.pagopa.fdr.line', 'order_id', string="pagoPA Settlement",
                                          readonly=True)

    def _munipay_reference_fields(self):
        return super()._munipay_reference_fields() + ['pagopa_iuv', 'pagopa_notice_number']
