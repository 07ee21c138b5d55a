from odoo import models


class AccountJournal(models.Model):
    _inherit = 'account.journal'

    def _get_bank_statements_available_import_formats(self):
        return super()._get_bank_statements_available_import_formats() + ['camt.052.001.02', 'MT940']
