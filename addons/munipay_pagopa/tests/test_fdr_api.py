import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from unittest.mock import patch
from urllib.parse import parse_qs, unquote, urlsplit

from odoo.exceptions import UserError
from odoo.tests import tagged

from ..models import munipay_pagopa_fdr_api
from .common import FISCAL_CODE
from .fdr_common import FdrCommon

KEY = 'test-subscription-key'
PREFIX = '/fdr-org/service/v1'
LIST_RE = re.compile(r'%s/organizations/([^/]+)/fdrs' % PREFIX)
FLOW_RE = re.compile(r'%s/organizations/([^/]+)/fdrs/([^/]+)/revisions/(\d+)/psps/([^/]+)(/payments)?' % PREFIX)


class FdrService:
    """pagoPA's FdR service for creditors (organizations API), as its OpenAPI describes
    it: published flows listed per organization, a flow, its payments; paged."""

    def __init__(self):
        self.flows = {}  # (fdr, psp, revision) -> (published, flow, payments)
        self.requests = []
        self.server = ThreadingHTTPServer(('127.0.0.1', 0), self.handler())
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self):
        return 'http://127.0.0.1:%d%s' % (self.server.server_address[1], PREFIX)

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def publish(self, fdr, revision, published, payments, psp='88888888888', total=None, organization=FISCAL_CODE):
        flow = {
            'status': 'PUBLISHED', 'revision': revision, 'created': published, 'updated': published, 'fdr': fdr,
            'fdrDate': published, 'regulation': 'SEPA - Bonifico %s' % fdr[-4:], 'regulationDate': published[:10],
            'bicCodePouringBank': 'UNCRITMMXXX',
            'sender': {'type': 'LEGAL_PERSON', 'id': 'SELBIT2B', 'pspId': psp, 'pspName': 'Banca Esempio',
                       'pspBrokerId': psp, 'channelId': psp + '_01'},
            'receiver': {'id': 'APPBIT2B', 'organizationId': organization, 'organizationName': 'Comune di Prova'},
            'published': published, 'computedTotPayments': len(payments), 'totPayments': len(payments),
            'computedSumPayments': sum(p['pay'] for p in payments),
            'sumPayments': round(sum(p['pay'] for p in payments), 2) if total is None else total,
        }
        self.flows[(fdr, psp, revision)] = (published, flow, payments)

    @staticmethod
    def page(items, query):
        page, size = int(query.get('page', ['1'])[0]), int(query.get('size', ['1000'])[0])
        if page < 1 or not 1 <= size <= 1000:
            return 400, {'httpStatusCode': 400, 'appErrorCode': 'FDR-0702', 'errors': [{'message': 'bad paging'}]}
        pages = max(1, -(-len(items) // size))
        return 200, {'metadata': {'pageSize': size, 'pageNumber': page, 'totPage': pages}, 'count': len(items),
                     'data': items[(page - 1) * size:page * size]}

    def answer(self, path, query, headers):
        if headers.get('Ocp-Apim-Subscription-Key') != KEY:
            return 401, {'statusCode': 401, 'message': 'Access denied due to invalid subscription key.'}
        match = FLOW_RE.fullmatch(path)
        if match:
            organization, fdr, revision, psp, payments = match.groups()
            found = self.flows.get((unquote(fdr), unquote(psp), int(revision)))
            if not found or found[1]['receiver']['organizationId'] != organization:
                return 404, {'httpStatusCode': 404, 'appErrorCode': 'FDR-0701', 'errors': [{'message': 'not found'}]}
            return self.page(found[2], query) if payments else (200, found[1])
        match = LIST_RE.fullmatch(path)
        if match:
            after = query.get('publishedGt', [''])[0]
            listed = [{'fdr': fdr, 'pspId': psp, 'revision': revision, 'published': published,
                       'flowDate': flow['fdrDate']}
                      for (fdr, psp, revision), (published, flow, _p) in sorted(self.flows.items(), key=lambda i: i[1][0])
                      if flow['receiver']['organizationId'] == match.group(1) and published > after.replace('.000', '')]
            return self.page(listed, query)
        return 404, {'httpStatusCode': 404, 'errors': [{'message': 'no such path'}]}

    def handler(self):
        service = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                url = urlsplit(self.path)
                query = parse_qs(url.query)
                service.requests.append((url.path, query, dict(self.headers)))
                status, body = service.answer(url.path, query, self.headers)
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header('Content-Type', 'application/json')
                self.send_header('Content-Length', str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        return Handler


@tagged('post_install', '-at_install')
class TestFdrApi(FdrCommon):
    """Settlement reports read from pagoPA's FdR REST service on a schedule."""

    def setUp(self):
        super().setUp()
        self.service = FdrService()
        self.addCleanup(self.service.stop)
        self.company.write({'munipay_pagopa_fdr_url': self.service.url, 'munipay_pagopa_fdr_key': KEY})

    def api_payment(self, order, amount, index, status='EXECUTED', transfer=1):
        return {'index': index, 'iuv': order.pagopa_iuv, 'iur': order.pagopa_receipt_ids[:1].name,
                'idTransfer': transfer, 'pay': amount, 'payStatus': status, 'payDate': '2026-11-19T10:00:00Z'}

    def reports(self):
        return self.env['munipay.pagopa.fdr'].search([('company_id', '=', self.company.id)], order='id')

    @patch.object(munipay_pagopa_fdr_api, 'PAGE_SIZE', 2)
    def test_reads_the_published_flows_page_by_page(self):
        orders = self.paid_orders(4)
        self.service.publish('2026-11-2088888888888-0001', 1, '2026-11-20T08:00:00.000Z',
                             [self.api_payment(o, 22.21, i) for i, o in enumerate(orders[:3], start=1)])
        self.service.publish('2026-11-2088888888888-0002', 1, '2026-11-20T09:00:00.000Z',
                             [self.api_payment(orders[3], 22.21, 1, status='STAND_IN')])
        self.service.publish('2026-11-20OTHER-0001', 1, '2026-11-20T09:30:00.000Z',
                             [self.api_payment(orders[3], 22.21, 1)], organization='00940120546')
        self.env['munipay.pagopa.fdr']._cron_pagopa_fetch()
        first, second = reports = self.reports()
        self.assertRecordValues(reports, [
            {'name': '2026-11-2088888888888-0001', 'revision': 1, 'psp_id': '88888888888', 'source': 'api',
             'version': 'api', 'payment_count': 3, 'amount_settled': 66.63, 'state': 'matched',
             'regulation': 'SEPA - Bonifico 0001'},
            {'name': '2026-11-2088888888888-0002', 'revision': 1, 'psp_id': '88888888888', 'source': 'api',
             'version': 'api', 'payment_count': 1, 'amount_settled': 22.21, 'state': 'matched',
             'regulation': 'SEPA - Bonifico 0002'},
        ])
        self.assertEqual(first.line_ids.order_id, orders[:3])
        self.assertEqual((second.line_ids.state, orders[3].pagopa_receipt_ids.standin), ('standin', True))
        # every call carried the key; the payments of the first flow came in two pages of two
        self.assertTrue(all(headers.get('Ocp-Apim-Subscription-Key') == KEY for _p, _q, headers in self.service.requests))
        pages = [query['page'][0] for path, query, _h in self.service.requests
                 if path.endswith('2026-11-2088888888888-0001/revisions/1/psps/88888888888/payments')]
        self.assertEqual(pages, ['1', '2'])
        paged = [query for path, query, _h in self.service.requests if path.endswith(('/fdrs', '/payments'))]
        self.assertEqual({query['size'][0] for query in paged}, {'2'})
        # the next reading asks for what was published since, and a new revision replaces its flow
        self.service.requests.clear()
        self.env['munipay.pagopa.fdr']._cron_pagopa_fetch()
        self.assertEqual(self.reports(), reports)
        self.assertEqual(self.service.requests[0][1]['publishedGt'], ['2026-11-20T09:00:00.000Z'])
        self.service.publish('2026-11-2088888888888-0001', 2, '2026-11-20T11:00:00.000Z',
                             [self.api_payment(o, 22.21, i) for i, o in enumerate(orders[:2], start=1)])
        self.env['munipay.pagopa.fdr']._cron_pagopa_fetch()
        revision = self.reports()[-1]
        self.assertEqual((revision.revision, revision.amount_settled, first.state, first.superseded_by_id),
                         (2, 44.42, 'superseded', revision))
        self.assertEqual(self.service.requests[-1][0].count('/revisions/2/'), 1)
        # the bank's credit for it
        line = self.bank_line(44.42, '/PUR/LGPE-RIVERSAMENTO/URI/2026-11-2088888888888-0001')
        self.assertEqual(revision.statement_line_id, line)
        self.assertFalse(self.open_transit() & self.receipt_items(orders[:2].pagopa_receipt_ids))

    def test_a_flow_that_does_not_add_up_is_not_imported_and_read_again(self):
        order = self.paid_orders(1)
        self.service.publish('2026-11-2088888888888-0001', 1, '2026-11-20T08:00:00.000Z',
                             [self.api_payment(order, 22.21, 1)], total=30.0)
        with self.assertLogs('odoo.addons.munipay_pagopa.models.munipay_pagopa_fdr_api', 'ERROR') as logs:
            self.env['munipay.pagopa.fdr']._cron_pagopa_fetch()
        self.assertIn('announces 1 payments totalling 30.00', logs.output[0])
        self.assertFalse(self.reports())
        self.assertFalse(self.company.munipay_pagopa_fdr_published)
        # corrected by a revision: read on the next run
        self.service.publish('2026-11-2088888888888-0001', 2, '2026-11-20T09:00:00.000Z',
                             [self.api_payment(order, 22.21, 1)])
        self.env['munipay.pagopa.fdr']._cron_pagopa_fetch()
        self.assertEqual(self.reports().mapped('revision'), [2])
        self.assertEqual(self.reports().line_ids.order_id, order)

    def test_a_refused_key_is_said(self):
        self.company.munipay_pagopa_fdr_key = 'wrong'
        with self.raises(UserError, "answered 401"):
            self.env['munipay.pagopa.fdr'].action_pagopa_fetch()
