from odoo import fields, models


class PosSession(models.Model):
    _inherit = 'pos.session'

    # Odoo opens a session with the cash its predecessor closed with (left in the drawer);
    # a kiosk session closed by the encashment left an empty cassette instead
    munipay_kiosk_emptied = fields.Boolean(string="Cassette Emptied", readonly=True, copy=False)
