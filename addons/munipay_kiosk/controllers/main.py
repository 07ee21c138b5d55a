import json

from odoo import _, http
from odoo.http import request

from ..models.pos_config import KIOSK_LANGS

LANG_NAMES = {'en_US': 'English', 'it_IT': 'Italiano', 'de_DE': 'Deutsch', 'pl_PL': 'Polski', 'ru_RU': 'Русский'}


class MunipayKiosk(http.Controller):
    """The kiosk page and what it asks Odoo. Every route checks that the logged-in
    user runs a Point of Sale that is this kiosk before anything is read for it."""

    def _kiosk(self, config_id, lang=None):
        langs = self._langs()
        if lang in langs:
            request.update_context(lang=lang)
        return request.env['pos.config']._munipay_kiosk_check(config_id)

    def _langs(self):
        active = {code for code, _name in request.env['res.lang'].get_installed()}
        return [code for code in ('en_US',) + KIOSK_LANGS if code in active]

    @http.route('/munipay/kiosk/<int:config_id>', type='http', auth='user', methods=['GET'])
    def kiosk_page(self, config_id, lang=None, **kwargs):
        config = self._kiosk(config_id, lang)
        kiosk = config.sudo()
        currency = kiosk.company_id.currency_id
        lang = request.env.lang or 'en_US'
        data = {
            'config_id': config.id,
            'name': kiosk.name,
            'bridge_url': (kiosk.munipay_kiosk_bridge_url or 'http://127.0.0.1:8765').rstrip('/'),
            'bridge_token': kiosk.munipay_kiosk_bridge_token or '',
            'currency': currency.name,
            'symbol': currency.symbol,
            'symbol_after': currency.position == 'after',
            'decimals': currency.decimal_places,
            'lang': lang,
            'langs': [{'code': code, 'name': LANG_NAMES[code]} for code in self._langs()],
            'labels': self._labels(),
            'device_texts': self._device_texts(),
        }
        return request.render('munipay_kiosk.kiosk_page', {
            'kiosk': kiosk,
            'kiosk_data': json.dumps(data),
            'lang_code': lang.split('_')[0],
            'title': _("Pay at the kiosk"),
        })

    @http.route('/munipay/kiosk/<int:config_id>/lookup', type='json', auth='user', methods=['POST'])
    def kiosk_lookup(self, config_id, text='', lang=None):
        config = self._kiosk(config_id, lang)
        return request.env['munipay.payment.order'].munipay_kiosk_lookup(config.id, text)

    @http.route('/munipay/kiosk/<int:config_id>/book', type='json', auth='user', methods=['POST'])
    def kiosk_book(self, config_id, key=None, kind=None, target_id=None, session=None, offline=False, lang=None):
        config = self._kiosk(config_id, lang)
        return request.env['munipay.kiosk.payment'].munipay_kiosk_book(
            config.id, key, kind, target_id, session, offline=bool(offline))

    @http.route('/munipay/kiosk/<int:config_id>/heartbeat', type='json', auth='user', methods=['POST'])
    def kiosk_heartbeat(self, config_id, status=None, printer=None, queue=None, lang=None):
        config = self._kiosk(config_id, lang)
        return {'fault': config._munipay_kiosk_report(status, printer=printer, queue=queue)}

    def _labels(self):
        return {
            'welcome': _("Pay a payment notice in cash"),
            'scan': _("Scan the QR code or barcode of your notice, or type its payment reference"),
            'reference': _("Payment reference"),
            'continue': _("Continue"),
            'searching': _("Looking for your payment order…"),
            'order': _("Payment order"),
            'payer': _("Payer"),
            'wallet': _("Wallet"),
            'holder': _("Holder"),
            'due': _("Amount due today"),
            'pay_cash': _("Pay in cash"),
            'cancel': _("Cancel"),
            'no_change': _("This kiosk gives no change: money inserted beyond the amount due is credited to your "
                           "account."),
            'insert': _("Insert your banknotes"),
            'inserted': _("Inserted"),
            'remaining': _("Still to pay"),
            'stop': _("Stop: I have no more banknotes"),
            'stopping': _("Stopping…"),
            'booking': _("Recording your payment…"),
            'retrying': _("The payment could not be recorded yet; trying again. Please wait."),
            'done': _("Thank you"),
            'finish': _("Finish"),
            'print': _("Print the receipt again"),
            'bridge_down': _("The cash machine does not answer. Please ask at the counter."),
            'busy': _("The cash machine is busy. Please wait a moment and try again."),
            'error': _("Something went wrong. Please ask at the counter."),
            'nothing': _("No banknote was inserted: nothing was paid."),
            'offline': _("No connection to the town hall: payments are recorded at this kiosk and sent later; "
                         "receipts are provisional."),
            'offline_not_found': _("This kiosk cannot find this notice while it has no connection. Please try "
                                   "again later or pay at the counter."),
            'offline_nothing_due': _("This notice has been paid at this kiosk already."),
            'other_creditor': _("This notice is for another municipality."),
            'provisional_title': _("PROVISIONAL RECEIPT"),
            'provisional_note': _("The kiosk could not reach the town hall: your payment is recorded here and is "
                                  "booked as soon as the connection returns. Keep this receipt: it proves your "
                                  "payment."),
            'provisional_done': _("Your payment is recorded at this kiosk. This receipt is provisional: the payment "
                                  "is booked as soon as the kiosk reaches the town hall again."),
            'key': _("Payment key"),
            'excess': _("Beyond the amount due (credited, no change)"),
            'balance': _("Current balance"),
            'top_up': _("Top up"),
            'top_up_hint': _("Insert the banknotes you want to add, then press Stop. This kiosk gives no change."),
        }

    def _device_texts(self):
        return {
            'power_up': _("Starting the cash machine…"),
            'initialize': _("Starting the cash machine…"),
            'idling': _("Insert a banknote"),
            'accepting': _("Reading the banknote…"),
            'stacking': _("Banknote accepted"),
            'stacked': _("Banknote accepted"),
            'escrow': _("Reading the banknote…"),
            'returning': _("Please take back your banknote"),
            'returned': _("Please take back your banknote"),
            'rejecting': _("This banknote was not accepted: please try another one"),
            'disabled': _("Please wait…"),
            'busy': _("Please wait…"),
            'holding': _("Please wait…"),
            'cassette_full': _("Out of order: the cassette is full"),
            'cassette_removed': _("Out of order: the cassette is removed"),
            'validator_jammed': _("Out of order: a banknote is jammed"),
            'cassette_jammed': _("Out of order: a banknote is jammed"),
            'cheated': _("Out of order"),
            'failure': _("Out of order"),
            'no_answer': _("The cash machine does not answer"),
        }
