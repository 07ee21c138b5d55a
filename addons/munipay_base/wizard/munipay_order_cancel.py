from odoo import fields, models


class MunipayOrderCancel(models.TransientModel):
    _name = 'munipay.order.cancel'
    _description = "Cancel Payment Orders"

    order_ids = fields.Many2many('munipay.payment.order', string="Orders", required=True)
    reason = fields.Text(required=True)

    def action_confirm(self):
        self.ensure_one()
        self.order_ids._munipay_cancel(self.reason)
        return {'type': 'ir.actions.act_window_close'}
