from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = 'res.config.settings'

    munipay_pagopa_fiscal_code = fields.Char(related='company_id.munipay_pagopa_fiscal_code', readonly=False)
    munipay_pagopa_aux_digit = fields.Selection(related='company_id.munipay_pagopa_aux_digit', readonly=False)
    munipay_pagopa_segregation_code = fields.Char(related='company_id.munipay_pagopa_segregation_code', readonly=False)
    munipay_pagopa_application_code = fields.Char(related='company_id.munipay_pagopa_application_code', readonly=False)
    munipay_pagopa_broker_id = fields.Char(related='company_id.munipay_pagopa_broker_id', readonly=False)
    munipay_pagopa_station_id = fields.Char(related='company_id.munipay_pagopa_station_id', readonly=False)
    munipay_pagopa_journal_id = fields.Many2one(related='company_id.munipay_pagopa_journal_id', readonly=False)
    munipay_pagopa_transit_account_id = fields.Many2one(
        related='company_id.munipay_pagopa_transit_account_id', readonly=False)
    munipay_pagopa_gpd_url = fields.Char(related='company_id.munipay_pagopa_gpd_url', readonly=False)
    munipay_pagopa_gpd_key = fields.Char(related='company_id.munipay_pagopa_gpd_key', readonly=False)
    munipay_pagopa_fdr_url = fields.Char(related='company_id.munipay_pagopa_fdr_url', readonly=False)
    munipay_pagopa_fdr_key = fields.Char(related='company_id.munipay_pagopa_fdr_key', readonly=False)
