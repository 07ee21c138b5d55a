import base64
import re
from urllib.parse import urlsplit

from odoo import _, fields, models

from ..lib import qr_payloads, scan
from ..models.munipay_receipt import amount_to_cents


class MunipayVerifyScan(models.TransientModel):
    """Scan or upload a notice or receipt and see what it points to."""
    _name = 'munipay.verify.scan'
    _description = "Verify a Notice or Receipt by Scanning"

    image = fields.Binary(string="Photo, Scan or PDF", attachment=False)
    image_filename = fields.Char()
    text = fields.Char(string="Scanned Text", help="Scan the QR code with a USB barcode scanner into this field, or type it.")
    result = fields.Selection([
        ('order', "Payment notice of this municipality"),
        ('receipt', "Genuine receipt"),
        ('forged', "Forged or altered receipt"),
        ('unknown_order', "No such order here"),
        ('foreign', "Another creditor's code"),
        ('unsupported', "Not a payment code munipay knows"),
        ('unreadable', "No readable QR code"),
    ], readonly=True)
    message = fields.Text(readonly=True)
    standard = fields.Char(readonly=True)
    payload = fields.Text(readonly=True)
    order_id = fields.Many2one('munipay.payment.order', readonly=True)
    order_state = fields.Selection(related='order_id.state')
    receipt_id = fields.Many2one('munipay.receipt', readonly=True)
    signature_valid = fields.Boolean(readonly=True)
    amount_matches = fields.Boolean(readonly=True, help="The amount in the code is what the order asks today.")

    def action_verify(self):
        self.ensure_one()
        self.write(self._munipay_check())
        return {
            'type': 'ir.actions.act_window',
            'res_model': self._name,
            'res_id': self.id,
            'view_mode': 'form',
            'target': 'new',
        }

    def _munipay_check(self):
        payloads = []
        if self.text:
            payloads.append(self.text.strip())
        if self.image:
            try:
                decoded = scan.decode_file(base64.b64decode(self.image))
            except scan.ScanError as error:
                return {'result': 'unreadable', 'message': _("The file cannot be read: %s", error)}
            payloads += [self._munipay_bytes_to_text(data) for data in decoded]
        if not payloads:
            return {'result': 'unreadable', 'message': _("No QR code was found: upload a sharper image or scan again.")}
        # a notice carries a payment QR and a portal QR: prefer what we can resolve
        results = [self._munipay_resolve(payload) for payload in payloads]
        ranking = ['receipt', 'forged', 'order', 'unknown_order', 'foreign', 'unsupported']
        return min(results, key=lambda vals: (ranking.index(vals['result']), vals.get('standard') == 'portal'))

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
            elif payload.startswith(self.get_base_url() + '/my/munipay/orders/'):
                match = re.search(r'/my/munipay/orders/(\d+)', payload)
                order = Order.search([('id', '=', int(match.group(1)))]) if match else Order
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
        parsed = qr_payloads.parse_confirmation_url(payload)
        if not qr_payloads.verify_confirmation(Receipt.sudo()._munipay_secret(), parsed):
            if urlsplit(payload).netloc.lower() != urlsplit(self.get_base_url()).netloc.lower():
                return dict(vals, result='foreign', message=_(
                    "This confirmation was issued by %s, not by this municipality: check it on that site.",
                    urlsplit(payload).netloc))
            return dict(vals, result='forged', signature_valid=False,
                        message=_("The signature does not hold: this receipt was not issued by this municipality "
                                  "or has been altered."))
        receipt = Receipt.search([('name', '=', parsed['receipt_id'])], limit=1)
        if not receipt or not receipt._munipay_matches(parsed):
            return dict(vals, result='forged', signature_valid=True,
                        message=_("The signature holds but no receipt here matches it."))
        return dict(vals, result='receipt', signature_valid=True, receipt_id=receipt.id, order_id=receipt.order_id.id,
                    message=_("Receipt %(receipt)s: %(amount)s paid on %(date)s.", receipt=receipt.name,
                              amount=receipt.currency_id.format(receipt.amount), date=receipt.date))
