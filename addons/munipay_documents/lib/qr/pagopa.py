"""pagoPA payment notice: ``PAGOPA|002|<notice number 18>|<creditor fiscal code 11>|<cents>``.

The notice number's check digits are a mod-93 remainder, which no library computes.
"""
import re

from .common import PayloadError, _digits, _require_int, _require_str

_PAGOPA_MAX_CENTS = 99999999999  # 999,999,999.99 EUR, the largest amount of the pagoPA schemas


def pagopa_check_digits(aux_digit, code, base):
    """The two check digits of a pagoPA notice number.

    ``(int(aux_digit + code + base) % 93)`` zero-padded to two digits, where ``code`` is the
    segregation code (aux digit 3) or the application code (aux digit 0) and ``base`` the
    13-digit IUV base.
    """
    _digits(_require_str(aux_digit, 'the aux digit'), 'the aux digit', 1)
    _digits(_require_str(code, 'the segregation/application code'), 'the segregation/application code', 2)
    _digits(_require_str(base, 'the IUV base'), 'the IUV base', 13)
    return '%02d' % (int(aux_digit + code + base) % 93)


def _check_notice_number(notice):
    _digits(notice, 'the notice number', 18)
    aux = notice[0]
    if aux in '03':
        expected = pagopa_check_digits(aux, notice[1:3], notice[3:16])
        if notice[16:] != expected:
            raise PayloadError('check_digits', 'the check digits of notice number %s are %s, expected %s'
                               % (notice, notice[16:], expected))
    elif aux not in '12':
        raise PayloadError('format', 'the aux digit of notice number %s must be 0, 1, 2 or 3' % notice)
    return notice


def _check_pagopa_amount(cents):
    if not 1 <= cents <= _PAGOPA_MAX_CENTS:
        raise PayloadError('amount_range', 'the pagoPA amount must be 1 to %d cents, got %d' % (_PAGOPA_MAX_CENTS, cents))
    return cents


def encode_pagopa(notice_number, fiscal_code, amount_cents):
    """``PAGOPA|002|<notice number>|<creditor fiscal code>|<amount in cents>``.

    Spaces in the notice number (it is printed in groups of 4) are dropped. The check
    digits of notice numbers with aux digit 0 or 3 are verified; aux 1 and 2 only need 18
    digits.
    """
    notice = re.sub(r'\s', '', _require_str(notice_number, 'the notice number'))
    _check_notice_number(notice)
    _digits(_require_str(fiscal_code, 'the creditor fiscal code'), 'the creditor fiscal code', 11)
    _check_pagopa_amount(_require_int(amount_cents, 'the pagoPA amount'))
    return 'PAGOPA|002|%s|%s|%d' % (notice, fiscal_code, amount_cents)


def decode_pagopa(payload):
    """Read a pagoPA notice payload: ``{'notice_number', 'fiscal_code', 'amount_cents'}``."""
    text = _require_str(payload, 'the pagoPA payload').strip()
    parts = text.split('|')
    if parts[0] != 'PAGOPA':
        raise PayloadError('standard', 'a pagoPA payload starts with PAGOPA|, got %r' % text[:20])
    if len(parts) < 5:
        raise PayloadError('field_missing', 'a pagoPA payload has 5 fields, got %d' % len(parts))
    if len(parts) > 5:
        raise PayloadError('format', 'a pagoPA payload has 5 fields, got %d' % len(parts))
    _tag, version, notice, fiscal_code, amount = parts
    if version != '002':
        raise PayloadError('standard', 'pagoPA payload version %r is not supported (002 is)' % version)
    _check_notice_number(notice)
    _digits(fiscal_code, 'the creditor fiscal code', 11)
    if not amount:
        raise PayloadError('field_missing', 'the pagoPA amount is missing')
    if not re.fullmatch(r'[0-9]+', amount):
        raise PayloadError('charset', 'the pagoPA amount is in cents, digits only, got %r' % amount)
    cents = _check_pagopa_amount(int(amount))
    return {'notice_number': notice, 'fiscal_code': fiscal_code, 'amount_cents': cents}
