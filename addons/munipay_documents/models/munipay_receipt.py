import logging
import secrets

from odoo import _, api, fields, models
from odoo.tools import float_round

from ..lib import qr_payloads

_logger = logging.getLogger(__name__)

SECRET_PARAM = 'munipay_documents.verify_secret'
CHANNELS = [
    ('cash', "Cash desk (cash)"),
    ('card', "Cash desk (card)"),
    ('bank', "Bank transfer"),
    ('online', "Online"),
    ('pagopa', "pagoPA"),
    ('merchant', "Authorised merchant"),
    ('kiosk', "Self-service kiosk"),
    ('other', "Other"),
]


def amount_to_cents(currency, amount):
    return int(float_round(currency.round(amount) * 10 ** currency.decimal_places, precision_digits=0))


class MunipayReceipt(models.Model):
    """A payment confirmation: its own number and a signed QR that anyone can check."""
    _name = 'munipay.receipt'
    _description = "Payment Receipt"
    _inherit = ['mail.thread']
    _order = 'date desc, id desc'
    _check_company_auto = True

    name = fields.Char(string="Number", required=True, readonly=True, copy=False, default='/', index=True)
    date = fields.Datetime(required=True, readonly=True, default=fields.Datetime.now)
    order_id = fields.Many2one('munipay.payment.order', string="Payment Order", readonly=True, index='btree_not_null')
    wallet_id = fields.Many2one('munipay.wallet', string="Wallet", readonly=True, index='btree_not_null')
    partner_id = fields.Many2one('res.partner', string="Payer", required=True, readonly=True, index=True)
    company_id = fields.Many2one('res.company', required=True, readonly=True, default=lambda self: self.env.company)
    currency_id = fields.Many2one(related='company_id.currency_id')
    amount = fields.Monetary(required=True, readonly=True)
    balance_after = fields.Monetary(string="New Balance", readonly=True)
    channel = fields.Selection(CHANNELS, required=True, default='other', readonly=True)
    payment_id = fields.Many2one('account.payment', readonly=True)
    reference = fields.Char(compute='_compute_reference',
                            help="The order's payment reference, or the wallet's PAN masked but for its last digits.")
    mail_sent = fields.Boolean(readonly=True, copy=False)
    verify_url = fields.Char(string="Verification URL", compute='_compute_verify_url')

    _sql_constraints = [('name_company_uniq', 'unique(company_id, name)', "Receipt numbers are unique per company.")]

    @api.depends('order_id.payment_reference', 'wallet_id.pan')
    def _compute_reference(self):
        for receipt in self:
            pan = receipt.wallet_id.pan or ''
            receipt.reference = receipt.order_id.payment_reference or ('*' * (len(pan) - 4) + pan[-4:] if pan else '')

    @api.depends('name', 'amount', 'date', 'reference')
    def _compute_verify_url(self):
        secret = self._munipay_secret()
        base_url = self.get_base_url()
        for receipt in self:
            receipt.verify_url = qr_payloads.confirmation_url(
                base_url, receipt.name, receipt.reference, receipt._amount_cents(), receipt._signed_date(), secret
            ) if receipt.name != '/' else False

    def _amount_cents(self):
        self.ensure_one()
        return amount_to_cents(self.currency_id, self.amount)

    def _signed_date(self):
        self.ensure_one()
        return self.date.strftime('%Y-%m-%dT%H:%M:%S')

    @api.model
    def _munipay_secret(self):
        """The database's signing secret; a copied database (new uuid) gets a new one."""
        params = self.env['ir.config_parameter'].sudo()
        uuid = params.get_param('database.uuid', '')
        stored = params.get_param(SECRET_PARAM, '')
        owner, _sep, secret = stored.partition(':')
        if not secret or owner != uuid:
            secret = secrets.token_hex(32)
            params.set_param(SECRET_PARAM, f'{uuid}:{secret}')
        return secret

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get('name', '/') == '/':
                company = self.env['res.company'].browse(vals.get('company_id')) or self.env.company
                vals['name'] = self.env['ir.sequence'].with_company(company).next_by_code('munipay.receipt')
        receipts = super().create(vals_list)
        if receipts.partner_id.filtered('email'):
            # rendered and sent after the payment's transaction, not inside it
            self.env.ref('munipay_documents.ir_cron_munipay_send_receipts')._trigger()
        return receipts

    @api.model
    def _cron_send_receipts(self, batch_size=200):
        receipts = self.search([('mail_sent', '=', False), ('partner_id.email', '!=', False)],
                               order='id', limit=batch_size)
        template = self.env.ref('munipay_documents.mail_template_receipt')
        for receipt in receipts:
            try:
                with self.env.cr.savepoint():
                    template.send_mail(receipt.id)
            except Exception:  # one broken receipt must not hold back the queue
                _logger.exception("receipt %s could not be mailed", receipt.name)
        receipts.mail_sent = True
        if len(receipts) == batch_size:
            self.env.ref('munipay_documents.ir_cron_munipay_send_receipts')._trigger()
        return receipts

    def _munipay_masked_payer(self):
        self.ensure_one()
        return ' '.join(word[:1] + '*' * (len(word) - 1) for word in (self.partner_id.name or '').split())

    def _qr_image(self):
        return self.env['munipay.payment.order']._munipay_qr_data_uri(self.verify_url)

    def _get_report_base_filename(self):
        self.ensure_one()
        return _("Receipt %s", self.name)

    def _munipay_matches(self, parsed):
        """Does a verified confirmation describe this receipt as it is booked?"""
        self.ensure_one()
        return (parsed['reference'] == self.reference
                and parsed['amount_cents'] == self._amount_cents()
                and parsed['date'] == self._signed_date())

    def action_print(self):
        return self.env.ref('munipay_documents.action_report_receipt').report_action(self)
