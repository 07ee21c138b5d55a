"""pagoPA identifiers: the IUV and the 18-digit notice number (numero avviso).

A notice number is an aux digit followed by 17 digits:

- aux 3: ``3`` + segregation code (2) + IUV base (13) + check digits (2);
  the IUV is segregation code + base + check digits (17 digits);
- aux 0: ``0`` + application code (2) + IUV base (13) + check digits (2);
  the IUV is base + check digits (15 digits);
- aux 1: ``1`` + IUV (17 digits, no check digits).

The check digits are ``int(aux + code + base) % 93``, zero-padded to two digits.
pagoPA uses no aux digit 2.
"""
import re
from collections import namedtuple

from stdnum import exceptions as stdnum_exceptions
from stdnum.it import iva

AUX_DIGITS = ('0', '1', '3')
# segregation codes pagoPA keeps for its central services: never a creditor's own
RESERVED_SEGREGATION_CODES = frozenset({'99', '98', '97', '96', '85', '81', '47'})

NoticeNumber = namedtuple('NoticeNumber', 'notice aux code base check iuv')


class NoticeNumberError(ValueError):
    """A notice number, IUV part or creditor code that pagoPA would not accept."""


def _digits(value, length, what):
    if not isinstance(value, str) or not re.fullmatch(r'[0-9]{%d}' % length, value):
        raise NoticeNumberError('%s must be %d digits, got %r' % (what, length, value))
    return value


def check_digits(aux, code, base):
    """The two check digits of a notice number with aux digit 0 or 3."""
    if aux not in ('0', '3'):
        raise NoticeNumberError('only aux digits 0 and 3 carry check digits, got %r' % (aux,))
    _digits(code, 2, 'the segregation/application code')
    _digits(base, 13, 'the IUV base')
    return '%02d' % (int(aux + code + base) % 93)


def make_notice_number(aux, code, number):
    """``(notice number, IUV)`` of the ``number``-th position of a creditor.

    ``code`` is the segregation code (aux 3) or the application code (aux 0);
    aux 1 takes none. ``number`` is a non-negative integer that must fit the IUV
    base (13 digits; 17 for aux 1).
    """
    if aux not in AUX_DIGITS:
        raise NoticeNumberError('the aux digit must be one of %s, got %r' % (', '.join(AUX_DIGITS), aux))
    if not isinstance(number, int) or isinstance(number, bool) or number < 0:
        raise NoticeNumberError('the position number must be a non-negative integer, got %r' % (number,))
    if aux == '1':
        if number >= 10 ** 17:
            raise NoticeNumberError('position number %d does not fit a 17-digit IUV' % number)
        iuv = '%017d' % number
        return '1' + iuv, iuv
    if number >= 10 ** 13:
        raise NoticeNumberError('position number %d does not fit the 13-digit IUV base' % number)
    base = '%013d' % number
    check = check_digits(aux, code, base)
    notice = aux + code + base + check
    iuv = code + base + check if aux == '3' else base + check
    return notice, iuv


def parse_notice_number(notice):
    """Split a notice number (spaces allowed, as printed) into its parts.

    Raises :class:`NoticeNumberError` for a wrong length, an aux digit pagoPA does
    not use or wrong check digits.
    """
    if not isinstance(notice, str):
        raise NoticeNumberError('the notice number must be a string, got %r' % (notice,))
    notice = re.sub(r'\s', '', notice)
    _digits(notice, 18, 'the notice number')
    aux = notice[0]
    if aux == '1':
        return NoticeNumber(notice, aux, '', notice[1:], '', notice[1:])
    if aux not in ('0', '3'):
        raise NoticeNumberError('aux digit %s of notice number %s is not used by pagoPA' % (aux, notice))
    code, base, check = notice[1:3], notice[3:16], notice[16:]
    expected = check_digits(aux, code, base)
    if check != expected:
        raise NoticeNumberError('the check digits of notice number %s are %s, expected %s' % (notice, check, expected))
    iuv = code + base + check if aux == '3' else base + check
    return NoticeNumber(notice, aux, code, base, check, iuv)


def format_in_groups(notice):
    """The notice number as printed: groups of 4 digits."""
    notice = re.sub(r'\s', '', notice or '')
    return ' '.join(notice[i:i + 4] for i in range(0, len(notice), 4))


def check_segregation_code(code):
    _digits(code, 2, 'the segregation code')
    if code in RESERVED_SEGREGATION_CODES:
        raise NoticeNumberError('segregation code %s is reserved for pagoPA central services' % code)
    return code


def check_creditor_fiscal_code(code):
    """A creditor's fiscal code: 11 digits with the check digit of the Italian
    codice fiscale of bodies (the partita IVA algorithm)."""
    _digits(code, 11, 'the creditor fiscal code')
    try:
        iva.validate(code)
    except stdnum_exceptions.ValidationError as error:
        raise NoticeNumberError('%s is not a valid fiscal code (%s)' % (code, error.message)) from None
    return code
