"""The bridge's HTTP API (loopback, CORS for the Odoo origin, pairing token).

The browser's POS payment method starts an operation and polls it; the terminal dialogue
runs in a bridge thread, never inside an HTTP request. See README "Card terminal bridge".

    GET  /health
    POST /v1/payments                     {"transaction_id", "amount" (cents), "currency"}
    POST /v1/payments/<id>/reversal       {"transaction_id"}  (id of the reversal)
    POST /v1/end-of-day                   {"transaction_id"}
    GET  /v1/operations                   the latest operations
    GET  /v1/operations/<id>              one operation (poll until "final")
    POST /v1/operations/<id>/abort
    POST /v1/operations/<id>/check         ask the terminal about a payment left "unknown"

and, on a kiosk with a CCNET bill acceptor (``cash``):

    POST /v1/cash/sessions                {"session_id", "amount_due" (cents), "currency", "max_amount"}
    GET  /v1/cash/sessions                the latest sessions
    GET  /v1/cash/sessions/<id>           one session (poll until "final")
    POST /v1/cash/sessions/<id>/stop
    GET  /v1/devices/bill-acceptor        the acceptor's state and faults, for alerts

and with a receipt printer (ESC/POS, ``printer``):

    POST /v1/printer/receipt              {"lines": [...], "qr": ..., "cut": true, "receipt_id"}
    GET  /v1/devices/printer              the printer's status (paper, cover), for alerts

and the kiosk's offline store (``offline``, see offline.py):

    PUT  /v1/offline/snapshot             JSON, text/csv or application/xml: what the kiosk may collect
    GET  /v1/offline/snapshot             when it was loaded, how many targets
    POST /v1/offline/lookup               {"text"}: the target a scanned or typed text names
    POST /v1/offline/payments             {"key", "kind", "target_id", "target", "session"} (idempotent)
    GET  /v1/offline/payments             the payments not synced to Odoo yet, and the queue's stats
    POST /v1/offline/payments/<key>/synced {"answer"}
"""
import hmac
import json
import logging
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote

from . import VERSION
from .bridge import ApiError, public
from .cash import public_session
from .escpos import ReceiptError, parse_receipt
from .offline import OfflineStore

_logger = logging.getLogger(__name__)
LOOPBACK_NAMES = ('127.0.0.1', 'localhost', '::1')
MAX_BODY = 65536
MAX_SNAPSHOT = 16 * 1024 * 1024


class Handler(BaseHTTPRequestHandler):
    server_version = 'munipay-bridge/' + VERSION
    protocol_version = 'HTTP/1.1'

    # set by make_server
    bridge = None
    cash = None
    printer = None
    offline = None
    token = ''
    origins = ()

    def log_message(self, fmt, *args):
        _logger.debug('%s %s', self.address_string(), fmt % args)

    # -- plumbing
    def _origin_ok(self):
        # Host: a page whose name was rebound to 127.0.0.1 (DNS rebinding) sends its own name
        host = (self.headers.get('Host') or '').rsplit(':', 1)[0].strip('[]').lower()
        if host not in LOOPBACK_NAMES:
            return False
        origin = self.headers.get('Origin')
        return origin is None or origin in self.origins

    def _send(self, status, body=None, extra_headers=()):
        payload = b'' if body is None else json.dumps(body).encode('utf-8')
        self.send_response(status)
        origin = self.headers.get('Origin')
        if origin and origin in self.origins:
            self.send_header('Access-Control-Allow-Origin', origin)
            self.send_header('Vary', 'Origin')
        for name, value in extra_headers:
            self.send_header(name, value)
        if body is not None:
            self.send_header('Content-Type', 'application/json')
        self.send_header('Cache-Control', 'no-store')
        self.send_header('Content-Length', str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def _authorised(self):
        given = self.headers.get('X-Munipay-Token') or ''
        auth = self.headers.get('Authorization') or ''
        if auth.lower().startswith('bearer '):
            given = auth[7:].strip()
        return bool(self.token) and hmac.compare_digest(given.encode('utf-8'), self.token.encode('utf-8'))

    def _read_raw(self):
        try:
            size = int(self.headers.get('Content-Length') or 0)
        except ValueError:
            size = -1
        limit = MAX_SNAPSHOT if self.path.split('?', 1)[0].rstrip('/') == '/v1/offline/snapshot' else MAX_BODY
        if not 0 <= size <= limit:
            self.close_connection = True  # the unread body must not pass for the next request
            raise ApiError(413, 'request too large')
        return self.rfile.read(size) if size else b''

    @staticmethod
    def _parse(raw):
        if not raw:
            return {}
        try:
            body = json.loads(raw)
        except ValueError:
            raise ApiError(400, 'the body is not JSON') from None
        if not isinstance(body, dict):
            raise ApiError(400, 'the body must be a JSON object')
        return body

    def do_OPTIONS(self):  # noqa: N802 - http.server's naming
        if not self._origin_ok() or not self.headers.get('Origin'):
            self._send(403, {'error': 'origin not allowed'})
            return
        headers = [('Access-Control-Allow-Methods', 'GET, POST, PUT, OPTIONS'),
                   ('Access-Control-Allow-Headers', 'Authorization, Content-Type, X-Munipay-Token'),
                   ('Access-Control-Max-Age', '600')]
        if self.headers.get('Access-Control-Request-Private-Network'):
            headers.append(('Access-Control-Allow-Private-Network', 'true'))
        self._send(204, None, headers)

    def do_GET(self):  # noqa: N802
        self._dispatch('GET')

    def do_POST(self):  # noqa: N802
        self._dispatch('POST')

    def do_PUT(self):  # noqa: N802
        self._dispatch('PUT')

    def _dispatch(self, method):
        try:
            raw = self._read_raw()  # read even when refused: the connection stays usable
            if not self._origin_ok():
                raise ApiError(403, 'origin not allowed')
            if not self._authorised():
                raise ApiError(401, 'unauthorized')
            body = self._parse(raw) if method == 'POST' else raw if method == 'PUT' else None
            status, answer = self._route(method, self.path.split('?', 1)[0].rstrip('/'), body)
        except ApiError as exc:
            self._send(exc.status, dict(exc.extra, error=exc.reason))
            return
        except Exception:  # noqa: BLE001 - answer 500 rather than drop the connection
            _logger.exception('request %s %s failed', method, self.path)
            self._send(500, {'error': 'internal error'})
            return
        self._send(status, answer)

    def _route(self, method, path, body):
        bridge = self.bridge
        # ids may hold ':' (allowed), which a browser's encodeURIComponent sends as %3A
        parts = [unquote(part) for part in path.strip('/').split('/')]
        if method == 'GET' and path == '/health':
            health = bridge.health() if bridge else {'ok': True, 'version': VERSION, 'terminal': None}
            if self.cash:
                device = self.cash.status()
                health['bill_acceptor'] = {k: device[k] for k in ('connected', 'device_state', 'faults', 'current')}
            if self.printer:
                last = self.printer.last_status  # no printer I/O here: the latest status asked
                health['printer'] = {'target': self.printer.describe,
                                     'state': last['state'] if last else None}
            if self.offline:
                health['offline'] = self.offline.stats()
            return 200, health
        if parts[:2] == ['v1', 'offline']:
            return self._route_offline(method, path, parts, body)
        if path in ('/v1/printer/receipt', '/v1/devices/printer'):
            return self._route_printer(method, path, body)
        if parts[:2] in (['v1', 'cash'], ['v1', 'devices']):
            return self._route_cash(method, path, parts, body)
        if bridge is None:
            raise ApiError(404, 'this bridge drives no card terminal')
        if method == 'GET' and path == '/v1/operations':
            return 200, {'operations': [public(op) for op in bridge.journal.recent()]}
        if method == 'GET' and len(parts) == 3 and parts[:2] == ['v1', 'operations']:
            op = bridge.journal.get(parts[2])
            if not op:
                raise ApiError(404, 'unknown transaction')
            return 200, public(op)
        if method == 'POST' and path == '/v1/payments':
            op, created = bridge.start_payment(body)
            return (201 if created else 200), public(op)
        if method == 'POST' and len(parts) == 4 and parts[:2] == ['v1', 'payments'] and parts[3] == 'reversal':
            op, created = bridge.start_reversal(parts[2], body)
            return (201 if created else 200), public(op)
        if method == 'POST' and path == '/v1/end-of-day':
            op, created = bridge.start_end_of_day(body)
            return (201 if created else 200), public(op)
        if method == 'POST' and len(parts) == 4 and parts[:2] == ['v1', 'operations'] and parts[3] == 'abort':
            return 202, public(bridge.abort(parts[2]))
        if method == 'POST' and len(parts) == 4 and parts[:2] == ['v1', 'operations'] and parts[3] == 'check':
            return 202, public(bridge.check(parts[2]))
        raise ApiError(404, 'no such endpoint')

    def _route_cash(self, method, path, parts, body):
        cash = self.cash
        if cash is None:
            raise ApiError(404, 'this bridge drives no bill acceptor')
        if method == 'GET' and path == '/v1/devices/bill-acceptor':
            return 200, cash.status()
        if method == 'POST' and path == '/v1/cash/sessions':
            session, created = cash.start_session(body)
            return (201 if created else 200), session
        if method == 'GET' and path == '/v1/cash/sessions':
            return 200, {'sessions': [public_session(s) for s in cash.journal.recent()]}
        if method == 'GET' and len(parts) == 4 and parts[2] == 'sessions':
            session = cash.journal.get(parts[3])
            if not session:
                raise ApiError(404, 'unknown session')
            return 200, public_session(session)
        if method == 'POST' and len(parts) == 5 and parts[2] == 'sessions' and parts[4] == 'stop':
            return 202, cash.stop_session(parts[3])
        raise ApiError(404, 'no such endpoint')

    def _route_printer(self, method, path, body):
        printer = self.printer
        if printer is None:
            raise ApiError(404, 'no_printer', result='no_printer')
        if method == 'GET' and path == '/v1/devices/printer':
            return 200, printer.status()
        if method == 'POST' and path == '/v1/printer/receipt':
            receipt_id = body.get('receipt_id')
            if receipt_id is not None and not (isinstance(receipt_id, str) and 0 < len(receipt_id) <= 100):
                raise ApiError(400, 'receipt_id must be a string of 1 to 100 characters')
            try:
                receipt = parse_receipt(body)
            except ReceiptError as exc:
                raise ApiError(400, str(exc)) from None
            return printer.print_receipt(receipt, receipt_id)
        raise ApiError(405, 'method not allowed')

    def _route_offline(self, method, path, parts, body):
        store = self.offline
        if store is None:
            raise ApiError(404, 'this bridge keeps no offline store')
        if path == '/v1/offline/snapshot' and method == 'PUT':
            return 200, store.load(body, self.headers.get('Content-Type') or 'application/json')
        if path == '/v1/offline/snapshot' and method == 'GET':
            return 200, store.snapshot_info()
        if path == '/v1/offline/lookup' and method == 'POST':
            return 200, store.lookup(body.get('text'))
        if path == '/v1/offline/payments' and method == 'POST':
            payment, created = store.queue(body)
            return (201 if created else 200), payment
        if path == '/v1/offline/payments' and method == 'GET':
            return 200, dict(store.stats(), payments=store.pending())
        if method == 'POST' and len(parts) == 5 and parts[2] == 'payments' and parts[4] == 'synced':
            return 200, store.mark_synced(parts[3], body.get('answer'))
        raise ApiError(404, 'no such endpoint')


def make_server(bridge, token, origins, host='127.0.0.1', port=8765, cash=None, printer=None, offline=None):
    """A ThreadingHTTPServer for ``bridge`` (a card terminal), ``cash`` (a bill acceptor),
    ``printer`` (a receipt printer) and/or ``offline`` (a kiosk's offline store: an
    ``OfflineStore`` or the path of its file) (call ``serve_forever``; port 0 picks one)."""
    if not token:
        raise ValueError('the bridge needs a pairing token')
    if isinstance(offline, str):
        offline = OfflineStore(offline)
    handler = type('BridgeHandler', (Handler,), {
        'bridge': bridge, 'cash': cash, 'printer': printer, 'offline': offline, 'token': token,
        'origins': tuple(o.rstrip('/') for o in origins)})
    server = ThreadingHTTPServer((host, port), handler)
    server.daemon_threads = True
    return server
