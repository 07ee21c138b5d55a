from odoo import fields, models


class BarcodeRule(models.Model):
    _inherit = 'barcode.rule'

    type = fields.Selection(selection_add=[('munipay_order', "Payment Order Notice")],
                            ondelete={'munipay_order': 'set default'})
