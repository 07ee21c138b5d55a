import re

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..lib import notice_numbers

AUX_DIGITS = [
    ('3', "3 – segregation code in the IUV"),
    ('0', "0 – application code"),
    ('1', "1 – one station, 17-digit IUV"),
]
_ID_RE = re.compile(r'\S{1,35}')


class ResCompany(models.Model):
    _inherit = 'res.company'

    # the creditor fiscal code is the one munipay_documents prints in the pagoPA QR code
    munipay_pagopa_fiscal_code = fields.Char(
        related='munipay_creditor_fiscal_code', readonly=False, string="pagoPA Creditor Fiscal Code",
        help="The creditor's fiscal code on pagoPA (idPA, 11 digits).")
    munipay_pagopa_aux_digit = fields.Selection(
        AUX_DIGITS, string="pagoPA Aux Digit", default='3',
        help="First digit of the notice numbers, as configured on pagoPA: 3 with a segregation code, "
             "0 with an application code, 1 for a creditor with a single station.")
    munipay_pagopa_segregation_code = fields.Char(
        string="pagoPA Segregation Code", size=2, help="Two digits assigned by pagoPA (aux digit 3).")
    munipay_pagopa_application_code = fields.Char(
        string="pagoPA Application Code", size=2, help="Two digits assigned by pagoPA (aux digit 0).")
    munipay_pagopa_broker_id = fields.Char(
        string="pagoPA Broker ID", help="idBrokerPA: the technological intermediary's id on pagoPA.")
    munipay_pagopa_station_id = fields.Char(
        string="pagoPA Station ID", help="idStation: the station through which pagoPA calls this server.")
    munipay_pagopa_iuv_sequence_id = fields.Many2one(
        'ir.sequence', string="pagoPA IUV Sequence", readonly=True, copy=False,
        help="Numbers the IUVs; a number once taken is never given again, even if its order is cancelled.")
    munipay_pagopa_journal_id = fields.Many2one(
        'account.journal', string="pagoPA Journal", check_company=True, domain="[('type', '=', 'bank')]",
        help="Journal of the payments booked from pagoPA receipts; they wait on its transit account until "
             "the settlement report and the bank's transfer clear them.")
    munipay_pagopa_transit_account_id = fields.Many2one(
        'account.account', string="pagoPA Transit Account", check_company=True,
        help="Where money paid through pagoPA waits until pagoPA transfers it to the municipality.")
    munipay_pagopa_gpd_url = fields.Char(
        string="GPD Endpoint", groups='base.group_system',
        help="Base address of pagoPA's debt position service (GPD).")
    munipay_pagopa_gpd_key = fields.Char(
        string="GPD Subscription Key", groups='base.group_system', copy=False,
        help="Ocp-Apim-Subscription-Key for GPD; cleared when the database is copied or neutralised.")
    munipay_pagopa_fdr_url = fields.Char(
        string="FdR Endpoint", groups='base.group_system',
        help="Base address of pagoPA's settlement report service (FdR).")
    munipay_pagopa_fdr_key = fields.Char(
        string="FdR Subscription Key", groups='base.group_system', copy=False,
        help="Ocp-Apim-Subscription-Key for FdR; cleared when the database is copied or neutralised.")

    def _munipay_pagopa_enabled(self):
        self.ensure_one()
        return self.munipay_qr_standard == 'pagopa'

    @api.constrains('munipay_creditor_fiscal_code', 'munipay_qr_standard', 'munipay_pagopa_aux_digit',
                    'munipay_pagopa_segregation_code', 'munipay_pagopa_application_code',
                    'munipay_pagopa_broker_id', 'munipay_pagopa_station_id')
    def _check_munipay_pagopa_settings(self):
        for company in self:
            try:
                if company.munipay_pagopa_segregation_code:
                    notice_numbers.check_segregation_code(company.munipay_pagopa_segregation_code)
                if company.munipay_pagopa_application_code and \
                        not re.fullmatch(r'[0-9]{2}', company.munipay_pagopa_application_code):
                    raise notice_numbers.NoticeNumberError(_("the application code is two digits"))
                # a company on pagoPA (or getting ready for it) needs a creditor code pagoPA accepts; what
                # is missing is said when an order is issued (the settings page writes one field at a time)
                if company.munipay_creditor_fiscal_code and (
                        company._munipay_pagopa_enabled() or company.munipay_pagopa_broker_id
                        or company.munipay_pagopa_station_id):
                    notice_numbers.check_creditor_fiscal_code(company.munipay_creditor_fiscal_code)
            except notice_numbers.NoticeNumberError as error:
                raise ValidationError(_("pagoPA settings of %(company)s: %(error)s",
                                        company=company.name, error=error)) from None
            for field in ('munipay_pagopa_broker_id', 'munipay_pagopa_station_id'):
                if company[field] and not _ID_RE.fullmatch(company[field]):
                    raise ValidationError(_("pagoPA settings of %(company)s: %(field)s is 1 to 35 characters "
                                            "without spaces.", company=company.name,
                                            field=self._fields[field].get_description(self.env)['string']))

    def _munipay_pagopa_check_ready(self):
        """Can the company issue pagoPA notices? Else a clear error saying what is missing."""
        self.ensure_one()
        missing = []
        if self.currency_id.name != 'EUR':
            raise ValidationError(_("%s collects in another currency than euros: pagoPA takes euros only.", self.name))
        if not self.munipay_creditor_fiscal_code:
            missing.append(self._fields['munipay_pagopa_fiscal_code'].get_description(self.env)['string'])
        aux = self.munipay_pagopa_aux_digit or '3'
        if aux == '3' and not self.munipay_pagopa_segregation_code:
            missing.append(self._fields['munipay_pagopa_segregation_code'].get_description(self.env)['string'])
        if aux == '0' and not self.munipay_pagopa_application_code:
            missing.append(self._fields['munipay_pagopa_application_code'].get_description(self.env)['string'])
        if missing:
            raise ValidationError(_("pagoPA needs these settings of %(company)s: %(fields)s.",
                                    company=self.name, fields=", ".join(missing)))
        try:
            notice_numbers.check_creditor_fiscal_code(self.munipay_creditor_fiscal_code)
        except notice_numbers.NoticeNumberError as error:
            raise ValidationError(_("pagoPA settings of %(company)s: %(error)s", company=self.name, error=error)) \
                from None

    def _munipay_pagopa_next_notice(self):
        """``(notice number, IUV)`` of a new payment position of the company."""
        self.ensure_one()
        self._munipay_pagopa_check_ready()
        aux = self.munipay_pagopa_aux_digit or '3'
        code = {'3': self.munipay_pagopa_segregation_code, '0': self.munipay_pagopa_application_code}.get(aux, '')
        number = int(self._munipay_pagopa_iuv_sequence()._next())
        try:
            return notice_numbers.make_notice_number(aux, code, number)
        except notice_numbers.NoticeNumberError as error:
            raise UserError(_("No pagoPA notice number can be made for %(company)s: %(error)s",
                              company=self.name, error=error)) from None

    def _munipay_pagopa_iuv_sequence(self):
        """The company's IUV sequence (a PostgreSQL sequence: a number is never given twice,
        not even when the transaction that took it is rolled back)."""
        self.ensure_one()
        if not self.munipay_pagopa_iuv_sequence_id:
            self.sudo().munipay_pagopa_iuv_sequence_id = self.env['ir.sequence'].sudo().create({
                'name': _("pagoPA IUV – %s", self.name),
                'code': 'munipay.pagopa.iuv',
                'implementation': 'standard',
                'padding': 0,
                'number_increment': 1,
                'number_next': 1,
                'company_id': self.id,
            })
        return self.sudo().munipay_pagopa_iuv_sequence_id

    def _munipay_pagopa_journal(self):
        """The pagoPA journal, created on first use: a bank journal whose incoming
        payments wait on the pagoPA transit account."""
        self.ensure_one()
        company = self.sudo()
        if company.munipay_pagopa_journal_id:
            return company.munipay_pagopa_journal_id
        transit = company.munipay_pagopa_transit_account_id or company._munipay_create_account(
            'MPP', _("pagoPA payments in transit"), 'asset_current', reconcile=True)
        journal = company._munipay_create_transit_journal(_("pagoPA"), 'PGPA', transit)
        company.write({'munipay_pagopa_journal_id': journal.id, 'munipay_pagopa_transit_account_id': transit.id})
        return journal
