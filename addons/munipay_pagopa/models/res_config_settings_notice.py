from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = 'res.config.settings'

    munipay_pagopa_cbill_code = fields.Char(related='company_id.munipay_pagopa_cbill_code', readonly=False)
    munipay_pagopa_notice_sector = fields.Char(related='company_id.munipay_pagopa_notice_sector', readonly=False)
    munipay_pagopa_notice_info = fields.Char(related='company_id.munipay_pagopa_notice_info', readonly=False)
    munipay_pagopa_poste_authorisation = fields.Char(
        related='company_id.munipay_pagopa_poste_authorisation', readonly=False)
