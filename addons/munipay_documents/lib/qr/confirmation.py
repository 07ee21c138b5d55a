"""munipay's own signed receipt confirmation: a URL carrying an HMAC-SHA256.

The signature is made by a *signer*: the add-on passes one that uses the database
secret through Odoo's ``hmac`` helper; a plain text secret is taken as the HMAC key
(the pure tests use that).
"""
import datetime
import hashlib
import hmac
import re
from urllib.parse import parse_qs, quote, unquote, urlencode, urlsplit

from .common import PayloadError, _no_line_break, _require_int, _require_str

CONFIRMATION_PATH = '/munipay/verify/'
_CONFIRMATION_DOMAIN = 'munipay-confirmation-v1'
_SIGNATURE = re.compile(r'[0-9a-f]{64}')


def _confirmation_values(receipt_id, reference, amount_cents, date):
    receipt_id = _require_str(receipt_id, 'the receipt id')
    reference = _require_str(reference, 'the order reference', allow_none=True)
    if isinstance(date, (datetime.date, datetime.datetime)):
        date = date.isoformat()
    date = _require_str(date, 'the date')
    if not receipt_id:
        raise PayloadError('field_missing', 'the receipt id is missing')
    if not date:
        raise PayloadError('field_missing', 'the date is missing')
    for value, field in ((receipt_id, 'the receipt id'), (reference, 'the order reference'), (date, 'the date')):
        _no_line_break(value, field)
    cents = _require_int(amount_cents, 'the amount')
    if cents < 0:
        raise PayloadError('amount_range', 'the confirmed amount cannot be negative, got %d' % cents)
    return receipt_id, reference, cents, date


def confirmation_message(receipt_id, reference, amount_cents, date):
    """The text a confirmation signs: ``munipay-confirmation-v1``, the receipt id, the
    reference (may be empty), the amount in cents (decimal) and the date, joined by LF.

    None of the values may contain a line break, so the message is unambiguous. ``date``
    is signed as the text given (a ``date``/``datetime`` is taken as its ``isoformat()``).
    """
    receipt_id, reference, cents, date = _confirmation_values(receipt_id, reference, amount_cents, date)
    return '\n'.join([_CONFIRMATION_DOMAIN, receipt_id, reference, str(cents), date])


def _signer(secret):
    if callable(secret):
        return secret
    secret = _require_str(secret, 'the signing secret')
    if not secret:
        raise PayloadError('field_missing', 'the signing secret is missing')
    return lambda message: hmac.new(secret.encode('utf-8'), message.encode('utf-8'), hashlib.sha256).hexdigest()


def sign_confirmation(secret, receipt_id, reference, amount_cents, date):
    """The signature (64 lower-case hex digits) of a receipt confirmation.

    ``secret`` is either a callable ``signer(message) -> hex`` (the add-on's, keyed on the
    database secret) or a text used as the HMAC-SHA256 key.
    """
    signer = _signer(secret)
    signature = signer(confirmation_message(receipt_id, reference, amount_cents, date))
    if not isinstance(signature, str) or not _SIGNATURE.fullmatch(signature):
        raise PayloadError('format', 'a signer must return 64 lower-case hexadecimal digits')
    return signature


def split_url(text):
    """``urlsplit`` that raises PayloadError instead of ValueError (a broken IPv6 host)."""
    try:
        split = urlsplit(text)
        split.port  # noqa: B018 -- parsing the port raises on garbage
    except ValueError:
        raise PayloadError('format', 'the URL %r is malformed' % text[:60]) from None
    return split


def confirmation_host(url):
    """The host name a confirmation URL points to (lower case), or '' when there is none."""
    if not isinstance(url, str):
        return ''
    try:
        return (split_url(url.strip()).hostname or '').lower()
    except PayloadError:
        return ''


def confirmation_url(base_url, receipt_id, reference, amount_cents, date, secret):
    """``<base>/munipay/verify/<receipt id>?r=<reference>&a=<cents>&d=<date>&s=<signature>``.

    The receipt id is percent-encoded as one path segment (``/`` becomes ``%2F``).
    """
    base = _require_str(base_url, 'the base URL').rstrip('/')
    split = split_url(base)
    if split.scheme not in ('http', 'https') or not split.netloc or split.query or split.fragment:
        raise PayloadError('format', 'the base URL must be http(s)://host[/path] without query, got %r' % base_url)
    signature = sign_confirmation(secret, receipt_id, reference, amount_cents, date)
    if isinstance(date, (datetime.date, datetime.datetime)):
        date = date.isoformat()
    query = urlencode([('r', reference or ''), ('a', str(amount_cents)), ('d', date), ('s', signature)])
    return '%s%s%s?%s' % (base, CONFIRMATION_PATH, quote(receipt_id, safe=''), query)


def parse_confirmation_url(url):
    """Read a confirmation URL: ``{'receipt_id', 'reference', 'amount_cents', 'date', 'signature'}``.

    Does not check the signature (see :func:`verify_confirmation`).
    """
    url = _require_str(url, 'the confirmation URL').strip()
    split = split_url(url)
    if split.scheme not in ('http', 'https') or not split.netloc or CONFIRMATION_PATH not in split.path:
        raise PayloadError('format', 'a confirmation is an http(s) URL whose path contains %s, got %r'
                           % (CONFIRMATION_PATH, url[:60]))
    raw_id = split.path.split(CONFIRMATION_PATH, 1)[1]
    try:
        receipt_id = unquote(raw_id, errors='strict')
        query = parse_qs(split.query, keep_blank_values=True, strict_parsing=bool(split.query), errors='strict')
    except UnicodeDecodeError:
        raise PayloadError('charset', 'the confirmation URL is not valid UTF-8 once decoded') from None
    except ValueError:
        raise PayloadError('format', 'the query of the confirmation URL is malformed') from None
    if not receipt_id:
        raise PayloadError('field_missing', 'the confirmation URL has no receipt id')
    unknown = set(query) - {'r', 'a', 'd', 's'}
    if unknown:
        raise PayloadError('format', 'the confirmation URL has unexpected parameters %s' % ', '.join(sorted(unknown)))
    values = {}
    for key, field in (('r', 'the reference (r)'), ('a', 'the amount (a)'), ('d', 'the date (d)'), ('s', 'the signature (s)')):
        if key not in query:
            raise PayloadError('field_missing', 'the confirmation URL has no %s' % field)
        if len(query[key]) != 1:
            raise PayloadError('format', 'the confirmation URL carries %s more than once' % field)
        values[key] = query[key][0]
        _no_line_break(values[key], field)
    _no_line_break(receipt_id, 'the receipt id')
    if not re.fullmatch(r'0|[1-9][0-9]*', values['a']):
        raise PayloadError('format', 'the amount (a) is a whole number of cents without leading zeros, got %r' % values['a'])
    if not _SIGNATURE.fullmatch(values['s']):
        raise PayloadError('format', 'the signature (s) is 64 lower-case hexadecimal digits')
    return {'receipt_id': receipt_id, 'reference': values['r'], 'amount_cents': int(values['a']),
            'date': values['d'], 'signature': values['s']}


def verify_confirmation(secret, parsed):
    """True when ``parsed['signature']`` is the HMAC of the other values under ``secret``.

    A wrong signature, or values that could never have been signed (a line break, a
    negative or non-integer amount, an empty receipt id…), give False. A missing key or an
    empty secret raise PayloadError (a programming or configuration error).
    """
    signer = _signer(secret)
    for key in ('receipt_id', 'reference', 'amount_cents', 'date', 'signature'):
        if key not in parsed:
            raise PayloadError('field_missing', 'the parsed confirmation has no %s' % key)
    signature = parsed['signature']
    if not isinstance(signature, str) or not signature.isascii():
        return False
    try:
        expected = sign_confirmation(signer, parsed['receipt_id'], parsed['reference'], parsed['amount_cents'],
                                     parsed['date'])
    except PayloadError:
        return False
    return hmac.compare_digest(expected, signature)
