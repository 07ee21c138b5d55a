from odoo import _, api, fields, models
from odoo.exceptions import ValidationError


class MunipayFeeType(models.Model):
    _inherit = 'munipay.fee.type'

    pagopa_bank_account_id = fields.Many2one(
        'res.partner.bank', string="pagoPA IBAN", check_company=True,
        domain="[('partner_id', '=', company_partner_id)]",
        help="Account pagoPA transfers this fee to; empty: the company's collection account.")
    pagopa_postal_bank_account_id = fields.Many2one(
        'res.partner.bank', string="pagoPA Postal IBAN", check_company=True,
        domain="[('partner_id', '=', company_partner_id)]",
        help="The creditor's Poste Italiane account, given to postal payment channels.")
    pagopa_transfer_category = fields.Char(
        string="pagoPA Taxonomy", size=140,
        help="Transfer category of pagoPA's taxonomy of incomes (e.g. 9/0101108TS/), required on pagoPA.")
    company_partner_id = fields.Many2one(related='company_id.partner_id', string="Company Partner")

    def _pagopa_used(self):
        """Are this fee's orders collected through pagoPA?"""
        self.ensure_one()
        return (self.qr_standard or self.company_id.munipay_qr_standard) == 'pagopa' and self.category != 'topup'

    @api.constrains('pagopa_transfer_category', 'qr_standard', 'category', 'company_id',
                    'pagopa_bank_account_id', 'pagopa_postal_bank_account_id')
    def _check_pagopa_settings(self):
        for fee in self:
            for account in fee.pagopa_bank_account_id | fee.pagopa_postal_bank_account_id:
                if account.acc_type != 'iban':
                    raise ValidationError(_("pagoPA pays into IBANs only: %(account)s of fee “%(fee)s” is not one.",
                                            account=account.acc_number, fee=fee.name))
            if fee._pagopa_used():
                fee._pagopa_check_ready()

    def _pagopa_check_ready(self):
        for fee in self:
            if not (fee.pagopa_transfer_category or '').strip():
                raise ValidationError(_("Fee “%s” is collected through pagoPA: set its pagoPA taxonomy "
                                        "(transfer category).", fee.name))

    def _pagopa_iban(self, postal=False):
        """The IBAN of this fee's pagoPA transfers (the postal one when asked and set)."""
        self.ensure_one()
        account = (postal and self.pagopa_postal_bank_account_id) or self.pagopa_bank_account_id \
            or self.company_id.munipay_bank_account_id
        if not account or account.acc_type != 'iban':
            raise ValidationError(_("Fee “%s” has no IBAN for pagoPA: set its pagoPA IBAN or the company's "
                                    "collection account.", self.name))
        return account.sanitized_acc_number
