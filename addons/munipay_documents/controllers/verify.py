import ipaddress
import threading
import time
from collections import defaultdict, deque

from werkzeug.exceptions import TooManyRequests

from odoo import http
from odoo.http import request

from ..lib import qr_payloads

RATE_LIMIT = 30  # verifications per client per minute (per worker process)
_hits = defaultdict(deque)
_lock = threading.Lock()


def _client_key(address):
    """The rate-limit key of a client address: an IPv6 client holds a whole /64, so
    it is counted as one; behind a reverse proxy Odoo (``proxy_mode``) gives the
    client's own address here, not the proxy's."""
    try:
        ip = ipaddress.ip_address(address or '')
    except ValueError:
        return address or ''
    if ip.version == 6:
        if ip.ipv4_mapped:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f'{ip}/64', strict=False))
    return str(ip)


def hit_rate_limit(hits, lock, key, limit):
    """Count a request of ``key`` in ``hits`` (a sliding minute, per worker process):
    True when ``key`` already made ``limit`` requests in the last minute."""
    now = time.monotonic()
    with lock:
        window = hits[key]
        while window and now - window[0] > 60:
            window.popleft()
        if len(window) >= limit:
            return True
        window.append(now)
        if len(hits) > 10000:  # forget idle clients
            for stale in [k for k, v in hits.items() if not v or now - v[-1] > 60]:
                del hits[stale]
    return False


def _rate_limited(address):
    return hit_rate_limit(_hits, _lock, _client_key(address), RATE_LIMIT)


class MunipayVerifyController(http.Controller):

    @http.route('/munipay/verify/<string:receipt_id>', type='http', auth='public', methods=['GET'], sitemap=False)
    def verify(self, receipt_id, r=None, a=None, d=None, s=None, **kwargs):
        # request.httprequest.remote_addr: Odoo applies werkzeug's ProxyFix to it under proxy_mode
        if _rate_limited(request.httprequest.remote_addr):
            raise TooManyRequests()
        values = {'receipt': None, 'valid': False, 'receipt_id': receipt_id}
        try:
            parsed = {'receipt_id': receipt_id, 'reference': r or '', 'amount_cents': int(a or ''),
                      'date': d or '', 'signature': s or ''}
        except ValueError:
            parsed = None
        Receipt = request.env['munipay.receipt'].sudo()
        if parsed and qr_payloads.verify_confirmation(Receipt._munipay_signer(), parsed):
            # the signature is ours: the receipt may be shown (masked) to anyone holding it
            receipt = Receipt.search([('name', '=', receipt_id)], limit=1)
            if receipt and receipt._munipay_matches(parsed):
                values.update(valid=True, receipt=receipt, masked_payer=receipt._munipay_masked_payer(),
                              company=receipt.company_id, description=receipt._munipay_public_description())
        return request.render('munipay_documents.verify_page', values, status=200 if values['valid'] else 404)
