from odoo import api, models


class PosCategory(models.Model):
    _inherit = 'pos.category'

    @api.model
    def _load_pos_data_domain(self, data):
        config = self.env['pos.config'].browse(data['pos.config']['data'][0]['id'])
        if config.munipay_merchant_partner_id:
            # its product grid is empty (munipay's screens sell): no category buttons to nothing
            return [('id', '=', False)]
        return super()._load_pos_data_domain(data)
