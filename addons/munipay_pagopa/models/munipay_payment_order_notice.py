import base64
import io
from datetime import timedelta

import qrcode
from qrcode.constants import ERROR_CORRECT_M

from odoo import _, api, models
from odoo.exceptions import UserError

from odoo.addons.munipay_documents.lib import qr_payloads
from ..lib import poste_datamatrix

# pagoPA's notice specification: QR version 4 (33 × 33 modules), error correction M
QR_VERSION = 4


class MunipayPaymentOrder(models.Model):
    """pagoPA's own payment notice ("avviso di pagamento"), A4 and 80 mm."""
    _inherit = 'munipay.payment.order'

    def _pagopa_notice_applies(self):
        """Is the order's notice pagoPA's? An issued order with a notice number (a paid
        one prints munipay's notice, which says it is paid)."""
        self.ensure_one()
        return self.state == 'issued' and bool(self.pagopa_notice_number) and self._pagopa_used()

    def _munipay_notice_report(self):
        if any(order._pagopa_notice_applies() for order in self):
            # its template prints munipay's notice for the orders that are not pagoPA's
            return self.env.ref('munipay_pagopa.action_report_pagopa_notice')
        return super()._munipay_notice_report()

    @api.model
    def _pagopa_qr_data_uri(self, payload, box_size=10):
        """A PNG data URI of a pagoPA QR code: version 4, error correction M, 4 modules of quiet zone."""
        code = qrcode.QRCode(version=QR_VERSION, error_correction=ERROR_CORRECT_M, box_size=box_size, border=4)
        code.add_data(payload.encode('utf-8'))
        code.make(fit=False)
        buffer = io.BytesIO()
        code.make_image().save(buffer, format='PNG')
        return 'data:image/png;base64,' + base64.b64encode(buffer.getvalue()).decode()

    def _munipay_notice_printable(self):
        # an order whose pagoPA notice cannot be made is skipped with its reason, not the whole batch
        printable, skipped = super()._munipay_notice_printable()
        for order in printable.filtered(lambda o: o._pagopa_notice_applies()):
            try:
                order._pagopa_notice_values(images=False)
            except UserError as error:
                printable -= order
                skipped[order] = str(error)
        return printable, skipped

    def _pagopa_notice_values(self, images=True):
        """Everything pagoPA's notice prints: creditor, debtor, the payment options with
        their QR codes and, with a postal account, the Poste Data Matrix of each."""
        self.ensure_one()
        if not self._pagopa_notice_applies():
            raise UserError(_("%s has no pagoPA notice to print: only issued orders of a pagoPA creditor "
                              "have one.", self.name))
        company = self.company_id
        options = self._pagopa_payment_options()
        if not options:
            raise UserError(_("Nothing is left to pay on %s: there is no pagoPA notice to print.", self.name))
        debtor = self._pagopa_debtor()
        debtor_id = '' if debtor['id'] == 'ANONIMO' else debtor['id']
        subject = self._pagopa_description()
        postal = self.fee_type_id.pagopa_postal_bank_account_id
        rules = self._munipay_rules()
        for option in options:
            option['label'] = self._pagopa_option_label(option, rules)
            option['qr_payload'] = self._pagopa_qr_payload(option)
            option['qr'] = images and self._pagopa_qr_data_uri(option['qr_payload'])
            if postal:
                try:
                    option['datamatrix_payload'] = poste_datamatrix.encode(
                        option['notice_number'], postal.sanitized_acc_number, option['cents'],
                        self.pagopa_fiscal_code, debtor_id, debtor['name'], subject)
                except poste_datamatrix.DataMatrixError as error:
                    raise UserError(_("The postal bulletin of %(order)s cannot be printed: %(reason)s",
                                      order=self.name, reason=str(error))) from None
                option['datamatrix'] = images and poste_datamatrix.png_data_uri(option['datamatrix_payload'])
        full_day = options[-1]['last_day'] if options[-1]['kind'] == 'full' else None
        return {
            'subject': subject,
            'creditor_name': company.name,
            'fiscal_code': self.pagopa_fiscal_code,
            'sector': company.munipay_pagopa_notice_sector,
            'info': company.munipay_pagopa_notice_info,
            'cbill': company.munipay_pagopa_cbill_code,
            'debtor_id': debtor_id,
            'debtor_name': debtor['name'],
            'debtor_address': ", ".join(filter(None, [
                debtor['street'], " ".join(filter(None, [debtor['postal_code'], debtor['city'],
                                                         debtor['province'] and '(%s)' % debtor['province']]))])),
            'cds': self._pagopa_cds_used(),
            'notified': self.date_notified,
            'options': options,
            # after the last option: what the amount rules ask then (a fine's half maximum)
            'amount_after': self.get_amount_due(full_day + timedelta(days=1)) if full_day else False,
            'last_day_after': full_day,
            'postal_account': postal and poste_datamatrix.postal_account(postal.sanitized_acc_number).lstrip('0'),
            'postal_holder': postal and (postal.acc_holder_name or company.name),
            'poste_authorisation': company.munipay_pagopa_poste_authorisation,
        }

    def _pagopa_qr_payload(self, option):
        try:
            return qr_payloads.encode_pagopa(option['notice_number'], self.pagopa_fiscal_code, option['cents'])
        except qr_payloads.PayloadError as error:
            raise UserError(_("The pagoPA QR code of %(order)s cannot be made: %(reason)s",
                              order=self.name, reason=str(error))) from None

    def _pagopa_option_label(self, option, rules):
        if option['kind'] == 'reduced':
            return _("Reduced: within %s days of notification", rules[0].up_to_day)
        if option['kind'] == 'full':
            return _("From day %(first)s to day %(last)s after notification",
                     first=rules[0].up_to_day + 1, last=rules[1].up_to_day)
        return _("Single payment")
