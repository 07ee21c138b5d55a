from odoo import _, models

from ..lib import receipt_layout


class MunipayKioskPayment(models.Model):
    """The kiosk's paper receipt: the JSON the page posts to the device bridge's receipt
    printer (POST /v1/printer/receipt), written here in the kiosk's language so that the
    page prints what Odoo booked; ``receipt_id`` is the payment's key, so the bridge
    prints it once however often the page asks."""
    _inherit = 'munipay.kiosk.payment'

    def _munipay_kiosk_answer(self):
        answer = super()._munipay_kiosk_answer()
        answer['receipt_job'] = self._munipay_kiosk_receipt_job()
        return answer

    def _munipay_kiosk_receipt_items(self, values):
        """The receipt's lines as ``receipt_layout.layout`` items."""
        self.ensure_one()
        labels = values['labels']
        items = [
            ('center', values['company'].name),
            ('title', labels['title']),
            ('rule',),
            ('row', labels['kiosk'], self.sudo().config_id.name),
            ('row', _("Date"), values['date']),
            ('row', labels['order'], values['order_name']),
        ]
        if values.get('reference'):
            items.append(('row', labels['reference'], values['reference']))
        items += [
            ('row', _("Holder") if self.wallet_id else labels['payer'], values['initials']),
            ('rule',),
            ('row', labels['inserted'], values['inserted']),
            ('total', labels['applied'], values['applied']),
        ]
        if values.get('credited'):
            items.append(('total', labels['credited'], values['credited']))
        if values.get('new_balance'):
            items.append(('total', _("New balance"), values['new_balance']))
        items += [('rule',), ('text', values['outcome_text'])]
        if values.get('receipt'):
            items += [('blank',), ('row', labels['receipt'], values['receipt'].name), ('text', labels['verify'])]
        else:
            items += [('blank',), ('text', labels['no_qr'])]
        return items

    def _munipay_kiosk_receipt_job(self):
        self.ensure_one()
        values = self._munipay_kiosk_receipt_values()
        receipt = values.get('receipt')
        return receipt_layout.receipt_job(
            self.name, self._munipay_kiosk_receipt_items(values), qr=receipt.verify_url if receipt else None)
