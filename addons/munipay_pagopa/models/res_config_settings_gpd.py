from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = 'res.config.settings'

    munipay_pagopa_gpd_enabled = fields.Boolean(related='company_id.munipay_pagopa_gpd_enabled', readonly=False)
    munipay_pagopa_gpd_share_email = fields.Boolean(
        related='company_id.munipay_pagopa_gpd_share_email', readonly=False)
