import threading
from collections import defaultdict, deque

from odoo import http
from odoo.http import request

from odoo.addons.munipay_documents.controllers.verify import _client_key, hit_rate_limit

LOOKUPS_PER_MINUTE = 20  # look-ups per client and minute (per worker process), right or wrong
_hits = defaultdict(deque)
_lock = threading.Lock()


def _rate_limited(key):
    return hit_rate_limit(_hits, _lock, key, LOOKUPS_PER_MINUTE)


class MunipayCaseStatus(http.Controller):
    """Where a case stands, without logging in: its number and the code printed on
    the notice give the case's status and whether the order is paid, nothing else."""

    @staticmethod
    def _munipay_status_branding(company_id):
        """The municipality whose name and logo head the page, when the notice's link
        names it (a database may serve several): public facts, nothing of a case."""
        try:
            company = request.env['res.company'].sudo().browse(int(company_id or 0)).exists()
        except (TypeError, ValueError):
            company = None
        return {'res_company': company, 'status_company_id': company.id} if company else {}

    @http.route('/munipay/status', type='http', auth='public', methods=['GET'], website=True, sitemap=False)
    def case_status_form(self, company=None, **kw):
        return request.render('munipay_portal.case_status_page', {
            'result': None, 'error': None, **self._munipay_status_branding(company)})

    @http.route('/munipay/status', type='http', auth='public', methods=['POST'], website=True, sitemap=False)
    def case_status(self, case_number=None, code=None, company=None, **kw):
        # remote_addr: the client's own under proxy_mode (see README)
        address = _client_key(request.httprequest.remote_addr)
        if _rate_limited(address):
            outcome, order = 'locked', None
        else:
            outcome, order = request.env['munipay.portal.status.failure'].sudo()._munipay_check(
                case_number, code, address)
        if outcome != 'ok':
            return request.render('munipay_portal.case_status_page', {
                'result': None, 'error': outcome, 'case_number': (case_number or '')[:64],
                **self._munipay_status_branding(company),
            }, status=429 if outcome == 'locked' else 404)
        return request.render('munipay_portal.case_status_page', {
            'result': order._munipay_public_status(), 'error': None,
            'company': order.company_id, 'res_company': order.company_id, 'status_company_id': order.company_id.id,
        })
