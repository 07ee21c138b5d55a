from odoo import api, models


class PosSession(models.Model):
    _inherit = 'pos.session'

    @api.model
    def _load_pos_data_models(self, config_id):
        return super()._load_pos_data_models(config_id) + ['munipay.wallet']

    @api.model
    def _munipay_cashdesk_products(self):
        return super()._munipay_cashdesk_products() | self._munipay_wallet_product()

    @api.model
    def _munipay_wallet_product(self):
        return self.env.ref('munipay_cashdesk.product_wallet_topup', raise_if_not_found=False) \
            or self.env['product.product']

    def _load_pos_data(self, data):
        result = super()._load_pos_data(data)
        result['data'][0]['_munipay_wallet_product_id'] = self._munipay_wallet_product().id or False
        return result

    def _munipay_cashdesk_transit_moves(self):
        return super()._munipay_cashdesk_transit_moves() | self.order_ids.lines.munipay_wallet_move_id
