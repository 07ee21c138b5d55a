"""A stand-in for pagoPA's GPD debt position service, for tests.

A threaded ``http.server`` on a free loopback port that answers as GPD's OpenAPI
v1 describes (``files/gpd_openapi_v1.json``, the part munipay uses, MIT) and
checks every request against it: the operation and its path and query
parameters, the subscription key, the JSON body against the request schema
(stricter than GPD's own parser: no unknown or read-only properties), then the
rules GPD's service adds (DebtPositionValidation): 1 to 5 transfers "1".."5"
adding up to the option, an IBAN xor a stamp, due dates not in the past on
create. A request breaking any of these is answered 400 and kept in
``violations``, which the tests assert empty; every answer is validated against
the response schema of its status too.

Faults are scripted with :meth:`GpdServer.fail`: answer a status (or wait past
the client's timeout) before or after doing the work, as a gateway or an
overloaded service does. Pure Python (no Odoo): the pytest tests use it too.
"""
import copy
import datetime
import json
import os
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, unquote, urlsplit

import jsonschema

SPEC_PATH = os.path.join(os.path.dirname(__file__), 'files', 'gpd_openapi_v1.json')
BASE_PATH = '/gpd/debt-positions-service/v1'
NOT_UPDATABLE = {'INVALID', 'PARTIALLY_PAID', 'PAID', 'REPORTED'}
NOT_INVALIDABLE = {'DRAFT', 'INVALID', 'EXPIRED', 'PARTIALLY_PAID', 'PAID', 'REPORTED'}
ALREADY_PAID = {'PARTIALLY_PAID', 'PAID', 'REPORTED'}
_RFC3339 = re.compile(r'\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})')
_EMAIL = re.compile(r'[^@\s]+@[^@\s]+\.[^@\s]+')


def load_spec():
    with open(SPEC_PATH, encoding='utf-8') as file:
        return json.load(file)


def _format_checker():
    checker = jsonschema.FormatChecker(formats=())

    @checker.checks('date-time', raises=ValueError)
    def is_datetime(value):
        if not isinstance(value, str):
            return True
        if not _RFC3339.fullmatch(value):
            raise ValueError('%r is not an RFC 3339 date-time' % value)
        datetime.datetime.fromisoformat(value.replace('Z', '+00:00'))
        return True

    @checker.checks('date', raises=ValueError)
    def is_date(value):
        return not isinstance(value, str) or bool(datetime.date.fromisoformat(value))
    return checker


def _strict(schemas):
    """The request view of the schemas: read-only properties may not be sent, and
    neither may any property the schema does not name."""
    schemas = copy.deepcopy(schemas)
    for schema in schemas.values():
        properties = schema.get('properties')
        if schema.get('type') != 'object' or properties is None:
            continue
        read_only = {name for name, prop in properties.items() if prop.get('readOnly')}
        for name in read_only:
            del properties[name]
        if 'required' in schema:
            schema['required'] = [name for name in schema['required'] if name not in read_only]
        schema['additionalProperties'] = False
    return schemas


def _path_regex(template):
    parts = re.split(r'(\{[^}]+\})', template)
    return re.compile('^' + ''.join('(?P<%s>[^/]+)' % part[1:-1] if part.startswith('{') else re.escape(part)
                                    for part in parts) + '$')


def _java_pattern(pattern):
    # the spec's path patterns are Java regexes: \h is a horizontal space there
    return pattern.replace(r'\h', r' \t')


class Violation(Exception):
    """A request GPD's OpenAPI or service rules refuse: answered 400."""


class GpdServer:
    """GPD's debt positions, kept in memory, served at :attr:`base_url`."""

    def __init__(self, key='gpd-test-key'):
        self.key = key
        self.spec = load_spec()
        schemas = self.spec['components']['schemas']
        checker = _format_checker()
        self._validators = {}
        for view, view_schemas in (('request', _strict(schemas)), ('response', schemas)):
            for name in schemas:
                root = {'$ref': '#/components/schemas/%s' % name, 'components': {'schemas': view_schemas}}
                self._validators[view, name] = jsonschema.Draft7Validator(root, format_checker=checker)
        self._routes = [(method, _path_regex(template), template, operation)
                        for template, item in self.spec['paths'].items()
                        for method, operation in item.items() if method != 'parameters']
        self.lock = threading.RLock()
        self.positions = {}  # (organization, iupd) -> position as GPD keeps it
        self.log = []  # (method, path, query, body, answered status)
        self.violations = []
        self.faults = []
        self.now = None  # a fixed "now" (naive UTC) for due-date checks; None: the clock
        self._httpd = None

    # ------------------------------------------------------------------ control

    def start(self):
        handler = type('GpdHandler', (_Handler,), {'gpd': self})
        self._httpd = ThreadingHTTPServer(('127.0.0.1', 0), handler)
        self._httpd.daemon_threads = True
        threading.Thread(target=self._httpd.serve_forever, kwargs={'poll_interval': 0.05}, name='gpd-test-server',
                         daemon=True).start()
        return self

    def stop(self):
        if self._httpd:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    @property
    def base_url(self):
        return 'http://127.0.0.1:%d%s' % (self._httpd.server_address[1], BASE_PATH)

    def fail(self, method, path_end, status=500, after=False, delay=0.0, times=1, retry_after=None):
        """The next ``times`` requests ``method`` whose path ends with ``path_end``
        get ``status`` (None: the normal answer) after ``delay`` seconds; with
        ``after`` the work is done first (GPD did it, the answer is lost)."""
        with self.lock:
            self.faults.append({'method': method, 'path_end': path_end, 'status': status, 'after': after,
                                'delay': delay, 'times': times, 'retry_after': retry_after})

    def calls(self, method=None, path_end=''):
        with self.lock:
            return [entry for entry in self.log if (method is None or entry[0] == method)
                    and entry[1].endswith(path_end)]

    def position(self, organization, iupd):
        with self.lock:
            return self.positions.get((organization, iupd))

    def set_status(self, organization, iupd, status):
        with self.lock:
            self.positions[organization, iupd]['status'] = status

    def pay(self, organization, nav):
        """A citizen paid the option through pagoPA."""
        with self.lock:
            position, option = self._find_option(organization, nav)
            option.update(status='PO_PAID', paymentDate=self._stamp(), idReceipt='receipt-%s' % nav,
                          pspCompany='Banca Esempio')
            position['status'] = 'PAID'

    # ------------------------------------------------------------------ dispatch

    def _now(self):
        return self.now or datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)

    def _stamp(self):
        return self._now().replace(microsecond=0).isoformat() + 'Z'

    def _take_fault(self, method, path):
        with self.lock:
            for fault in self.faults:
                if fault['method'] == method and path.endswith(fault['path_end']) and fault['times'] > 0:
                    fault['times'] -= 1
                    return fault
        return None

    def handle(self, method, raw_path, headers, raw_body):
        """(status, json body or None, extra headers) of one request."""
        split = urlsplit(raw_path)
        path, query = split.path, parse_qsl(split.query, keep_blank_values=True)
        body = None
        fault = self._take_fault(method, path)
        try:
            operation, params = self._route(method, path)
            if headers.get('Ocp-Apim-Subscription-Key') != self.key:
                return self._record(method, path, query, None, 401, None, {})
            self._check_query(operation, query)
            body = self._read_body(operation, headers, raw_body)
            if fault and fault['delay']:
                time.sleep(fault['delay'])
            if fault and not fault['after'] and fault['status']:
                return self._fault_answer(method, path, query, body, fault)
            with self.lock:
                status, answer = getattr(self, '_op_' + operation['operationId'])(params, dict(query), body)
        except Violation as violation:
            with self.lock:
                self.violations.append('%s %s: %s' % (method, path, violation))
            return self._record(method, path, query, body, 400,
                                {'title': 'Bad Request', 'status': 400, 'detail': str(violation)}, {})
        if fault and fault['after'] and fault['status']:
            return self._fault_answer(method, path, query, body, fault)
        self._check_response(operation, status, answer, method, path)
        return self._record(method, path, query, body, status, answer, {})

    def _fault_answer(self, method, path, query, body, fault):
        problem = None if fault['status'] == 429 else {
            'title': 'Service Unavailable', 'status': fault['status'], 'detail': 'scripted failure'}
        extra = {'Retry-After': str(fault['retry_after'])} if fault['retry_after'] else {}
        return self._record(method, path, query, body, fault['status'], problem, extra)

    def _record(self, method, path, query, body, status, answer, extra):
        with self.lock:
            self.log.append((method, path, dict(query), body, status))
        return status, answer, extra

    def _route(self, method, path):
        if not path.startswith(BASE_PATH):
            raise Violation('not under %s' % BASE_PATH)
        relative = path[len(BASE_PATH):]
        for route_method, regex, template, operation in self._routes:
            match = regex.match(relative)
            if match and route_method == method.lower():
                params = {name: unquote(value) for name, value in match.groupdict().items()}
                for parameter in operation.get('parameters', []):
                    if parameter['in'] == 'path':
                        pattern = parameter['schema'].get('pattern')
                        if pattern and not re.fullmatch(_java_pattern(pattern), params[parameter['name']]):
                            raise Violation('path parameter %s=%r does not match %s'
                                            % (parameter['name'], params[parameter['name']], pattern))
                return operation, params
        raise Violation('no operation %s %s in the OpenAPI' % (method, relative))

    def _check_query(self, operation, query):
        declared = {p['name']: p['schema'] for p in operation.get('parameters', []) if p['in'] == 'query'}
        for name, value in query:
            if name not in declared:
                raise Violation('query parameter %r is not declared' % name)
            if declared[name].get('type') == 'boolean' and value not in ('true', 'false'):
                raise Violation('query parameter %s=%r is not a boolean' % (name, value))

    def _read_body(self, operation, headers, raw_body):
        request_body = operation.get('requestBody')
        if not request_body:
            if raw_body:
                raise Violation('this operation takes no body')
            return None
        if not (headers.get('Content-Type') or '').startswith('application/json'):
            raise Violation('the body must be application/json, got %r' % headers.get('Content-Type'))
        try:
            body = json.loads(raw_body.decode('utf-8'))
        except ValueError as error:
            raise Violation('the body is not JSON: %s' % error) from None
        name = request_body['content']['application/json']['schema']['$ref'].rsplit('/', 1)[1]
        errors = sorted(self._validators['request', name].iter_errors(body), key=lambda e: list(e.path))
        if errors:
            raise Violation('; '.join('%s: %s' % ('/'.join(map(str, e.path)) or name, e.message) for e in errors))
        return body

    def _check_response(self, operation, status, answer, method, path):
        declared = operation['responses'].get(str(status))
        schema = declared and declared.get('content', {}).get('application/json', {}).get('schema')
        if declared is None:
            problem = 'status %s is not declared' % status
        elif schema and '$ref' in schema:
            name = schema['$ref'].rsplit('/', 1)[1]
            problem = '; '.join(e.message for e in self._validators['response', name].iter_errors(answer))
        else:
            problem = ''
        if problem:
            with self.lock:
                self.violations.append('answer to %s %s: %s' % (method, path, problem))

    # ------------------------------------------------------------------ GPD's service rules

    def _check_position(self, data, action):
        """DebtPositionValidation and the model's bean validation."""
        for field in ('iupd', 'fiscalCode', 'fullName', 'companyName'):
            if not (data.get(field) or '').strip():
                raise Violation('%s is required' % field)
        if data.get('email') and not _EMAIL.fullmatch(data['email']):
            raise Violation('email %r is not an e-mail address' % data['email'])
        now = self._now()
        for option in data.get('paymentOption', []):
            due = datetime.datetime.fromisoformat(option['dueDate'].replace('Z', '+00:00'))
            due = due.astimezone(datetime.timezone.utc).replace(tzinfo=None) if due.tzinfo else due
            if (action == 'create' or data['switchToExpired']) and due < now:
                raise Violation('due_date must be >= current_date [due_date=%s]' % option['dueDate'])
            if not option['description'].strip():
                raise Violation('payment option description is required')
            transfers = option.get('transfer', [])
            if len(transfers) > 5:
                raise Violation('a payment option has at most 5 transfers, got %d' % len(transfers))
            if len({t['idTransfer'] for t in transfers}) != len(transfers):
                raise Violation('transfer ids repeat in option %s' % option['iuv'])
            for t in transfers:
                if not t['remittanceInformation'].strip() or not t['category'].strip():
                    raise Violation('remittance information and category are required')
                has_stamp = bool(t.get('stamp'))
                if bool(t.get('iban')) == has_stamp or (has_stamp and t.get('postalIban')):
                    raise Violation('The Iban may be present (optionally combined with the Postal Iban) or the '
                                    'Stamp. Not all at the same time [iuv=%s, transaction id=%s].'
                                    % (option['iuv'], t['idTransfer']))
            total = sum(t['amount'] for t in transfers)
            if total != option['amount']:
                raise Violation('payment option amount must coincide with the total of the transfers amount '
                                '[payment_option_amount(in cent)=%s; total_tranfers_amount(in cent)=%s]'
                                % (option['amount'], total))

    def _store(self, organization, data, publish, previous=None):
        stamp = self._stamp()
        position = copy.deepcopy(data)
        position.update(organizationFiscalCode=organization, status='VALID' if publish else 'DRAFT',
                        insertedDate=(previous or {}).get('insertedDate', stamp), lastUpdatedDate=stamp)
        if publish:
            position.update(publishDate=stamp, validityDate=stamp)
        for option in position.get('paymentOption', []):
            option.setdefault('nav', '3' + option['iuv'])
            option.update(status='PO_UNPAID', organizationFiscalCode=organization, insertedDate=stamp)
            for t in option.get('transfer', []):
                t.update(status='T_UNREPORTED', organizationFiscalCode=organization)
        self.positions[organization, data['iupd']] = position
        return position

    def _find_option(self, organization, nav):
        for (org, _iupd), position in self.positions.items():
            for option in position.get('paymentOption', []):
                if org == organization and nav in (option.get('nav'), option['iuv']):
                    return position, option
        return None, None

    def _problem(self, status, title, detail):
        return status, {'title': title, 'status': status, 'detail': detail}

    @staticmethod
    def _model(position):
        """The PaymentPositionModel answer: the request model with its status."""
        answer = {key: value for key, value in position.items()
                  if key not in ('organizationFiscalCode', 'insertedDate', 'lastUpdatedDate', 'publishDate')}
        answer['paymentOption'] = [{
            key: value for key, value in option.items()
            if key in ('nav', 'iuv', 'amount', 'description', 'isPartialPayment', 'dueDate', 'transfer')
        } for option in position.get('paymentOption', [])]
        for option in answer['paymentOption']:
            option['transfer'] = [{k: v for k, v in t.items() if k != 'status'} for t in option['transfer']]
        return answer

    # ------------------------------------------------------------------ operations

    def _op_createPosition(self, params, query, body):
        organization = params['organizationfiscalcode']
        self._check_position(body, 'create')
        taken = {option_key for (org, _iupd), position in self.positions.items() if org == organization
                 for option in position.get('paymentOption', []) for option_key in (option['iuv'], option['nav'])}
        new = {key for option in body.get('paymentOption', []) for key in (option['iuv'], option.get('nav')) if key}
        if (organization, body['iupd']) in self.positions or taken & new:
            return self._problem(409, 'The debt position violated constraints of uniqueness',
                                 'Already exists a debt position for the Organization Fiscal Code %s or one of '
                                 'its payment options is not unique' % organization)
        position = self._store(organization, body, query.get('toPublish') == 'true')
        return 201, self._model(position)

    def _op_updatePosition(self, params, query, body):
        organization, iupd = params['organizationfiscalcode'], params['iupd']
        if body['iupd'] != iupd:
            raise Violation('the body names IUPD %r, the path %r' % (body['iupd'], iupd))
        current = self.positions.get((organization, iupd))
        if current is None:
            return self._problem(404, 'Not found the debt position', 'Not found a debt position for Organization '
                                 'Fiscal Code %s and IUPD %s' % (organization, iupd))
        self._check_position(body, 'update')
        if current['status'] in NOT_UPDATABLE:
            return self._problem(409, 'Existing related payment found or not in updatable state',
                                 'the debt position with Organization Fiscal Code %s and IUPD %s is not in '
                                 'updatable state' % (organization, iupd))
        position = self._store(organization, body, query.get('toPublish') == 'true', previous=current)
        return 200, self._model(position)

    def _op_getOrganizationDebtPositionByIUPD(self, params, query, body):
        position = self.positions.get((params['organizationfiscalcode'], params['iupd']))
        if position is None:
            return self._problem(404, 'Not found the debt position', 'Not found a debt position for Organization '
                                 'Fiscal Code %s and IUPD %s' % (params['organizationfiscalcode'], params['iupd']))
        answer = {key: position[key] for key in (
            'iupd', 'organizationFiscalCode', 'type', 'companyName', 'insertedDate', 'publishDate', 'validityDate',
            'paymentDate', 'status', 'lastUpdatedDate') if position.get(key) is not None}
        answer['paymentOption'] = [{key: option[key] for key in (
            'nav', 'iuv', 'organizationFiscalCode', 'amount', 'description', 'isPartialPayment', 'dueDate',
            'paymentDate', 'insertedDate', 'idReceipt', 'pspCompany', 'status', 'transfer') if key in option}
            for option in position.get('paymentOption', [])]
        return 200, answer

    def _op_deletePosition(self, params, query, body):
        key = (params['organizationfiscalcode'], params['iupd'])
        position = self.positions.get(key)
        if position is None:
            return self._problem(404, 'Not found the debt position', 'Not found a debt position for IUPD %s'
                                 % params['iupd'])
        if position['status'] in ALREADY_PAID:
            return self._problem(409, 'Existing related payment found', 'A payment transaction has already been '
                                 'carried out on the debt position with IUPD %s' % params['iupd'])
        del self.positions[key]
        return 200, 'OK'

    def _op_invalidatePosition(self, params, query, body):
        position = self.positions.get((params['organizationfiscalcode'], params['iupd']))
        if position is None:
            return self._problem(404, 'Not found the debt position', 'Not found a debt position for IUPD %s'
                                 % params['iupd'])
        if position['status'] in NOT_INVALIDABLE:
            return self._problem(409, 'Existing related payment found or not in invalidable state',
                                 'the debt position with IUPD %s is not in invalidable state' % params['iupd'])
        position.update(status='INVALID', lastUpdatedDate=self._stamp())
        return 200, self._model(position)

    def _op_setPaymentOptionAsAlreadyPaid(self, params, query, body):
        organization, nav = params['organizationfiscalcode'], params['nav']
        position, option = self._find_option(organization, nav)
        if option is None:
            return self._problem(404, 'Not found the payment option', 'Not found a payment option for '
                                 'Organization Fiscal Code %s and NAV %s' % (organization, nav))
        if position['status'] in ALREADY_PAID or option['status'] != 'PO_UNPAID':
            return self._problem(409, 'Existing related payment found', 'A payment transaction has already been '
                                 'carried out for the Organization Fiscal Code %s and NAV %s' % (organization, nav))
        if position['status'] != 'VALID':
            return self._problem(422, 'Not in payable state', 'The payment option with Organization Fiscal Code '
                                 '%s and NAV %s is not in payable state' % (organization, nav))
        paid_at = body.get('paymentDate') or self._stamp()
        option.update(status='PO_PAID', paymentDate=paid_at, idReceipt='NA', pspCompany='NA')
        position.update(status='PAID', paymentDate=paid_at, lastUpdatedDate=self._stamp())
        answer = {key: option[key] for key in ('nav', 'iuv', 'organizationFiscalCode', 'amount', 'description',
                                               'isPartialPayment', 'dueDate', 'paymentDate', 'idReceipt',
                                               'pspCompany', 'status', 'transfer')}
        return 200, answer


class _Handler(BaseHTTPRequestHandler):
    gpd = None
    protocol_version = 'HTTP/1.1'

    def _serve(self):
        length = int(self.headers.get('Content-Length') or 0)
        raw = self.rfile.read(length) if length else b''
        status, answer, extra = self.gpd.handle(self.command, self.path, self.headers, raw)
        payload = json.dumps(answer).encode() if answer is not None else b''
        try:
            self.send_response(status)
            if payload:
                self.send_header('Content-Type', 'application/json')
            self.send_header('Content-Length', str(len(payload)))
            self.send_header('X-Request-Id', self.headers.get('X-Request-Id') or 'gpd-test')
            for name, value in extra.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up waiting (a scripted timeout)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _serve

    def log_message(self, format, *args):  # noqa: A002 - http.server's signature
        pass
