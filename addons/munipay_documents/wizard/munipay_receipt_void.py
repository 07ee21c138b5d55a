from odoo import fields, models


class MunipayReceiptVoid(models.TransientModel):
    """A manager voids receipts, with a reason: numbered receipts are never deleted."""
    _name = 'munipay.receipt.void'
    _description = "Void Receipts"

    receipt_ids = fields.Many2many('munipay.receipt', string="Receipts", required=True)
    reason = fields.Text(required=True)

    def action_void(self):
        self.ensure_one()
        self.receipt_ids._munipay_void(self.reason)
        return {'type': 'ir.actions.act_window_close'}
