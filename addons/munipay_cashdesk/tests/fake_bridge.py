"""A stand-in for munipay's device bridge (its JSON API only, no terminal), for the
tour of the POS payment method: the real bridge lives on another branch."""
import json
import re
import threading
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class FakeBridge:
    def __init__(self, token, origin):
        self.token = token
        self.origin = origin
        self.operations = {}
        self.payments = []  # every payment request that created an operation
        self.polls_to_approve = 2

    def handle(self, method, path, body, headers):
        if headers.get('Authorization') != 'Bearer %s' % self.token:
            return 401, {'error': 'unauthorized'}
        if method == 'POST' and path == '/v1/payments':
            known = self.operations.get(body['transaction_id'])
            if known:
                return 200, known
            operation = {
                'transaction_id': body['transaction_id'], 'kind': 'payment', 'state': 'running', 'final': False,
                'amount': body['amount'], 'currency': body['currency'], 'status_text': 'Insert card',
                'abort_requested': False, 'card': None, 'ticket': '', 'polls': 0,
            }
            self.operations[body['transaction_id']] = operation
            self.payments.append(dict(body))
            return 201, operation
        match = re.fullmatch(r'/v1/operations/([^/]+)', path)
        if method == 'GET' and match:
            operation = self.operations.get(match.group(1))
            if not operation:
                return 404, {'error': 'unknown transaction'}
            operation['polls'] += 1
            if not operation['final'] and operation['polls'] >= self.polls_to_approve:
                operation.update(state='approved', final=True, status_text='Payment approved', result_code=0,
                                 card={'name': 'girocard', 'pan': '67xxxxxxxxxxxx1234'}, auth_code='123456',
                                 ticket='girocard\nBetrag EUR %.2f\nZahlung erfolgt' % (operation['amount'] / 100))
            return 200, operation
        return 404, {'error': 'not found'}


def _handler(bridge):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def _send(self, status, payload=None):
            self.send_response(status)
            self.send_header('Access-Control-Allow-Origin', bridge.origin)
            self.send_header('Access-Control-Allow-Methods', 'GET, POST, OPTIONS')
            self.send_header('Access-Control-Allow-Headers', 'Authorization, Content-Type, X-Munipay-Token')
            self.send_header('Access-Control-Allow-Private-Network', 'true')
            data = json.dumps(payload).encode() if payload is not None else b''
            if payload is not None:
                self.send_header('Content-Type', 'application/json')
            self.send_header('Content-Length', str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_OPTIONS(self):
            self._send(204)

        def _dispatch(self, method):
            length = int(self.headers.get('Content-Length') or 0)
            body = json.loads(self.rfile.read(length) or b'{}') if length else {}
            self._send(*bridge.handle(method, self.path, body, self.headers))

        def do_GET(self):
            self._dispatch('GET')

        def do_POST(self):
            self._dispatch('POST')
    return Handler


@contextmanager
def running_fake_bridge(token, origin):
    bridge = FakeBridge(token, origin)
    server = ThreadingHTTPServer(('127.0.0.1', 0), _handler(bridge))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    bridge.url = 'http://127.0.0.1:%d' % server.server_address[1]
    try:
        yield bridge
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
