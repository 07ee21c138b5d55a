import base64
import io
import re

import qrcode
from qrcode.constants import ERROR_CORRECT_M

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from odoo.addons.munipay_base.lib import references
from ..lib import qr_payloads
from .munipay_receipt import amount_to_cents

# Above this many orders the notices are printed by the background job.
BACKGROUND_PRINT_THRESHOLD = 50


class MunipayPaymentOrder(models.Model):
    _inherit = 'munipay.payment.order'

    receipt_ids = fields.One2many('munipay.receipt', 'order_id', string="Receipts", readonly=True)
    receipt_count = fields.Integer(compute='_compute_receipt_count')

    def _compute_receipt_count(self):
        counts = dict(self.env['munipay.receipt']._read_group(
            [('order_id', 'in', self.ids)], ['order_id'], ['__count']))
        for order in self:
            order.receipt_count = counts.get(order, 0)

    # ------------------------------------------------------------------ receipts

    def _munipay_on_paid(self):
        super()._munipay_on_paid()
        self._munipay_create_receipts()

    def _munipay_on_reopened(self):
        # a receipt is true only while its payment is: an order that is no longer paid
        # (its payment was unreconciled) voids its receipts; paid again, it gets a new one
        super()._munipay_on_reopened()
        for order in self.sudo():
            order.receipt_ids._munipay_void(
                _("The payment of %s was reversed in accounting: the order is open again.", order.name))

    def _munipay_create_receipts(self):
        """One receipt per paid order, for the money it received (not what credit
        notes or write-offs settled)."""
        vals_list = []
        for order in self.sudo():
            money, _date = order._munipay_money_received()
            payment = order._munipay_money_moves().sorted('date')[-1:].origin_payment_id
            journal_type = payment.journal_id.type
            channel = self.env.context.get('munipay_channel') or {'cash': 'cash', 'bank': 'bank'}.get(journal_type, 'other')
            vals_list.append({
                'order_id': order.id,
                'partner_id': order.partner_id.id,
                'company_id': order.company_id.id,
                'amount': money,
                'channel': channel,
                'payment_id': payment.id,
            })
        return self.env['munipay.receipt'].sudo().create(vals_list)

    def action_view_receipts(self):
        self.ensure_one()
        return {
            'name': _("Receipts"),
            'type': 'ir.actions.act_window',
            'res_model': 'munipay.receipt',
            'view_mode': 'list,form',
            'domain': [('order_id', '=', self.id)],
        }

    # ------------------------------------------------------------------ payment QR

    def _munipay_qr_standard(self):
        self.ensure_one()
        return self.fee_type_id.qr_standard or self.company_id.munipay_qr_standard or 'epc'

    def _munipay_notice_number(self):
        """The 18-digit pagoPA notice number of the order (munipay_pagopa assigns them)."""
        self.ensure_one()
        if self.payment_reference and re.fullmatch(r'\d{18}', self.payment_reference):
            return self.payment_reference
        raise UserError(_("Order %s has no pagoPA notice number: pagoPA QR codes need the pagoPA add-on "
                          "to issue the order.", self.name))

    def _munipay_bank_account(self):
        account = self.company_id.munipay_bank_account_id
        if not account:
            raise UserError(_("Set the collection bank account of %s in the munipay settings.", self.company_id.name))
        return account

    def _munipay_payment_qr_payload(self, amount=None):
        """The payload of the payment QR printed on the notice, in the order's standard."""
        self.ensure_one()
        if not self.payment_reference:
            raise UserError(_("Order %s is not issued yet: it has no payment reference.", self.name))
        amount = self.get_amount_due() if amount is None else amount
        cents = amount_to_cents(self.currency_id, amount)
        standard = self._munipay_qr_standard()
        company = self.company_id
        try:
            if standard == 'pagopa':
                if not company.munipay_creditor_fiscal_code:
                    raise UserError(_("Set the creditor fiscal code of %s for pagoPA QR codes.", company.name))
                return qr_payloads.encode_pagopa(self._munipay_notice_number(), company.munipay_creditor_fiscal_code, cents)
            account = self._munipay_bank_account()
            number = re.sub(r'\s', '', account.acc_number or '').upper()
            if standard == 'epc':
                rf = self.payment_reference if references.is_valid_rf(self.payment_reference) else None
                return qr_payloads.encode_epc(
                    name=company.name[:70], iban=number, amount_cents=cents, bic=account.bank_bic or '',
                    reference=rf, text=None if rf else f"{self.payment_reference} {self.name}"[:140])
            if standard == 'zbp':
                return qr_payloads.encode_zbp(
                    nip=re.sub(r'\D', '', company.vat or ''), account=number.removeprefix('PL'),
                    amount_cents=cents, name=company.name[:20], title=self.payment_reference[:32])
            if standard == 'gost':
                bank = account.bank_id
                fields_ = {
                    'Name': company.name,
                    'PersonalAcc': number,
                    'BankName': bank.name or '',
                    'BIC': bank.bic or '',
                    'CorrespAcc': bank.munipay_correspondent_account or '',
                    'Sum': str(cents),
                    'Purpose': f"{self.payment_reference} {self.fee_type_id.name or self.name}"[:210],
                }
                if company.vat:
                    fields_['PayeeINN'] = company.vat
                return qr_payloads.encode_gost(fields_, charset='2').decode('utf-8')
        except qr_payloads.PayloadError as error:
            raise UserError(_("The %(standard)s QR code of %(order)s cannot be made: %(reason)s",
                              standard=standard, order=self.name, reason=str(error))) from None
        raise UserError(_("Unknown QR standard %s.", standard))

    @api.model
    def _munipay_qr_data_uri(self, payload, box_size=6):
        """A PNG data URI of the QR code (ISO/IEC 18004, error correction M)."""
        if not payload:
            return ''
        code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, box_size=box_size, border=4)
        code.add_data(payload.encode('utf-8') if isinstance(payload, str) else payload)
        code.make(fit=True)
        buffer = io.BytesIO()
        code.make_image().save(buffer, format='PNG')
        return 'data:image/png;base64,' + base64.b64encode(buffer.getvalue()).decode()

    # ------------------------------------------------------------------ notice helpers

    def _munipay_notice_values(self):
        """Everything the notice prints that is not a plain field. A paid order's
        notice says so and carries no way to pay it again."""
        self.ensure_one()
        portal_url = self._munipay_portal_url() if self._munipay_portal_available() else False
        values = {
            'paid': self.state == 'paid',
            'reference_groups': references.format_in_groups(self.payment_reference or ''),
            'portal_url': portal_url,
            'portal_qr': self._munipay_qr_data_uri(portal_url, box_size=4) if portal_url else False,
            'standard': self._munipay_qr_standard(),
        }
        if self.state == 'paid':
            receipts = self.receipt_ids.filtered(lambda r: r.state == 'valid')
            return dict(values, date_paid=self.date_paid, receipts=receipts, amount_due=0.0, amount_due_until=False,
                        schedule=[], payment_qr=False, bank_account=False)
        today = fields.Date.context_today(self)
        amount_due = self.get_amount_open(today)
        rule, deadline = self._munipay_rule_on(today)
        return dict(
            values,
            amount_due=amount_due,
            amount_due_until=deadline if rule and self.state == 'issued' else False,
            schedule=self._munipay_amount_schedule(),
            payment_qr=self._munipay_qr_data_uri(self._munipay_payment_qr_payload(amount_due)),
            bank_account=self.company_id.munipay_bank_account_id,
        )

    def _munipay_portal_available(self):
        """Does the order have a page on the portal? munipay_portal provides it; until
        it is installed the notice prints no link that would lead nowhere."""
        return 'munipay_portal' in self.env.registry._init_modules

    def _munipay_portal_url(self):
        self.ensure_one()
        return self.get_base_url() + self.get_portal_url()

    def _munipay_amount_schedule(self):
        """[(last day or None, amount)] of the fee's amount rules, for the notice table."""
        return [(deadline, self._munipay_amount_for_rule(rule)) for rule, deadline in self._munipay_rule_schedule()]

    # ------------------------------------------------------------------ printing

    def _munipay_notice_printable(self):
        """(printable orders, {order: why not}) — for a batch queued a while ago:
        an order cancelled meanwhile is skipped, one paid meanwhile prints as paid."""
        printable, skipped = self.browse(), {}
        for order in self:
            if order.state not in ('issued', 'paid'):
                skipped[order] = _("%(order)s is %(state)s", order=order.name, state=order._munipay_state_label())
                continue
            if order.state == 'issued':
                try:
                    order._munipay_payment_qr_payload(order.get_amount_open())
                except UserError as error:
                    skipped[order] = str(error)
                    continue
            printable |= order
        return printable, skipped

    def _munipay_notice_report(self):
        """The report that prints these orders' notices. Hook: munipay_pagopa prints
        pagoPA's own notice for its orders."""
        return self.env.ref('munipay_documents.action_report_payment_notice')

    def action_print_notices(self):
        """Print the notices: at once for a few orders, in the background for many."""
        not_issued = self.filtered(lambda o: o.state not in ('issued', 'paid'))
        if not_issued:
            raise UserError(_("Only issued orders have a notice to print (%s is not).", not_issued[0].name))
        if len(self) <= BACKGROUND_PRINT_THRESHOLD:
            return self._munipay_notice_report().report_action(self)
        batch = self.env['munipay.print.batch'].create({'order_ids': [(6, 0, self.ids)]})
        batch.action_start()
        return {
            'type': 'ir.actions.act_window',
            'res_model': 'munipay.print.batch',
            'res_id': batch.id,
            'view_mode': 'form',
        }
