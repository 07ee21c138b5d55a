"""The two kinds of billing system munipay talks to: a REST/JSON service (requests)
and a SOAP service described by a WSDL (zeep, through Odoo's wrapper). Both look an
account up and post one payment, named by munipay's idempotency key, and report
what went wrong as a :class:`BillingError` whose ``kind`` tells the caller what to do.
"""
from urllib.parse import quote

import requests
from lxml import etree

from odoo.tools import zeep
from odoo.tools.zeep.exceptions import Error as ZeepError, Fault, TransportError, XMLParseError
from odoo.tools.zeep.exceptions import ValidationError as ZeepValidationError

from . import mapping as mp

# kinds of BillingError
TRANSIENT = 'transient'      # timeout, connection, 5xx, unreadable answer to a post: try again later
DUPLICATE = 'duplicate'      # the remote already has this idempotency key: the payment is there
                             # (of a reversal: the payment is reversed already)
REJECTED = 'rejected'        # 4xx, a client fault: will not work by trying again
NOT_FOUND = 'not_found'      # no such account (of a reversal: no such payment)
MALFORMED = 'malformed'      # an answer the mapping cannot read
CONFIG = 'config'            # the system's settings are incomplete or wrong

MAX_REASON = 300


class BillingError(Exception):
    def __init__(self, kind, message, status=None):
        super().__init__(message)
        self.kind = kind
        self.status = status

    @property
    def transient(self):
        return self.kind == TRANSIENT


def _short(text):
    return ' '.join(str(text or '').split())[:MAX_REASON]


def _session(auth):
    """A requests session carrying the system's credentials: ``auth`` is
    ('basic', user, password), ('token', header, key) or None."""
    session = requests.Session()
    if auth and auth[0] == 'basic':
        session.auth = (auth[1] or '', auth[2] or '')
    elif auth and auth[0] == 'token':
        header, key = auth[1] or 'Authorization', auth[2] or ''
        session.headers[header] = 'Bearer %s' % key if header.lower() == 'authorization' else key
    return session


class RestClient:
    """``mapping`` keys: account, holder, amount_due, amount, reference, payment_key,
    payment_id (JSON paths), error_code (a JSON path or empty), duplicate (the error code
    meaning "already have this key"), unknown (the error code meaning "no such payment",
    besides HTTP 404, in the answer to a reversal)."""

    def __init__(self, base_url, lookup_path, payment_path, mapping, timeout, auth=None, reversal_path=None):
        if not base_url:
            raise BillingError(CONFIG, 'no base URL')
        self.base_url = base_url.rstrip('/')
        self.lookup_path = (lookup_path or '').lstrip('/')
        self.payment_path = (payment_path or '').lstrip('/')
        self.reversal_path = (reversal_path or '').lstrip('/')
        self.mapping = mapping
        self.timeout = timeout
        self.session = _session(auth)

    def _request(self, method, url, **kwargs):
        try:
            return self.session.request(method, url, timeout=self.timeout, **kwargs)
        except requests.Timeout:
            raise BillingError(TRANSIENT, 'no answer within %s s' % self.timeout) from None
        except requests.RequestException as error:
            raise BillingError(TRANSIENT, 'unreachable (%s)' % error.__class__.__name__) from None

    def _json(self, response):
        try:
            return response.json()
        except ValueError:
            raise BillingError(MALFORMED, 'the answer is not JSON: %r' % response.text[:80],
                               response.status_code) from None

    def _error(self, response):
        status = response.status_code
        try:
            body = response.json()
        except ValueError:
            body = None
        code = None
        if isinstance(body, dict) and self.mapping.get('error_code'):
            try:
                code = mp.get_path(body, self.mapping['error_code'])
            except mp.MappingError:
                code = None
        duplicate = (self.mapping.get('duplicate') or '').strip().lower()
        if status == 409 or (400 <= status < 500 and duplicate and str(code or '').strip().lower() == duplicate):
            return BillingError(DUPLICATE, 'already received (HTTP %d)' % status, status)
        reason = code
        if isinstance(body, dict):
            reason = next((body[key] for key in ('detail', 'message', 'error', 'title') if body.get(key)), code)
        text = 'HTTP %d%s' % (status, ': %s' % _short(reason) if reason else '')
        if status >= 500 or status in (408, 429):
            return BillingError(TRANSIENT, text, status)
        unknown = (self.mapping.get('unknown') or '').strip().lower()
        if status == 404 or (400 <= status < 500 and unknown and str(code or '').strip().lower() == unknown):
            return BillingError(NOT_FOUND, text, status)
        return BillingError(REJECTED, text, status)

    def lookup(self, number):
        if '{account}' not in self.lookup_path:
            raise BillingError(CONFIG, 'the lookup path has no {account}')
        url = '%s/%s' % (self.base_url, self.lookup_path.replace('{account}', quote(number, safe='')))
        response = self._request('GET', url, headers={'Accept': 'application/json'})
        if response.status_code != 200:
            raise self._error(response)
        data = self._json(response)
        try:
            return {
                'holder': mp.text_value(mp.get_path(data, self.mapping['holder']), self.mapping['holder']),
                'amount_due_cents': mp.cents_value(mp.get_path(data, self.mapping['amount_due'])),
            }
        except mp.MappingError as error:
            raise BillingError(MALFORMED, str(error)) from None

    def _send_payment(self, path, body, key):
        """POST a payment or reversal named by ``key``; the id the system gave it."""
        response = self._request('POST', '%s/%s' % (self.base_url, path), json=body,
                                 headers={'Accept': 'application/json', 'Idempotency-Key': key})
        if not 200 <= response.status_code < 300:
            raise self._error(response)
        try:
            # the remote may have the payment: an answer we cannot read is asked again (same key)
            remote_id = mp.get_path(self._json(response), self.mapping['payment_id'])
        except (BillingError, mp.MappingError) as error:
            raise BillingError(TRANSIENT, 'unreadable answer to a payment: %s' % error) from None
        return {'remote_id': _short(remote_id)}

    def post(self, account, cents, reference, key):
        body = {}
        try:
            for field, value in (('account', account), ('amount', cents), ('reference', reference),
                                 ('payment_key', key)):
                mp.set_path(body, self.mapping[field], value)
        except mp.MappingError as error:
            raise BillingError(CONFIG, str(error)) from None
        return self._send_payment(self.payment_path, body, key)

    def reverse(self, original_key, remote_id, key):
        """Take back the payment posted under ``original_key`` (the system's id for it:
        ``remote_id``, may be empty); the reversal is named by its own ``key``."""
        path = self.reversal_path
        if '{payment_key}' not in path and '{payment_id}' not in path:
            raise BillingError(CONFIG, 'the reversal path names neither {payment_key} nor {payment_id}')
        if '{payment_id}' in path and not remote_id:
            raise BillingError(CONFIG, 'the reversal path needs the payment id, which the system never gave')
        path = path.replace('{payment_key}', quote(original_key, safe='')).replace(
            '{payment_id}', quote(remote_id or '', safe=''))
        try:
            body = mp.set_path({}, self.mapping['payment_key'], key)
        except mp.MappingError as error:
            raise BillingError(CONFIG, str(error)) from None
        return self._send_payment(path, body, key)

    def ping(self):
        response = self._request('GET', self.base_url + '/')
        if response.status_code in (401, 403) or response.status_code >= 500:
            raise self._error(response)
        return response.status_code


class SoapClient:
    """``mapping`` keys as for REST, as element names; the request elements are the
    operation's parameters, the answer's are looked up anywhere in it."""

    def __init__(self, wsdl_url, lookup_operation, payment_operation, mapping, timeout, auth=None,
                 reversal_operation=None):
        if not wsdl_url:
            raise BillingError(CONFIG, 'no WSDL URL')
        self.mapping = mapping
        self.lookup_operation = lookup_operation
        self.payment_operation = payment_operation
        self.reversal_operation = reversal_operation
        try:
            client = zeep.Client(wsdl_url, timeout=timeout, operation_timeout=timeout, session=_session(auth))
        except requests.Timeout:
            raise BillingError(TRANSIENT, 'the WSDL did not come within %s s' % timeout) from None
        except requests.RequestException as error:
            raise BillingError(TRANSIENT, 'the WSDL is unreachable (%s)' % error.__class__.__name__) from None
        except (ZeepError, etree.XMLSyntaxError, ValueError) as error:
            raise BillingError(CONFIG, 'the WSDL cannot be read: %s' % _short(error)) from None
        self.service = client.service  # at the address the WSDL gives
        self.timeout = timeout

    def operations(self):
        return set(vars(self.service))

    def _call(self, operation, params):
        if operation not in self.operations():
            raise BillingError(CONFIG, 'the WSDL has no operation %r' % operation)
        try:
            answer = self.service[operation](**params)
        except (TypeError, ZeepValidationError) as error:
            # zeep builds the request from the WSDL before sending: the mapping names elements it has not
            raise BillingError(CONFIG, 'the request does not fit the WSDL: %s' % _short(error)) from None
        except Fault as fault:
            detail = etree.tostring(fault.detail, encoding='unicode', method='text') if fault.detail is not None else ''
            text = ' '.join(filter(None, [fault.code or '', fault.message or '', detail]))
            duplicate = (self.mapping.get('duplicate') or '').strip().lower()
            if duplicate and duplicate in text.lower():
                raise BillingError(DUPLICATE, 'already received (%s)' % _short(fault.message)) from None
            unknown = (self.mapping.get('unknown') or '').strip().lower()
            if unknown and operation == self.reversal_operation and unknown in text.lower():
                raise BillingError(NOT_FOUND, 'SOAP fault %s: %s' % (fault.code, _short(fault.message))) from None
            code = (fault.code or '').rsplit(':', 1)[-1].rsplit('}', 1)[-1].lower()
            kind = REJECTED if code in ('client', 'sender') else TRANSIENT
            raise BillingError(kind, 'SOAP fault %s: %s' % (fault.code, _short(fault.message))) from None
        except requests.Timeout:
            raise BillingError(TRANSIENT, 'no answer within %s s' % self.timeout) from None
        except requests.RequestException as error:
            raise BillingError(TRANSIENT, 'unreachable (%s)' % error.__class__.__name__) from None
        except TransportError as error:
            status = error.status_code or 500
            if status < 300:  # zeep could not parse a successful answer
                raise BillingError(MALFORMED, 'the answer is not SOAP: %s' % _short(error.message)) from None
            kind = REJECTED if 400 <= status < 500 else TRANSIENT
            raise BillingError(kind, 'HTTP %s' % status, status) from None
        except (XMLParseError, etree.XMLSyntaxError) as error:
            raise BillingError(MALFORMED, 'the answer is not SOAP: %s' % _short(error)) from None
        except (ZeepError, ValueError) as error:
            raise BillingError(MALFORMED, 'the answer does not fit the WSDL: %s' % _short(error)) from None
        return _plain(answer)

    def lookup(self, number):
        answer = self._call(self.lookup_operation, {self.mapping['account']: number})
        try:
            return {
                'holder': mp.text_value(mp.find_element(answer, self.mapping['holder']), self.mapping['holder']),
                'amount_due_cents': mp.cents_value(mp.find_element(answer, self.mapping['amount_due'])),
            }
        except mp.MappingError as error:
            raise BillingError(MALFORMED, str(error)) from None

    def post(self, account, cents, reference, key):
        params = {self.mapping['account']: account, self.mapping['amount']: cents,
                  self.mapping['reference']: reference, self.mapping['payment_key']: key}
        return self._send_payment(self.payment_operation, params)

    def reverse(self, original_key, remote_id, key):
        """Take back the payment posted under ``original_key``; the reversal is named by
        its own ``key`` (the system's id of the payment is not part of the request)."""
        if not self.reversal_operation:
            raise BillingError(CONFIG, 'no reversal operation')
        params = {self.mapping['original_key']: original_key, self.mapping['payment_key']: key}
        return self._send_payment(self.reversal_operation, params)

    def _send_payment(self, operation, params):
        try:
            answer = self._call(operation, params)
        except BillingError as error:
            if error.kind == MALFORMED:
                raise BillingError(TRANSIENT, 'unreadable answer to a payment: %s' % error) from None
            raise
        try:
            return {'remote_id': _short(mp.find_element(answer, self.mapping['payment_id']))}
        except mp.MappingError as error:
            raise BillingError(TRANSIENT, 'unreadable answer to a payment: %s' % error) from None

    def ping(self):
        missing = {self.lookup_operation, self.payment_operation, self.reversal_operation} - {None} \
            - self.operations()
        if missing:
            raise BillingError(CONFIG, 'the WSDL has no operation %s' % ', '.join(sorted(missing)))
        return True


def _plain(value):
    """zeep's answer (serialised objects) as dicts and lists."""
    if hasattr(value, 'items') and not isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value
