from odoo import api, fields, models


class PosPaymentMethod(models.Model):
    """A card terminal reached through munipay's device bridge on the desk PC: the
    browser talks to the bridge directly, so a terminal dialogue never holds an Odoo worker."""
    _inherit = 'pos.payment.method'

    munipay_bridge_url = fields.Char(
        string="Bridge Address", default='http://127.0.0.1:8765',
        help="Address of the munipay device bridge on the cash-desk PC (loopback).")
    munipay_bridge_token = fields.Char(
        string="Bridge Pairing Token", copy=False,
        help="The token the bridge printed when it started; the POS sends it with every request.")

    def _get_payment_terminal_selection(self):
        return super()._get_payment_terminal_selection() + [('munipay_bridge', "munipay card bridge (ZVT)")]

    @api.model
    def _load_pos_data_fields(self, config_id):
        return super()._load_pos_data_fields(config_id) + ['munipay_bridge_url', 'munipay_bridge_token']
