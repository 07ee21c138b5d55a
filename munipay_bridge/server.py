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
"""
import hmac
import json
import logging
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from . import VERSION, zvt
from .journal import FINAL_STATES, Journal

_logger = logging.getLogger(__name__)
TID_RE = re.compile(r'^[A-Za-z0-9._:-]{1,80}$')
LOOPBACK_NAMES = ('127.0.0.1', 'localhost', '::1')
MAX_AMOUNT = 99999999  # cents that fit the terminal's 6-byte BCD field with room: 999,999.99


class ApiError(Exception):
    def __init__(self, status, reason, **extra):
        super().__init__(reason)
        self.status, self.reason, self.extra = status, reason, extra


def public(op):
    out = {k: v for k, v in op.items() if k != 'dispatched'}
    out['final'] = op['state'] in FINAL_STATES
    customer = [r for r in op.get('receipts') or [] if r['type'] == 'customer'] or (op.get('receipts') or [])[:1]
    out['ticket'] = '\n'.join(customer[0]['lines']) if customer else ''
    return out


class Bridge:
    """Operations on one terminal, one at a time, each in its own thread."""

    def __init__(self, terminal, journal_path, currency='EUR'):
        self.terminal = terminal
        self.currency = currency
        self.journal = Journal(journal_path)
        for tid in self.journal.recover():
            _logger.warning('operation %s was left unfinished by the previous run', tid)
        self.lock = threading.Lock()
        self.current = None
        self.aborts = set()
        self.threads = []

    # -- starting
    def start(self, kind, tid, amount=None, currency=None, reversal_of=None):
        if not isinstance(tid, str) or not TID_RE.match(tid):
            raise ApiError(400, 'transaction_id must be 1-80 letters, digits or ._:-')
        with self.lock:
            known = self.journal.get(tid)
            if known:
                same = (known['kind'], known.get('amount'), known.get('currency'), known.get('reversal_of')) \
                    == (kind, amount, currency, reversal_of)
                if not same:
                    raise ApiError(409, 'transaction_id reused with other data')
                return known, False
            if self.current:
                raise ApiError(409, 'busy', current=self.current)
            op = self.journal.add({
                'transaction_id': tid, 'kind': kind, 'state': 'queued', 'amount': amount,
                'currency': currency, 'status_code': None, 'status_text': '', 'message': '',
                'result_code': None, 'result_text': '', 'abort_requested': False, 'card': None,
                'receipt_no': None, 'trace_no': None, 'terminal_id': None, 'auth_code': None,
                'date': None, 'time': None, 'receipts': [], 'reversal_of': reversal_of,
                'reversed_by': None, 'dispatched': False,
            })
            self.current = tid
        thread = threading.Thread(target=self._run, args=(tid,), daemon=True, name='zvt-%s' % tid)
        self.threads.append(thread)
        thread.start()
        return op, True

    def start_payment(self, body):
        amount, currency = body.get('amount'), body.get('currency') or self.currency
        if not isinstance(amount, int) or isinstance(amount, bool) or not 0 < amount <= MAX_AMOUNT:
            raise ApiError(400, 'amount must be a positive integer of cents')
        try:
            zvt.currency_number(currency)
        except ValueError:
            raise ApiError(400, 'unsupported currency %r' % (currency,)) from None
        return self.start('payment', body.get('transaction_id'), amount, str(currency).upper())

    def start_reversal(self, payment_tid, body):
        payment = self.journal.get(payment_tid)
        if not payment or payment['kind'] != 'payment':
            raise ApiError(404, 'unknown transaction')
        known = self.journal.get(body.get('transaction_id') or '')
        if known is None:
            if payment['state'] != 'approved' or payment.get('receipt_no') is None:
                raise ApiError(409, 'only an approved payment can be reversed')
            if payment.get('reversed_by'):
                other = self.journal.get(payment['reversed_by'])
                if other and other['state'] not in ('declined', 'aborted', 'failed'):
                    raise ApiError(409, 'this payment already has a reversal', reversal=payment['reversed_by'])
        op, created = self.start('reversal', body.get('transaction_id'), payment['amount'],
                                 payment['currency'], reversal_of=payment_tid)
        if created:
            self.journal.update(payment_tid, reversed_by=op['transaction_id'])
        return op, created

    def start_end_of_day(self, body):
        return self.start('end_of_day', body.get('transaction_id'))

    def abort(self, tid):
        op = self.journal.get(tid)
        if not op:
            raise ApiError(404, 'unknown transaction')
        if op['state'] in FINAL_STATES:
            raise ApiError(409, 'already %s' % op['state'], operation=public(op))
        self.aborts.add(tid)
        return self.journal.update(tid, abort_requested=True)

    # -- running (bridge thread)
    def _run(self, tid):
        try:
            self._dialogue(tid)
        except Exception as exc:  # noqa: BLE001 - the line must end in a state the cashier can resolve
            _logger.exception('operation %s crashed', tid)
            op = self.journal.get(tid)
            self.journal.update(tid, state='unknown' if op.get('dispatched') else 'failed',
                                message='bridge error: %s' % exc)
            self.terminal.reset()
        finally:
            with self.lock:
                self.current = None
                self.aborts.discard(tid)

    def _dialogue(self, tid):
        op = self.journal.get(tid)
        if tid in self.aborts:
            self.journal.update(tid, state='aborted', message='Aborted before reaching the terminal.')
            return
        password = self.terminal.password
        if op['kind'] == 'payment':
            command = zvt.authorisation(op['amount'], op['currency'])
        elif op['kind'] == 'reversal':
            command = zvt.reversal(password, self.journal.get(op['reversal_of'])['receipt_no'])
        else:
            command = zvt.end_of_day(password)
        self.journal.update(tid, state='running', status_text='Connecting to the terminal')

        def progress(event, value):
            if event == 'status':
                self.journal.update(tid, status_code=value, status_text=zvt.status_text(value))
            elif event == 'receipt':
                receipts = self.journal.get(tid)['receipts'] + [value]
                self.journal.update(tid, receipts=receipts)

        outcome = self.terminal.run(
            command, progress=progress, should_abort=lambda: tid in self.aborts,
            before_send=lambda: self.journal.update(tid, dispatched=True))
        info = outcome.info
        card = None
        if info.get('card_name') or info.get('pan') or info.get('card_type') is not None:
            card = {'name': info.get('card_name'), 'type': info.get('card_type'),
                    'pan': info.get('pan'), 'expiry': info.get('expiry')}
        message = outcome.message
        if outcome.state == 'unknown':
            message = ('%s. The terminal may have charged the card: check its display or last '
                       'receipt before charging again.' % message.rstrip('.'))
        values = dict(
            state=outcome.state, result_code=outcome.result_code, result_text=outcome.result_text,
            message=message, card=card, receipts=outcome.receipts or self.journal.get(tid)['receipts'])
        for key in ('receipt_no', 'trace_no', 'terminal_id', 'auth_code', 'date', 'time'):
            if key in info:
                values[key] = info[key]
        self.journal.update(tid, **values)
        if op['kind'] == 'reversal' and outcome.state in ('declined', 'aborted', 'failed'):
            self.journal.update(op['reversal_of'], reversed_by=None)

    def health(self):
        terminal = self.terminal
        return {'ok': True, 'version': VERSION, 'terminal': {
            'transport': terminal.describe.split(' ', 1)[0], 'target': terminal.describe.split(' ', 1)[-1],
            'registered': terminal.registered, 'busy': bool(self.current), 'current': self.current}}


class Handler(BaseHTTPRequestHandler):
    server_version = 'munipay-bridge/' + VERSION
    protocol_version = 'HTTP/1.1'

    # set by make_server
    bridge = None
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

    def _body(self):
        size = int(self.headers.get('Content-Length') or 0)
        if size > 65536:
            raise ApiError(413, 'request too large')
        raw = self.rfile.read(size) if size else b''
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
        headers = [('Access-Control-Allow-Methods', 'GET, POST, OPTIONS'),
                   ('Access-Control-Allow-Headers', 'Authorization, Content-Type, X-Munipay-Token'),
                   ('Access-Control-Max-Age', '600')]
        if self.headers.get('Access-Control-Request-Private-Network'):
            headers.append(('Access-Control-Allow-Private-Network', 'true'))
        self._send(204, None, headers)

    def do_GET(self):  # noqa: N802
        self._dispatch('GET')

    def do_POST(self):  # noqa: N802
        self._dispatch('POST')

    def _dispatch(self, method):
        try:
            if not self._origin_ok():
                raise ApiError(403, 'origin not allowed')
            body = self._body() if method == 'POST' else None
            if not self._authorised():
                raise ApiError(401, 'unauthorized')
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
        parts = path.strip('/').split('/')
        if method == 'GET' and path == '/health':
            return 200, bridge.health()
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
        raise ApiError(404, 'no such endpoint')


def make_server(bridge, token, origins, host='127.0.0.1', port=8765):
    """A ThreadingHTTPServer for ``bridge`` (call ``serve_forever``; port 0 picks one)."""
    if not token:
        raise ValueError('the bridge needs a pairing token')
    handler = type('BridgeHandler', (Handler,), {
        'bridge': bridge, 'token': token, 'origins': tuple(o.rstrip('/') for o in origins)})
    server = ThreadingHTTPServer((host, port), handler)
    server.daemon_threads = True
    return server
