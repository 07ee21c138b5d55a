from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from ..lib import poste_datamatrix


class MunipayFeeType(models.Model):
    """Traffic fines of the Codice della Strada: two payment options on one pagoPA notice."""
    _inherit = 'munipay.fee.type'

    pagopa_cds = fields.Boolean(
        string="Traffic Fine (Codice della Strada)",
        help="Its pagoPA notices carry two payment options, each with its own notice number: the reduced "
             "amount of the first amount rule (within 5 days of notification) and the amount of the second "
             "(within 60 days). The amount rules give both amounts.")

    @api.constrains('pagopa_cds', 'category', 'amount_rule_ids')
    def _check_pagopa_cds(self):
        for fee in self.filtered('pagopa_cds'):
            fee._pagopa_check_cds()

    @api.constrains('pagopa_postal_bank_account_id')
    def _check_pagopa_postal_account(self):
        # the notice's postal bulletin carries the Poste account number read from the IBAN
        for fee in self.filtered('pagopa_postal_bank_account_id'):
            try:
                poste_datamatrix.postal_account(fee.pagopa_postal_bank_account_id.acc_number)
            except poste_datamatrix.DataMatrixError:
                raise ValidationError(_(
                    "The postal IBAN of fee “%(fee)s” is not an account of Poste Italiane (bank code %(abi)s).",
                    fee=fee.name, abi=poste_datamatrix.POSTE_ABI)) from None

    def _pagopa_check_cds(self):
        """A traffic fine needs the two windows its options are made of."""
        self.ensure_one()
        if self.category != 'fine':
            raise ValidationError(_("Fee “%s” is not a fine: only fines follow the Codice della Strada.",
                                    self.name))
        rules = self.amount_rule_ids.sorted(lambda r: (r.sequence, r.id))
        if len(rules) < 2 or not all(rules[:2].mapped('up_to_day')):
            raise ValidationError(_(
                "Traffic fine “%s” needs two amount rules with a last day (e.g. up to day 5: 70 %% of the "
                "amount, up to day 60: the amount): one for each payment option of its pagoPA notice.", self.name))
