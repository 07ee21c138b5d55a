"""pagoPA's debt position service (GPD, "debt-positions-service" v1, REST/JSON):
the position munipay sends for an order, a small HTTP client, and the steps of
each operation, written so that running one again is harmless (idempotent by
IUPD: a create that meets 409 reads the position and updates it instead).

Pure Python (requests), no ORM. Amounts are integer euro cents; a position has
one payment option (isPartialPayment false) with 1 to 5 transfers (idTransfer
"1".."5") that add up to it, each paid into an IBAN (optionally with a postal
IBAN) or with a digital stamp, never both. Errors are ProblemJson
{title, status, detail}.
"""
import datetime
import re
import uuid
from urllib.parse import quote

import requests

STATUSES = ('DRAFT', 'PUBLISHED', 'VALID', 'INVALID', 'EXPIRED', 'PARTIALLY_PAID', 'PAID', 'REPORTED')
# GPD refuses to update INVALID, PARTIALLY_PAID, PAID and REPORTED positions (409)
UPDATABLE = frozenset({'DRAFT', 'PUBLISHED', 'VALID', 'EXPIRED'})
PAID = frozenset({'PARTIALLY_PAID', 'PAID', 'REPORTED'})
OPERATIONS = ('publish', 'update', 'invalidate', 'paid', 'read')
MAX_TRANSFERS = 5
MAX_TEXT = 140
TRANSIENT_STATUSES = frozenset({429, 500, 502, 503, 504})

_IBAN_RE = re.compile(r'[A-Za-z0-9]{1,35}')
_COUNTRY_RE = re.compile(r'[A-Z]{2}')
_EMAIL_RE = re.compile(r'[A-Za-z0-9_.+\-]+@[A-Za-z0-9\-]+(\.[A-Za-z0-9\-]+)+')
_IUPD_RE = re.compile(r'[\w\-]{1,256}', re.ASCII)


class GpdError(Exception):
    """A call GPD did not accept, or could not be made.

    ``kind``: 'transient' (timeout, connection, 429, 5xx: try again later),
    'conflict' (409), 'not_found' (404), 'rejected' (any other answer: fix the
    data or the settings), 'payload' (munipay would send something GPD forbids),
    'error' (munipay failed).
    """

    def __init__(self, kind, message, status=None, title=None, detail=None, request_id=None, retry_after=None):
        super().__init__(message)
        self.kind = kind
        self.status = status
        self.title = title
        self.detail = detail
        self.request_id = request_id
        self.retry_after = retry_after

    @property
    def transient(self):
        return self.kind == 'transient'


def _payload_error(message):
    return GpdError('payload', message)


# ---------------------------------------------------------------------- the position

def iupd_for(fiscal_code, iuv):
    """The IUPD of an order's position: the creditor's fiscal code and the IUV,
    both unique for ever, so a retried create names the same position."""
    iupd = '%s-%s' % (fiscal_code, iuv)
    if not _IUPD_RE.fullmatch(iupd):
        raise _payload_error('no IUPD can be made from %r and %r' % (fiscal_code, iuv))
    return iupd


def format_datetime(moment):
    """A naive UTC datetime as GPD reads it (its times are UTC)."""
    if not isinstance(moment, datetime.datetime) or moment.tzinfo is not None:
        raise _payload_error('GPD times are naive UTC datetimes, got %r' % (moment,))
    return moment.replace(microsecond=0).isoformat() + 'Z'


def _text(value, limit=MAX_TEXT):
    return ' '.join(str(value or '').split())[:limit]


def _cents(value, what):
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise _payload_error('%s must be a positive number of cents, got %r' % (what, value))
    return value


def transfer(index, transfer_vals):
    """One transfer of the option: ``transfer_vals`` has amount (cents), category,
    remittance, and iban (with an optional postal_iban) or stamp (hash, type, province)."""
    iban, stamp = transfer_vals.get('iban'), transfer_vals.get('stamp')
    if bool(iban) == bool(stamp):
        raise _payload_error('transfer %d needs an IBAN or a digital stamp, not both and not neither' % index)
    category = _text(transfer_vals.get('category'))
    remittance = _text(transfer_vals.get('remittance'))
    if not category or not remittance:
        raise _payload_error('transfer %d needs a taxonomy category and a remittance text' % index)
    data = {
        'idTransfer': str(index),
        'amount': _cents(transfer_vals.get('amount'), 'the amount of transfer %d' % index),
        'remittanceInformation': remittance,
        'category': category,
    }
    if iban:
        if not _IBAN_RE.fullmatch(iban):
            raise _payload_error('transfer %d: %r is not an IBAN GPD accepts' % (index, iban))
        data['iban'] = iban
        postal = transfer_vals.get('postal_iban')
        if postal:
            if not _IBAN_RE.fullmatch(postal):
                raise _payload_error('transfer %d: %r is not a postal IBAN GPD accepts' % (index, postal))
            data['postalIban'] = postal
    else:
        if transfer_vals.get('postal_iban'):
            raise _payload_error('transfer %d: a postal IBAN goes with an IBAN, never with a stamp' % index)
        if not (stamp.get('hash') and len(stamp.get('type') or '') == 2
                and _COUNTRY_RE.fullmatch(stamp.get('province') or '')):
            raise _payload_error('transfer %d: a stamp has a document hash, a 2-character type and a province'
                                 % index)
        data['stamp'] = {'hashDocument': stamp['hash'][:72], 'stampType': stamp['type'],
                         'provincialResidence': stamp['province']}
    if transfer_vals.get('company_name'):
        data['companyName'] = _text(transfer_vals['company_name'])
    return data


def position(iupd, debtor, company_name, option, switch_to_expired=False):
    """The PaymentPositionModel of an order: one payment option, 1 to 5 transfers.

    ``debtor``: type (F/G), fiscal_code, name, and optionally street, postal_code,
    city, province, country, email (only what munipay may share). ``option``: iuv,
    nav, amount (cents), description, due (naive UTC datetime), transfers.
    """
    if debtor.get('type') not in ('F', 'G'):
        raise _payload_error('the debtor is F (a person) or G (an organisation), got %r' % (debtor.get('type'),))
    fiscal_code, full_name = _text(debtor.get('fiscal_code'), 35), _text(debtor.get('name'))
    if not fiscal_code or not full_name:
        raise _payload_error('the debtor needs a fiscal code and a name')
    if not _text(company_name):
        raise _payload_error('the position needs the creditor\'s name')
    transfers = option.get('transfers') or []
    if not 1 <= len(transfers) <= MAX_TRANSFERS:
        raise _payload_error('a payment option has 1 to %d transfers, got %d' % (MAX_TRANSFERS, len(transfers)))
    amount = _cents(option.get('amount'), 'the amount of the payment option')
    transfer_data = [transfer(index, vals) for index, vals in enumerate(transfers, start=1)]
    if sum(t['amount'] for t in transfer_data) != amount:
        raise _payload_error('the transfers add up to %d cents, the payment option is %d'
                             % (sum(t['amount'] for t in transfer_data), amount))
    description = _text(option.get('description'))
    if not description or not option.get('iuv'):
        raise _payload_error('the payment option needs an IUV and a description')
    payment_option = {
        'iuv': option['iuv'],
        'amount': amount,
        'description': description,
        'isPartialPayment': False,
        'dueDate': format_datetime(option['due']),
        'transfer': transfer_data,
    }
    if option.get('nav'):
        payment_option['nav'] = option['nav']
    data = {
        'iupd': iupd,
        'type': debtor['type'],
        'fiscalCode': fiscal_code,
        'fullName': full_name,
        'companyName': _text(company_name),
        'switchToExpired': bool(switch_to_expired),
        'paymentOption': [payment_option],
    }
    for key, field in (('street', 'streetName'), ('postal_code', 'postalCode'), ('city', 'city'),
                       ('province', 'province')):
        if _text(debtor.get(key)):
            data[field] = _text(debtor[key])
    if debtor.get('country') and _COUNTRY_RE.fullmatch(debtor['country']):
        data['country'] = debtor['country']
    if debtor.get('email') and _EMAIL_RE.fullmatch(debtor['email'].strip()):
        data['email'] = debtor['email'].strip()
    return data


# ---------------------------------------------------------------------- retries

def backoff_delay(attempt, retry_after=None, base=60, cap=6 * 3600):
    """Seconds to wait before try number ``attempt + 1`` after ``attempt`` failures:
    base × 2^(attempt − 1), at most ``cap``, never less than GPD's Retry-After."""
    delay = min(cap, base * 2 ** max(attempt - 1, 0))
    if retry_after:
        delay = max(delay, min(int(retry_after), cap))
    return delay


def _retry_after(response):
    value = (response.headers.get('Retry-After') or '').strip()
    return int(value) if value.isdigit() else None


# ---------------------------------------------------------------------- the client

class Client:
    """GPD's debt positions of one creditor (``organization``, its fiscal code)."""

    def __init__(self, base_url, key, organization, timeout=20.0, session=None):
        if not base_url or not key:
            raise GpdError('rejected', 'the GPD endpoint and subscription key are not set')
        self.base_url = base_url.rstrip('/')
        self.key = key
        self.organization = organization
        self.timeout = timeout
        self.session = session or requests.Session()

    def _url(self, *parts):
        return '/'.join([self.base_url, 'organizations', quote(self.organization, safe='')]
                        + [quote(part, safe='') for part in parts])

    def _call(self, method, url, params=None, body=None):
        request_id = str(uuid.uuid4())
        headers = {'Ocp-Apim-Subscription-Key': self.key, 'Accept': 'application/json', 'X-Request-Id': request_id}
        try:
            response = self.session.request(method, url, params=params, json=body, headers=headers,
                                            timeout=self.timeout)
        except requests.Timeout:
            raise GpdError('transient', 'GPD did not answer in time', request_id=request_id) from None
        except requests.RequestException as error:
            raise GpdError('transient', 'GPD could not be reached: %s' % error.__class__.__name__,
                           request_id=request_id) from None
        try:
            data = response.json() if response.content else {}
        except ValueError:
            data = {}
        if response.status_code in (200, 201):
            return data
        problem = data if isinstance(data, dict) else {}
        title, detail = problem.get('title'), problem.get('detail')
        status = response.status_code
        if status in TRANSIENT_STATUSES:
            kind = 'transient'
        else:
            kind = {409: 'conflict', 404: 'not_found'}.get(status, 'rejected')
        message = 'GPD answered %d%s%s' % (status, ': %s' % title if title else '', ' (%s)' % detail if detail else '')
        raise GpdError(kind, message, status=status, title=title, detail=detail,
                       request_id=response.headers.get('X-Request-Id') or request_id,
                       retry_after=_retry_after(response))

    def create(self, data, publish=True):
        return self._call('POST', self._url('debtpositions'), params={'toPublish': 'true' if publish else 'false'},
                          body=data)

    def update(self, data, publish=True):
        return self._call('PUT', self._url('debtpositions', data['iupd']),
                          params={'toPublish': 'true' if publish else 'false'}, body=data)

    def get(self, iupd):
        return self._call('GET', self._url('debtpositions', iupd))

    def delete(self, iupd):
        return self._call('DELETE', self._url('debtpositions', iupd))

    def invalidate(self, iupd):
        return self._call('POST', self._url('debtpositions', iupd, 'invalidate'))

    def mark_paid(self, nav, paid_at):
        return self._call('POST', self._url('paymentoptions', 'paids', nav),
                          body={'paymentDate': format_datetime(paid_at)})


# ---------------------------------------------------------------------- operations

class Outcome:
    """Where a position stands after an operation: its GPD ``status`` (None: not
    on GPD) and a ``note`` code worth telling the officer, or None."""

    def __init__(self, status, note=None):
        self.status = status
        self.note = note

    def __repr__(self):
        return 'Outcome(%r, %r)' % (self.status, self.note)


def _status(answer, client, iupd):
    status = answer.get('status') if isinstance(answer, dict) else None
    return status if status in STATUSES else client.get(iupd).get('status')


def publish(client, data):
    """Create and publish; a position already there (an earlier try GPD did carry
    out) is read, and updated while GPD still lets it change."""
    try:
        return Outcome(_status(client.create(data), client, data['iupd']))
    except GpdError as error:
        if error.kind != 'conflict':
            raise
    try:
        current = client.get(data['iupd'])
    except GpdError as error:
        if error.kind != 'not_found':
            raise
        raise GpdError('rejected', 'GPD already has another position with IUV %s'
                       % data['paymentOption'][0]['iuv'], status=409) from None
    if current.get('status') in UPDATABLE:
        return Outcome(_status(client.update(data), client, data['iupd']), 'existed')
    return Outcome(current.get('status'), 'final')


def update(client, data):
    """Send the position's new content; one GPD does not have is created."""
    try:
        return Outcome(_status(client.update(data), client, data['iupd']))
    except GpdError as error:
        if error.kind == 'not_found':
            return publish(client, data)
        if error.kind != 'conflict':
            raise
    return Outcome(client.get(data['iupd']).get('status'), 'final')


def invalidate(client, iupd):
    """Nobody can pay the position any more: invalidated, or deleted while a draft."""
    try:
        return Outcome(_status(client.invalidate(iupd), client, iupd))
    except GpdError as error:
        if error.kind == 'not_found':
            return Outcome(None, 'missing')
        if error.kind != 'conflict':
            raise
    status = client.get(iupd).get('status')
    if status == 'DRAFT':
        client.delete(iupd)
        return Outcome(None, 'deleted')
    return Outcome(status, None if status in ('INVALID', 'EXPIRED') else 'final')


def mark_paid(client, iupd, nav, paid_at):
    """The order was paid outside pagoPA: GPD's "already paid" for its option."""
    try:
        client.mark_paid(nav, paid_at)
    except GpdError as error:
        if error.kind == 'not_found':
            return Outcome(None, 'missing')
        if not (error.kind == 'conflict' or error.status == 422):
            raise
        status = client.get(iupd).get('status')
        return Outcome(status, None if status in PAID else 'not_payable')
    return Outcome(client.get(iupd).get('status'))


def read(client, iupd):
    try:
        return Outcome(client.get(iupd).get('status'))
    except GpdError as error:
        if error.kind != 'not_found':
            raise
        return Outcome(None, 'missing')


def run(client, operation, iupd, data=None, nav=None, paid_at=None):
    """Carry out ``operation`` (one of :data:`OPERATIONS`) for the position ``iupd``."""
    if operation == 'publish':
        return publish(client, data)
    if operation == 'update':
        return update(client, data)
    if operation == 'invalidate':
        return invalidate(client, iupd)
    if operation == 'paid':
        return mark_paid(client, iupd, nav, paid_at)
    if operation == 'read':
        return read(client, iupd)
    raise ValueError('unknown GPD operation %r' % (operation,))
