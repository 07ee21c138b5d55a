from odoo import api, fields, models


class MunipayReceipt(models.Model):
    _inherit = 'munipay.receipt'

    pos_order_id = fields.Many2one('pos.order', string="Point of Sale Order", readonly=True, index='btree_not_null',
                                   help="The sale that took the money (a wallet top-up at a desk, merchant or kiosk).")

    @api.model_create_multi
    def create(self, vals_list):
        pos_order_id = self.env.context.get('munipay_pos_order_id')
        if pos_order_id:
            for vals in vals_list:
                vals.setdefault('pos_order_id', pos_order_id)
        return super().create(vals_list)
