from odoo import api, models
from odoo.osv import expression


class MunipayFeeType(models.Model):
    _inherit = 'munipay.fee.type'

    @api.model
    def _load_pos_data_domain(self, data):
        domain = super()._load_pos_data_domain(data)
        config = self.env['pos.config'].browse(data['pos.config']['data'][0]['id'])
        if config.munipay_merchant_partner_id:
            domain = expression.AND([domain, [('id', 'in', config.munipay_merchant_fee_type_ids.ids)]])
        return domain
