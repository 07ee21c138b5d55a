from odoo import api, fields, models


class MunipayFeeType(models.Model):
    _name = 'munipay.fee.type'
    _inherit = ['munipay.fee.type', 'pos.load.mixin']

    munipay_cashdesk_sale = fields.Boolean(
        string="Sold at the Cash Desk",
        help="The cash desk sells this fee as an item (a certificate, a copy): the sale creates its payment "
             "order and settles it on the spot.")

    @api.model
    def _load_pos_data_domain(self, data):
        company_id = data['pos.config']['data'][0]['company_id']
        return [('company_id', '=', company_id), ('munipay_cashdesk_sale', '=', True)]

    @api.model
    def _load_pos_data_fields(self, config_id):
        return ['id', 'name', 'code', 'amount', 'cost_amount', 'handling_fee']

    def _load_pos_data(self, data):
        # the desk sees the fee items it sells, not the fee configuration: read for it
        config = self.env['munipay.payment.order']._munipay_cashdesk_config(data['pos.config']['data'][0]['id'])
        fields_ = self._load_pos_data_fields(config.id)
        return {
            'data': self.sudo().with_company(config.company_id).search_read(
                self._load_pos_data_domain(data), fields_, load=False),
            'fields': fields_,
        }
