import re
from urllib.parse import urlsplit

from odoo import api, fields, models

QR_STANDARDS = [
    ('pagopa', "pagoPA"),
    ('epc', "EPC069-12 (SEPA credit transfer)"),
    ('zbp', "Polish bank transfer (ZBP)"),
    ('gost', "GOST R 56042-2014"),
]


class ResCompany(models.Model):
    _inherit = 'res.company'

    munipay_qr_standard = fields.Selection(
        QR_STANDARDS, string="Payment QR Standard", compute='_compute_munipay_qr_standard', store=True, readonly=False,
        help="The payment QR printed on payment notices; a fee type can choose another.")
    munipay_bank_account_id = fields.Many2one(
        'res.partner.bank', string="Collection Account", compute='_compute_munipay_bank_account_id', store=True,
        readonly=False, domain="[('partner_id', '=', partner_id)]",
        help="The account printed on notices and encoded in the payment QR.")
    munipay_creditor_fiscal_code = fields.Char(
        string="Creditor Fiscal Code", compute='_compute_munipay_creditor_fiscal_code', store=True, readonly=False,
        help="The creditor's fiscal code in pagoPA QR codes (11 digits).")
    munipay_trusted_hosts = fields.Char(
        string="Trusted Verification Hosts",
        help="Host names, separated by commas, of the sites that verify this municipality's receipts besides this "
             "server (e.g. an older address). A scanned confirmation pointing anywhere else is never followed.")

    def _munipay_trusted_hosts(self):
        """The host names whose receipt confirmations this database answers for."""
        self.ensure_one()
        hosts = {host.strip().lower() for host in (self.munipay_trusted_hosts or '').split(',') if host.strip()}
        base_host = urlsplit(self.get_base_url()).hostname
        return hosts | ({base_host.lower()} if base_host else set())

    @api.depends('partner_id.bank_ids')
    def _compute_munipay_bank_account_id(self):
        for company in self:
            if not company.munipay_bank_account_id:
                company.munipay_bank_account_id = company.partner_id.bank_ids[:1]

    @api.depends('munipay_bank_account_id', 'country_id')
    def _compute_munipay_qr_standard(self):
        for company in self:
            if company.munipay_qr_standard:
                continue
            if company.munipay_bank_account_id.acc_type == 'iban' or company.country_id.code not in ('PL', 'RU'):
                company.munipay_qr_standard = 'epc'
            else:
                company.munipay_qr_standard = {'PL': 'zbp', 'RU': 'gost'}[company.country_id.code]

    @api.depends('vat')
    def _compute_munipay_creditor_fiscal_code(self):
        for company in self:
            if not company.munipay_creditor_fiscal_code and company.vat:
                digits = re.sub(r'\D', '', company.vat)
                company.munipay_creditor_fiscal_code = digits if len(digits) == 11 else False


class ResBank(models.Model):
    _inherit = 'res.bank'

    munipay_correspondent_account = fields.Char(
        string="Correspondent Account", help="Russian banks: the correspondent account (20 digits) for GOST QR codes.")
