import re

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError


class ResCompany(models.Model):
    """What the pagoPA notice prints about the creditor beyond its identifiers."""
    _inherit = 'res.company'

    munipay_pagopa_cbill_code = fields.Char(
        string="CBILL Code", size=5,
        help="The creditor's interbank CBILL code (5 letters or digits), printed on the notice for home banking.")
    munipay_pagopa_notice_sector = fields.Char(
        string="Notice Office", translate=True,
        help="The office printed under the creditor's name on pagoPA notices (e.g. Polizia Locale).")
    munipay_pagopa_notice_info = fields.Char(
        string="Notice Contact", translate=True,
        help="How payers reach the office, printed on pagoPA notices (address, telephone, web site).")
    munipay_pagopa_poste_authorisation = fields.Char(
        string="Poste Print Authorisation",
        help="Poste Italiane's authorisation to print postal bulletins, printed on the postal part of the notice.")

    @api.constrains('munipay_pagopa_cbill_code')
    def _check_munipay_pagopa_cbill_code(self):
        for company in self.filtered('munipay_pagopa_cbill_code'):
            if not re.fullmatch(r'[0-9A-Z]{5}', company.munipay_pagopa_cbill_code):
                raise ValidationError(_("The CBILL code of %s is 5 capital letters or digits.", company.name))
