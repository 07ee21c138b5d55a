import logging

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import float_round
from odoo.tools.misc import hmac as odoo_hmac

from ..lib import qr_payloads

_logger = logging.getLogger(__name__)

# the scope of Odoo's hmac on database.secret (renewed when a database is duplicated)
HMAC_SCOPE = 'munipay_documents.confirmation'
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
    state = fields.Selection([('valid', "Valid"), ('void', "Void")], default='valid', required=True, readonly=True,
                             copy=False, tracking=True, index=True)
    void_date = fields.Datetime(string="Voided on", readonly=True, copy=False)
    void_reason = fields.Text(string="Reason for Voiding", readonly=True, copy=False)
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
        signer = self._munipay_signer()
        base_url = self.get_base_url()
        for receipt in self:
            receipt.verify_url = qr_payloads.confirmation_url(
                base_url, receipt.name, receipt.reference, receipt._amount_cents(), receipt._signed_date(), signer
            ) if receipt.name != '/' else False

    def _amount_cents(self):
        self.ensure_one()
        return amount_to_cents(self.currency_id, self.amount)

    def _signed_date(self):
        self.ensure_one()
        return self.date.strftime('%Y-%m-%dT%H:%M:%S')

    @api.model
    def _munipay_signer(self):
        """Signs confirmations with Odoo's hmac on the database secret: a copied or
        neutralised database signs differently from the original."""
        env = self.env(su=True)
        return lambda message: odoo_hmac(env, HMAC_SCOPE, message)

    @api.model_create_multi
    def create(self, vals_list):
        sequences = {}
        for vals in vals_list:
            if vals.get('name', '/') == '/':
                company = self.env['res.company'].browse(vals.get('company_id')) or self.env.company
                if company not in sequences:
                    # looked up once per company: a bank statement pays thousands of orders
                    sequences[company] = self.env['ir.sequence'].search([
                        ('code', '=', 'munipay.receipt'), ('company_id', 'in', [company.id, False])],
                        order='company_id', limit=1)
                sequence = sequences[company]
                vals['name'] = sequence.with_company(company)._next() if sequence else \
                    self.env['ir.sequence'].with_company(company).next_by_code('munipay.receipt')
        receipts = super().create(vals_list)
        if receipts.partner_id.filtered('email'):
            # rendered and sent after the payment's transaction, not inside it
            self.env.ref('munipay_documents.ir_cron_munipay_send_receipts')._trigger()
        return receipts

    @api.ondelete(at_uninstall=False)
    def _unlink_except_numbered(self):
        numbered = self.filtered(lambda r: r.name and r.name != '/')
        if numbered:
            raise UserError(_("Receipt %s has a number and cannot be deleted: void it instead.", numbered[0].name))

    def _munipay_void(self, reason):
        """Void valid receipts (the payment was reversed, or a manager says so)."""
        receipts = self.filtered(lambda r: r.state == 'valid')
        if not receipts:
            return receipts
        receipts.sudo().write({'state': 'void', 'void_date': fields.Datetime.now(), 'void_reason': reason})
        for receipt in receipts:
            receipt.sudo().message_post(body=_("Receipt voided: %s", reason))
        return receipts

    def action_open_void_wizard(self):
        if self.filtered(lambda r: r.state == 'void'):
            raise UserError(_("Receipt %s is already void.", self.filtered(lambda r: r.state == 'void')[0].name))
        return {
            'name': _("Void Receipt"),
            'type': 'ir.actions.act_window',
            'res_model': 'munipay.receipt.void',
            'view_mode': 'form',
            'target': 'new',
            'context': {'default_receipt_ids': self.ids},
        }

    @api.model
    def _cron_send_receipts(self, batch_size=200):
        domain = [('mail_sent', '=', False), ('state', '=', 'valid'), ('partner_id.email', '!=', False)]
        receipts = self.search(domain, order='id', limit=batch_size)
        template = self.env.ref('munipay_documents.mail_template_receipt')
        for receipt in receipts:
            try:
                with self.env.cr.savepoint():
                    template.send_mail(receipt.id)
            except Exception:  # one broken receipt must not hold back the queue
                _logger.exception("receipt %s could not be mailed", receipt.name)
        receipts.mail_sent = True
        # Odoo's cron runner calls again at once while something remains
        self.env['ir.cron']._notify_progress(
            done=len(receipts), remaining=self.search_count(domain) if len(receipts) == batch_size else 0)
        return receipts

    def _munipay_masked_payer(self):
        self.ensure_one()
        return ' '.join(word[:1] + '*' * (len(word) - 1) for word in (self.partner_id.name or '').split())

    def _qr_image(self):
        return self.env['munipay.payment.order']._munipay_qr_data_uri(self.verify_url)

    def _get_report_base_filename(self):
        self.ensure_one()
        return _("Receipt %s", self.name)

    def _munipay_public_description(self):
        """What was paid, in words for the public verification page (no personal data)."""
        self.ensure_one()
        if self.order_id:
            fees = self.order_id.sudo().line_ids.filtered(lambda l: not l.is_cost).fee_type_id
            what = ', '.join(fees.mapped('name')) or self.order_id.sudo().fee_type_id.name or ''
            return _("%(what)s, payment order %(order)s", what=what, order=self.order_id.name) if what else \
                _("Payment order %s", self.order_id.name)
        if self.wallet_id:
            return _("Top-up of %s", self.wallet_id.sudo().service_fee_type_id.name or _("a prepaid wallet"))
        return ''

    def _munipay_matches(self, parsed):
        """Does a verified confirmation describe this receipt as it is booked?"""
        self.ensure_one()
        return (parsed['reference'] == self.reference
                and parsed['amount_cents'] == self._amount_cents()
                and parsed['date'] == self._signed_date())

    def action_print(self):
        return self.env.ref('munipay_documents.action_report_receipt').report_action(self)
