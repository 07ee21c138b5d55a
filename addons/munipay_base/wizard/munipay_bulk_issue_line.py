from odoo import fields, models


class MunipayBulkIssueLine(models.Model):
    _name = 'munipay.bulk.issue.line'
    _description = "Bulk Issue Row"
    _order = 'bulk_id, sequence, id'

    bulk_id = fields.Many2one('munipay.bulk.issue', required=True, ondelete='cascade', index=True)
    company_id = fields.Many2one(related='bulk_id.company_id', store=True)
    currency_id = fields.Many2one(related='bulk_id.currency_id')
    sequence = fields.Integer(string="Row")
    identifier = fields.Char(string="Payer Identifier")
    partner_id = fields.Many2one('res.partner', string="Payer")
    fee_type_id = fields.Many2one('munipay.fee.type', string="Fee Type")
    amount = fields.Monetary()
    origin = fields.Char()
    state = fields.Selection([('pending', "To Issue"), ('done', "Issued"), ('refused', "Refused")],
                             required=True, default='pending', index=True)
    reason = fields.Char(string="Refused because")
    order_id = fields.Many2one('munipay.payment.order', string="Order", readonly=True)

    def _prepare_order_vals(self):
        self.ensure_one()
        fee = self.fee_type_id
        lines = self.env['munipay.payment.order']._munipay_lines_for_fee_type(fee, self.amount)
        return {
            'partner_id': self.partner_id.id,
            'fee_type_id': fee.id,
            'company_id': self.bulk_id.company_id.id,
            'date_issue': self.bulk_id.date_issue,
            'origin': self.origin,
            'bulk_issue_id': self.bulk_id.id,
            'line_ids': lines,
        }
