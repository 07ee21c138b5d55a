from odoo import _, fields, models
from odoo.exceptions import UserError

from ..lib import gpd

DEFAULT_TIMEOUT = 20  # seconds GPD gets to answer (a cron's call, never a citizen's)


class ResCompany(models.Model):
    _inherit = 'res.company'

    munipay_pagopa_gpd_enabled = fields.Boolean(
        string="Publish on GPD",
        help="Publish the debt position of each issued pagoPA order on pagoPA's debt position service (GPD), "
             "invalidate it when the order is cancelled and mark it paid when the order is paid elsewhere. "
             "A scheduled job sends them, with the GPD endpoint and subscription key.")
    munipay_pagopa_gpd_share_email = fields.Boolean(
        string="Send Payer E-mails to GPD",
        help="Include the payer's e-mail address in the debt positions (pagoPA then writes to the payer); "
             "only where the municipality may share it.")

    def _munipay_pagopa_gpd_on(self):
        self.ensure_one()
        return self.munipay_pagopa_gpd_enabled and self._munipay_pagopa_enabled()

    def _munipay_pagopa_gpd_client(self):
        """A GPD client of the company, or a UserError naming the missing setting."""
        self.ensure_one()
        company = self.sudo()
        if not (company.munipay_pagopa_gpd_url and company.munipay_pagopa_gpd_key):
            raise UserError(_("%s has no GPD endpoint or subscription key: set them in the pagoPA settings.",
                              self.name))
        timeout = float(self.env['ir.config_parameter'].sudo().get_param(
            'munipay_pagopa.gpd_timeout', DEFAULT_TIMEOUT) or DEFAULT_TIMEOUT)
        return gpd.Client(company.munipay_pagopa_gpd_url, company.munipay_pagopa_gpd_key,
                          company.munipay_creditor_fiscal_code, timeout=timeout)
