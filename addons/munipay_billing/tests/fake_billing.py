"""Stand-ins for a third-party billing system, for tests: real HTTP on a free loopback
port, one REST/JSON service and one SOAP service serving ``files/billing.wsdl``.

Both keep the same book (accounts, the payments received and their reversals, by
idempotency key),
record every request as it came on the wire, and answer what a test scripts with
:meth:`FakeBilling.then`: an HTTP status, a SOAP fault, a malformed body, or a slow
answer (the work done, the answer late, as a remote that got the payment but whose
answer the client stopped waiting for). No Odoo: plain ``http.server``.
"""
import base64
import json
import os
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote
from xml.sax.saxutils import escape

from lxml import etree

WSDL_PATH = os.path.join(os.path.dirname(__file__), 'files', 'billing.wsdl')
SOAP_NS = 'http://schemas.xmlsoap.org/soap/envelope/'
TNS = 'urn:example:utility-billing:1'
REST_KEY = 'rest-secret-key'
SOAP_USER, SOAP_PASSWORD = 'munipay', 'soap-secret'


class FakeBilling:

    def __init__(self, protocol):
        self.protocol = protocol
        self.lock = threading.RLock()
        self.accounts = {}   # number -> {'name': str, 'cents': int}
        self.payments = {}   # idempotency key -> what was booked
        self.reversals = {}  # idempotency key of a reversal -> {'original': key, 'id': str}
        self.requests = []   # {'method', 'path', 'headers', 'body' (bytes), 'fields' (dict)}
        self.script = []     # the next answers, in order: {'operation', 'action', ...}
        self._httpd = None
        self.url = None

    # ------------------------------------------------------------------ control

    def start(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = 'HTTP/1.1'

            def do_GET(self):
                fake._dispatch(self, 'GET')

            def do_POST(self):
                fake._dispatch(self, 'POST')

            def log_message(self, *args):
                pass

        self._httpd = ThreadingHTTPServer(('127.0.0.1', 0), Handler)
        self._httpd.daemon_threads = True
        self.url = 'http://127.0.0.1:%d' % self._httpd.server_address[1]
        threading.Thread(target=self._httpd.serve_forever, daemon=True).start()
        return self

    def stop(self):
        self._httpd.shutdown()
        self._httpd.server_close()

    def reset(self):
        with self.lock:
            self.accounts.clear()
            self.payments.clear()
            self.reversals.clear()
            self.requests.clear()
            self.script.clear()

    def then(self, action, operation='post', times=1, **options):
        """Script the next ``times`` answers to ``operation`` ('post', 'reverse' or 'lookup'):
        'status' (options: status, body), 'fault' (code, text), 'malformed', 'slow' (delay:
        the work is done, then the answer waits)."""
        with self.lock:
            self.script.extend([dict(options, action=action, operation=operation)] * times)

    def posts(self):
        with self.lock:
            return [request for request in self.requests if request['operation'] == 'post']

    def reversal_requests(self):
        with self.lock:
            return [request for request in self.requests if request['operation'] == 'reverse']

    def booked_cents(self, account):
        """What the book holds as paid on ``account``: its payments not reversed."""
        with self.lock:
            return sum(payment['cents'] for payment in self.payments.values()
                       if payment.get('account') == account and not payment.get('reversed_by'))

    # ------------------------------------------------------------------ dispatch

    def _take(self, operation):
        with self.lock:
            for index, step in enumerate(self.script):
                if step['operation'] == operation:
                    return self.script.pop(index)
        return None

    def _dispatch(self, handler, method):
        length = int(handler.headers.get('Content-Length') or 0)
        body = handler.rfile.read(length) if length else b''
        try:
            if self.protocol == 'rest':
                status, content_type, answer = self._rest(handler, method, body)
            else:
                status, content_type, answer = self._soap(handler, method, body)
            payload = answer if isinstance(answer, bytes) else answer.encode()
            handler.send_response(status)
            handler.send_header('Content-Type', content_type)
            handler.send_header('Content-Length', str(len(payload)))
            handler.end_headers()
            handler.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up waiting (a scripted slow answer)

    def _record(self, handler, method, body, operation, fields):
        with self.lock:
            self.requests.append({'method': method, 'path': handler.path, 'headers': dict(handler.headers),
                                  'body': body, 'operation': operation, 'fields': fields})

    def _book(self, key, fields):
        """(payment id, True) for a new key, (payment id, False) for one already booked."""
        with self.lock:
            if key in self.payments:
                return self.payments[key]['id'], False
            payment_id = 'PAY-%d' % (len(self.payments) + 1)
            self.payments[key] = dict(fields, id=payment_id)
            account = self.accounts.get(fields['account'])
            if account:
                account['cents'] -= fields['cents']
            return payment_id, True

    def _unbook(self, original, key):
        """Take back the payment ``original`` (its key or id) under the reversal's ``key``:
        (reversal id, 'new'), (id, 'duplicate') for a reversal key already booked or a
        payment reversed already, or (None, 'unknown') for a payment the book lacks."""
        with self.lock:
            if key in self.reversals:
                return self.reversals[key]['id'], 'duplicate'
            payment = self.payments.get(original) or next(  # named by its key or by the id given to it
                (payment for payment in self.payments.values() if payment['id'] == original), None)
            if payment is None:
                return None, 'unknown'
            if payment.get('reversed_by'):
                return self.reversals[payment['reversed_by']]['id'], 'duplicate'
            reversal_id = 'REV-%d' % (len(self.reversals) + 1)
            self.reversals[key] = {'original': original, 'id': reversal_id}
            payment['reversed_by'] = key
            account = self.accounts.get(payment.get('account'))
            if account:
                account['cents'] += payment['cents']
            return reversal_id, 'new'

    # ------------------------------------------------------------------ REST

    def _rest(self, handler, method, body):
        path = handler.path.split('?')[0]
        if handler.headers.get('X-Api-Key') != REST_KEY:
            self._record(handler, method, body, None, None)
            return 401, 'application/json', json.dumps({'message': 'bad API key'})
        if method == 'GET' and path.startswith('/api/v2/customers/'):
            operation, fields = 'lookup', {'account': unquote(path.rsplit('/', 1)[1])}
        elif method == 'POST' and path.startswith('/api/v2/payments/') and path.endswith('/reversal'):
            operation = 'reverse'
            try:
                fields = {'original': unquote(path.split('/')[4]), 'key': json.loads(body)['payment']['requestId']}
            except (ValueError, KeyError, TypeError, IndexError):
                self._record(handler, method, body, 'reverse', None)
                return 400, 'application/json', json.dumps({'message': 'bad request body'})
        elif method == 'POST' and path == '/api/v2/payments':
            operation = 'post'
            try:
                data = json.loads(body)
                payment = data['payment']
                fields = {'account': payment['customer'], 'cents': payment['amountCents'],
                          'reference': payment['ref'], 'key': payment['requestId']}
            except (ValueError, KeyError, TypeError):
                self._record(handler, method, body, 'post', None)
                return 400, 'application/json', json.dumps({'message': 'bad request body'})
        else:
            return 404, 'application/json', json.dumps({'message': 'no such resource'})
        self._record(handler, method, body, operation, fields)
        step = self._take(operation) or {'action': 'ok'}
        if step['action'] == 'status':
            return step['status'], 'application/json', json.dumps(step.get('body') or {'message': 'scripted'})
        if step['action'] == 'malformed':
            return 200, 'application/json', '{"data": {"customer": '
        if operation == 'lookup':
            account = self.accounts.get(fields['account'])
            if account is None:
                return 404, 'application/json', json.dumps({'message': 'unknown customer'})
            answer = {'data': {'customer': {'name': account['name'], 'open': {'cents': account['cents']}}}}
            status = 200
        elif operation == 'reverse':
            reversal_id, outcome = self._unbook(fields['original'], fields['key'])
            if outcome == 'unknown':
                return 404, 'application/json', json.dumps({'message': 'unknown payment'})
            if outcome == 'new':
                status, answer = 201, {'result': {'id': reversal_id}}
            else:
                status, answer = 409, {'message': 'payment already reversed', 'id': reversal_id}
        else:
            payment_id, new = self._book(fields['key'], fields)
            if new:
                status, answer = 201, {'result': {'id': payment_id}}
            elif step['action'] == 'duplicate422':
                status, answer = 422, {'error': {'code': 'DUPLICATE_REQUEST'}, 'message': 'already booked'}
            else:
                status, answer = 409, {'message': 'request id already used', 'id': payment_id}
        if step['action'] == 'slow':
            time.sleep(step['delay'])
        return status, 'application/json', json.dumps(answer)

    # ------------------------------------------------------------------ SOAP

    def _soap(self, handler, method, body):
        if method == 'GET':
            with open(WSDL_PATH, encoding='utf-8') as file:
                wsdl = file.read().replace('@ADDRESS@', self.url + '/soap/billing')
            return 200, 'text/xml; charset=utf-8', wsdl
        try:
            envelope = etree.fromstring(body)
            request = envelope.find('{%s}Body' % SOAP_NS)[0]
            operation = {'GetCustomer': 'lookup', 'BookPayment': 'post',
                         'ReversePayment': 'reverse'}[etree.QName(request).localname]
            values = {etree.QName(child).localname: child.text for child in request}
        except (etree.XMLSyntaxError, TypeError, IndexError, KeyError):
            self._record(handler, method, body, None, None)
            return 500, 'text/xml', self._fault('soap:Client', 'malformed request')
        if operation == 'lookup':
            fields = {'account': values.get('CustomerNo')}
        elif operation == 'reverse':
            fields = {'original': values.get('OriginalRequestId'), 'key': values.get('RequestId')}
        else:
            fields = {'account': values.get('CustomerNo'), 'cents': int(values.get('AmountCents')),
                      'reference': values.get('Reference'), 'key': values.get('RequestId')}
        self._record(handler, method, body, operation, fields)
        expected = 'Basic ' + base64.b64encode(('%s:%s' % (SOAP_USER, SOAP_PASSWORD)).encode()).decode()
        if handler.headers.get('Authorization') != expected:
            return 401, 'text/plain', 'unauthorized'
        step = self._take(operation) or {'action': 'ok'}
        if step['action'] == 'status':
            return step['status'], 'text/plain', 'scripted'
        if step['action'] == 'fault':
            return 500, 'text/xml', self._fault(step.get('code', 'soap:Server'), step.get('text', 'scripted'))
        if step['action'] == 'malformed':
            return 200, 'text/xml', '<soap:Envelope xmlns:soap="%s"><soap:Body><Get' % SOAP_NS
        if operation == 'lookup':
            account = self.accounts.get(fields['account'])
            if account is None:
                return 500, 'text/xml', self._fault('soap:Client', 'Unknown customer')
            answer = ('<t:GetCustomerResponse><t:CustomerNo>%s</t:CustomerNo><t:Customer><t:CustomerName>%s'
                      '</t:CustomerName><t:OpenAmountCents>%d</t:OpenAmountCents></t:Customer>'
                      '</t:GetCustomerResponse>' % (escape(fields['account']), escape(account['name']),
                                                    account['cents']))
        elif operation == 'reverse':
            reversal_id, outcome = self._unbook(fields['original'], fields['key'])
            if outcome == 'unknown':
                return 500, 'text/xml', self._fault('soap:Client', 'Unknown payment %s' % fields['original'])
            if outcome == 'duplicate':
                return 500, 'text/xml', self._fault('soap:Client', 'Duplicate RequestId %s' % fields['key'])
            answer = ('<t:ReversePaymentResponse><t:TransactionId>%s</t:TransactionId><t:Status>REVERSED</t:Status>'
                      '</t:ReversePaymentResponse>' % reversal_id)
        else:
            payment_id, new = self._book(fields['key'], fields)
            if not new:
                return 500, 'text/xml', self._fault('soap:Client', 'Duplicate RequestId %s' % fields['key'])
            answer = ('<t:BookPaymentResponse><t:TransactionId>%s</t:TransactionId><t:Status>BOOKED</t:Status>'
                      '</t:BookPaymentResponse>' % payment_id)
        if step['action'] == 'slow':
            time.sleep(step['delay'])
        return 200, 'text/xml; charset=utf-8', self._envelope(answer)

    @staticmethod
    def _envelope(content):
        return ('<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="%s" xmlns:t="%s">'
                '<soap:Body>%s</soap:Body></soap:Envelope>' % (SOAP_NS, TNS, content))

    def _fault(self, code, text):
        return self._envelope('<soap:Fault><faultcode>%s</faultcode><faultstring>%s</faultstring></soap:Fault>'
                              % (code, escape(text)))
