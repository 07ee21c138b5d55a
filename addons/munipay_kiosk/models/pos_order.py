from odoo import models


class PosOrder(models.Model):
    _inherit = 'pos.order'

    def _munipay_cashdesk_takes_part_payments(self):
        # the banknotes are in the kiosk's cassette already: less than due is a part payment
        return self.config_id.munipay_kiosk or super()._munipay_cashdesk_takes_part_payments()
