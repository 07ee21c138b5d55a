import base64
import binascii
import re

from odoo import _, api, fields, models
from odoo.tools import format_date, format_datetime

from ..lib import qr_payloads, scan
from ..models.munipay_receipt import amount_to_cents
from ..models.res_company import QR_STANDARDS

RESULTS = [
    ('order', "Payment notice of this municipality"),
    ('receipt', "Genuine receipt"),
    ('void', "Void receipt"),
    ('forged', "Forged or altered receipt"),
    ('unverifiable', "Cannot be verified here"),
    ('unknown_order', "No such order here"),
    ('foreign', "Another creditor's code"),
    ('unsupported', "Not a payment code munipay knows"),
    ('unreadable', "No readable QR code"),
]
# a notice carries a payment QR and a portal QR: the best answer wins
RANKING = ['receipt', 'void', 'forged', 'order', 'unverifiable', 'unknown_order', 'foreign', 'unsupported']


def _without_nul(value):
    """PostgreSQL text cannot hold NUL: scanners and QR codes can."""
    return value.replace('\x00', '\ufffd') if isinstance(value, str) else value


def _trimmed(text):
    """The scanned text without what scanners add around a code: blanks, control
    characters (a NUL shows as U+FFFD once stored)."""
    return re.sub(r'^[\s\x00-\x1f\x7f-\x9f\ufffd]+|[\s\x00-\x1f\x7f-\x9f\ufffd]+$', '', text or '')


class MunipayVerifyScan(models.TransientModel):
    """Scan or upload a notice or receipt and see what it points to. It never
    sends the officer anywhere: a code is checked here or said to be unverifiable."""
    _name = 'munipay.verify.scan'
    _description = "Verify a Notice or Receipt by Scanning"

    image = fields.Binary(string="Photo, Scan or PDF", attachment=False)
    image_filename = fields.Char()
    text = fields.Char(string="Scanned Text", help="Scan the QR code with a USB barcode scanner into this field, or type it.")
    result = fields.Selection(RESULTS, readonly=True)
    message = fields.Text(readonly=True)
    host_warning = fields.Char(readonly=True)
    standard = fields.Selection(QR_STANDARDS + [
        ('confirmation', "munipay receipt confirmation"),
        ('portal', "Link to an order on the portal"),
    ], string="Kind of Code", readonly=True)
    payload = fields.Text(string="Content of the Code", readonly=True)
    order_id = fields.Many2one('munipay.payment.order', readonly=True)
    order_state = fields.Selection(related='order_id.state', string="Order Status")
    receipt_id = fields.Many2one('munipay.receipt', readonly=True)
    receipt_state = fields.Selection(related='receipt_id.state', string="Receipt Status")
    signature_valid = fields.Boolean(readonly=True)
    amount_matches = fields.Boolean(readonly=True, help="The amount in the code is what the order asks today.")

    @api.model_create_multi
    def create(self, vals_list):
        return super().create([{key: _without_nul(value) for key, value in vals.items()} for vals in vals_list])

    def write(self, vals):
        return super().write({key: _without_nul(value) for key, value in vals.items()})

    def action_verify(self):
        self.ensure_one()
        self.write(dict.fromkeys(['host_warning', 'standard', 'payload', 'order_id', 'receipt_id'], False)
                   | {'signature_valid': False, 'amount_matches': False} | self._munipay_check())
        return {
            'name': _("Verify by Scanning"),
            'type': 'ir.actions.act_window',
            'res_model': self._name,
            'res_id': self.id,
            'view_mode': 'form',
            'target': 'new',
        }

    def _munipay_check(self):
        payloads = []
        if _trimmed(self.text):
            payloads.append(_trimmed(self.text))
        if self.image:
            if len(self.image) > scan.MAX_FILE_BYTES * 4 // 3 + 4:  # base64 of the largest file accepted
                return {'result': 'unreadable', 'message': _(
                    "The file is too large to read (at most %s MB): scan or photograph only the code.",
                    scan.MAX_FILE_BYTES // 1024 // 1024)}
            try:
                decoded = scan.decode_file(base64.b64decode(self.image, validate=False))
            except (scan.ScanError, binascii.Error) as error:
                return {'result': 'unreadable', 'message': _("The file cannot be read: %s", error)}
            payloads += [self._munipay_bytes_to_text(data) for data in decoded]
        if not payloads:
            return {'result': 'unreadable', 'message': _("No QR code was found: upload a sharper image or scan again.")}
        results = [self._munipay_resolve(_without_nul(payload)) for payload in payloads]
        return min(results, key=lambda vals: (RANKING.index(vals['result']), vals.get('standard') == 'portal'))

    def _munipay_bytes_to_text(self, data):
        for encoding in ('utf-8', 'cp1251'):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError:
                continue
        return data.decode('latin-1')

    def _munipay_resolve(self, payload):
        vals = {'payload': payload, 'standard': qr_payloads.detect(payload) or False}
        Order = self.env['munipay.payment.order']
        company = self.env.company
        try:
            if vals['standard'] == 'confirmation':
                return self._munipay_resolve_confirmation(payload, vals)
            if vals['standard'] == 'pagopa':
                data = qr_payloads.decode_pagopa(payload)
                if data['fiscal_code'] != company.munipay_creditor_fiscal_code:
                    return dict(vals, result='foreign', message=_("This pagoPA code is for creditor %s, not this municipality.",
                                                                    data['fiscal_code']))
                order = Order.search([('payment_reference', '=', data['notice_number'])], limit=1)
                cents = data['amount_cents']
            elif vals['standard'] == 'epc':
                data = qr_payloads.decode_epc(payload)
                iban = re.sub(r'\s', '', company.munipay_bank_account_id.acc_number or '').upper()
                if data['iban'] != iban:
                    return dict(vals, result='foreign', message=_("This transfer goes to %s, not to this municipality's account.",
                                                                    data['iban']))
                reference = data['reference'] or (data['text'] or '').split(' ')[0]
                order = Order.search([('payment_reference', '=', reference)], limit=1)
                cents = data['amount_cents']
            elif vals['standard'] == 'zbp':
                data = qr_payloads.decode_zbp(payload)
                if data['nip'] != re.sub(r'\D', '', company.vat or ''):
                    return dict(vals, result='foreign', message=_("This transfer goes to tax number %s, not to this municipality.",
                                                                    data['nip']))
                order = Order.search([('payment_reference', '=', data['title'])], limit=1)
                cents = data['amount_cents']
            elif vals['standard'] == 'gost':
                data = qr_payloads.decode_gost(payload)
                account = re.sub(r'\s', '', company.munipay_bank_account_id.acc_number or '')
                if data['fields']['PersonalAcc'] != account:
                    return dict(vals, result='foreign', message=_("This transfer goes to account %s, not to this municipality's account.",
                                                                    data['fields']['PersonalAcc']))
                reference = (data['fields'].get('Purpose') or '').split(' ')[0]
                order = Order.search([('payment_reference', '=', reference)], limit=1)
                cents = int(data['fields']['Sum']) if data['fields'].get('Sum') else None
            elif match := re.fullmatch(re.escape(self.get_base_url()) + r'/my/munipay/orders/(\d{1,9})(?:[?#].*)?', payload):
                order = Order.search([('id', '=', int(match.group(1)))])
                return dict(vals, result='order' if order else 'unknown_order', order_id=order.id,
                            standard='portal', message=_("Link to the order's page on the portal."))
            else:
                return dict(vals, result='unsupported', message=_("This QR code is not a payment code munipay knows."))
        except qr_payloads.PayloadError as error:
            return dict(vals, result='unsupported', message=_("The code is malformed: %s", error))
        if not order:
            return dict(vals, result='unknown_order', message=_("No payment order of this municipality has this reference."))
        due = amount_to_cents(order.currency_id, order.get_amount_open()) if order.state == 'issued' else None
        return dict(vals, result='order', order_id=order.id, amount_matches=cents == due,
                    message=_("Order %(order)s of %(payer)s, %(state)s.", order=order.name,
                              payer=order.partner_id.display_name, state=order._munipay_state_label()))

    def _munipay_resolve_confirmation(self, payload, vals):
        Receipt = self.env['munipay.receipt']
        host = qr_payloads.confirmation_host(payload)
        trusted = host in self.env.company._munipay_trusted_hosts()
        if not trusted:
            vals['host_warning'] = _("This code points to %s, which is not a site of this municipality: do not open it.",
                                     host or _("an unreadable address"))
        try:
            parsed = qr_payloads.parse_confirmation_url(payload)
            signed = qr_payloads.verify_confirmation(Receipt._munipay_signer(), parsed)
        except qr_payloads.PayloadError:
            parsed, signed = None, False
        if not signed:
            if trusted:
                return dict(vals, result='forged', signature_valid=False, message=_(
                    "The signature does not hold: this receipt was not issued by this municipality or has been altered."))
            return dict(vals, result='unverifiable', signature_valid=False, message=_(
                "This confirmation cannot be verified here: it does not carry this municipality's signature. "
                "Do not accept it as proof of payment."))
        receipt = Receipt.search([('name', '=', parsed['receipt_id'])], limit=1)
        if not receipt or not receipt._munipay_matches(parsed):
            return dict(vals, result='forged', signature_valid=True,
                        message=_("The signature holds but no receipt here matches it."))
        vals.update(signature_valid=True, receipt_id=receipt.id, order_id=receipt.order_id.id)
        if receipt.state == 'void':
            return dict(vals, result='void', message=_(
                "Receipt %(receipt)s was voided on %(date)s: it is no longer proof of payment (%(reason)s).",
                receipt=receipt.name, date=format_date(self.env, receipt.void_date), reason=receipt.void_reason))
        return dict(vals, result='receipt', message=_(
            "Receipt %(receipt)s: %(amount)s paid on %(date)s.", receipt=receipt.name,
            amount=receipt.currency_id.format(receipt.amount), date=format_datetime(self.env, receipt.date)))
