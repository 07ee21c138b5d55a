import threading
import time
from collections import defaultdict, deque

from werkzeug.exceptions import TooManyRequests

from odoo import http
from odoo.http import request

from ..lib import qr_payloads

RATE_LIMIT = 30  # verifications per address per minute
_hits = defaultdict(deque)
_lock = threading.Lock()


def _rate_limited(address):
    now = time.monotonic()
    with _lock:
        hits = _hits[address]
        while hits and now - hits[0] > 60:
            hits.popleft()
        if len(hits) >= RATE_LIMIT:
            return True
        hits.append(now)
        if len(_hits) > 10000:  # forget idle addresses
            for key in [k for k, v in _hits.items() if not v or now - v[-1] > 60]:
                del _hits[key]
    return False


class MunipayVerifyController(http.Controller):

    @http.route('/munipay/verify/<string:receipt_id>', type='http', auth='public', methods=['GET'], sitemap=False)
    def verify(self, receipt_id, r=None, a=None, d=None, s=None, **kwargs):
        if _rate_limited(request.httprequest.remote_addr):
            raise TooManyRequests()
        values = {'receipt': None, 'valid': False, 'receipt_id': receipt_id}
        try:
            parsed = {'receipt_id': receipt_id, 'reference': r or '', 'amount_cents': int(a or ''),
                      'date': d or '', 'signature': s or ''}
        except ValueError:
            parsed = None
        Receipt = request.env['munipay.receipt']
        if parsed and qr_payloads.verify_confirmation(Receipt.sudo()._munipay_secret(), parsed):
            # the signature is ours: the receipt may be shown (masked) to anyone holding it
            receipt = Receipt.sudo().search([('name', '=', receipt_id)], limit=1)
            if receipt and receipt._munipay_matches(parsed):
                values.update(valid=True, receipt=receipt, masked_payer=receipt._munipay_masked_payer())
        return request.render('munipay_documents.verify_page', values, status=200 if values['valid'] else 404)
