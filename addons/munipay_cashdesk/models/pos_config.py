from odoo import models


class PosConfig(models.Model):
    _inherit = 'pos.config'

    def _get_special_products(self):
        # sold from the Payment Orders screen only, never from the product grid
        return super()._get_special_products() | self.env['pos.session']._munipay_cashdesk_products()
