from odoo import models
from odoo.modules.db import FunctionStatus
from odoo.tools import sql


class ResPartner(models.Model):
    _inherit = 'res.partner'

    def init(self):
        """Trigram indexes for the cash desk's payer search (name anywhere, national ID
        in any case): without them every search reads every partner of the town."""
        super().init()
        registry = self.env.registry
        if not registry.has_trigram:
            return
        for column, where in (('name', ''), ('munipay_national_id', 'munipay_national_id IS NOT NULL')):
            # the index of the expression Odoo's (=)ilike compares (unaccent, when it can be indexed)
            expression = f'"{column}"'
            if registry.has_unaccent == FunctionStatus.INDEXABLE:
                expression = registry.unaccent(expression)
            sql.create_index(self.env.cr, f'res_partner__{column}_trgm_index', self._table,
                             [f'{expression} gin_trgm_ops'], 'gin', where)
