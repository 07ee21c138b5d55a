from odoo import fields, models

from .res_company import QR_STANDARDS


class MunipayFeeType(models.Model):
    _inherit = 'munipay.fee.type'

    qr_standard = fields.Selection(QR_STANDARDS, string="Payment QR Standard",
                                   help="Empty: the company's standard.")
    notice_text = fields.Html(
        string="Notice Paragraph", translate=True, sanitize=True,
        help="The office's own paragraph, printed on the payment notices of this fee.")
