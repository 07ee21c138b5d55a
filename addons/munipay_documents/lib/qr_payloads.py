"""Payloads of payment QR codes: build them, read them back, tell them apart.

Pure Python (standard library only): no ORM and no QR rendering here; the add-on
renders the strings this module returns, and the project's fast tests load this
file by path.

Standards
=========
* ``pagopa``  — Italian payment notice: ``PAGOPA|002|<notice 18>|<fiscal code 11>|<cents>``.
* ``epc``     — EPC069-12 SEPA credit transfer ("GiroCode"), versions 001 and 002.
* ``zbp``     — Polish bank-transfer code (ZBP 2013 recommendation).
* ``gost``    — Russian payment code (GOST R 56042-2014), ``ST0001`` header.
* ``confirmation`` — munipay's own signed receipt confirmation (a URL with an HMAC-SHA256).

Errors
======
Every violated rule raises :class:`PayloadError` (a ``ValueError``) whose ``code`` is one of:

``standard``      the payload is not of the expected standard, or uses a version / service
                  this module does not support (wrong header, EPC version 003, service ≠ SCT);
``format``        the structure is wrong: number of fields, amount syntax, BIC or IBAN shape,
                  a non-integer amount, a reference that is not ``RF…``, both an EPC
                  reference and an EPC text, a country other than PL in a ZBP code, a
                  malformed confirmation URL;
``field_missing`` a mandatory field is empty or absent;
``length``        the whole payload is too long (EPC 331 bytes, ZBP 160 characters) or a
                  fixed-length identifier has the wrong number of characters (notice number,
                  fiscal code, NIP, NRB, BIC, accounts, EPC purpose, ZBP amount);
``field_length``  a free-text field is longer than its maximum;
``charset``       a character that the field or the chosen character set cannot carry
                  (a letter in a numeric field, a line break, ``|`` in a GOST value, a
                  Cyrillic letter missing from KOI8-R, invalid UTF-8, an unknown charset code);
``check_digits``  a checksum does not hold (pagoPA mod 93, IBAN/NRB mod 97, ISO 11649
                  RF reference, NIP);
``amount_range``  an amount outside what the standard can carry.

``str(error)`` is an English sentence naming the field.
"""
import datetime
import hashlib
import hmac
import importlib.util
import pathlib
import re
import sys
from urllib.parse import parse_qs, quote, unquote, urlencode, urlsplit

if __name__.startswith('odoo.addons.'):
    from odoo.addons.munipay_base.lib import references
else:  # the pure tests load this file by path, without Odoo: do not import odoo at all
    _REFERENCES_NAME = 'munipay_base_references'
    references = sys.modules.get(_REFERENCES_NAME)
    if references is None:
        _spec = importlib.util.spec_from_file_location(
            _REFERENCES_NAME,
            pathlib.Path(__file__).resolve().parents[2] / 'munipay_base' / 'lib' / 'references.py')
        references = importlib.util.module_from_spec(_spec)
        _spec.loader.exec_module(references)
        sys.modules[_REFERENCES_NAME] = references


class PayloadError(ValueError):
    """A payload (or a value to put in one) breaks a rule of its standard.

    ``code`` is a short machine code (see the module docstring), ``str(error)`` an English
    explanation naming the field.
    """

    def __init__(self, code, message):
        super().__init__(message)
        self.code = code
        self.message = message

    def __reduce__(self):
        return (type(self), (self.code, self.message))

    def __repr__(self):
        return 'PayloadError(%r, %r)' % (self.code, self.message)


# ------------------------------------------------------------------ shared checks

def _require_str(value, field, allow_none=False):
    if value is None and allow_none:
        return ''
    if not isinstance(value, str):
        raise PayloadError('format', '%s must be text, got %s' % (field, type(value).__name__))
    return value


def _require_int(value, field):
    if isinstance(value, bool) or not isinstance(value, int):
        raise PayloadError('format', '%s must be a whole number of cents, got %r' % (field, value))
    return value


def _digits(value, field, length):
    """Check that ``value`` is exactly ``length`` ASCII digits."""
    if not value:
        raise PayloadError('field_missing', '%s is missing' % field)
    if not re.fullmatch(r'[0-9]*', value):
        raise PayloadError('charset', '%s may contain digits only, got %r' % (field, value))
    if len(value) != length:
        raise PayloadError('length', '%s must have %d digits, got %d: %r' % (field, length, len(value), value))
    return value


def _no_line_break(value, field):
    if '\n' in value or '\r' in value:
        raise PayloadError('charset', '%s may not contain a line break' % field)
    return value


def _max_length(value, field, maximum):
    if len(value) > maximum:
        raise PayloadError('field_length', '%s is %d characters long, at most %d are allowed'
                           % (field, len(value), maximum))
    return value


def _iban_remainder(iban):
    return int(''.join(str(int(ch, 36)) for ch in iban[4:] + iban[:4])) % 97


def _check_iban(value, field='IBAN'):
    """Return the compact upper-case IBAN, or raise."""
    iban = re.sub(r'\s', '', value or '').upper()
    if not iban:
        raise PayloadError('field_missing', '%s is missing' % field)
    if not re.fullmatch(r'[A-Z]{2}[0-9]{2}[0-9A-Z]+', iban):
        raise PayloadError('format', '%s must be a country code, two check digits and letters or digits, got %r'
                           % (field, value))
    if not 15 <= len(iban) <= 34:
        raise PayloadError('length', '%s must have 15 to 34 characters, got %d' % (field, len(iban)))
    if _iban_remainder(iban) != 1:
        raise PayloadError('check_digits', 'the check digits of %s %s do not hold (mod 97)' % (field, iban))
    return iban


# ------------------------------------------------------------------ pagoPA

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


# ------------------------------------------------------------------ EPC069-12

EPC_MAX_BYTES = 331
_EPC_MAX_CENTS = 99999999999  # 999,999,999.99 EUR
# charset codes of EPC069-12; this module writes 1 (UTF-8) and reads them all
_EPC_CHARSETS = {'1': 'utf-8', '2': 'iso-8859-1', '3': 'iso-8859-2', '4': 'iso-8859-4',
                 '5': 'iso-8859-5', '6': 'iso-8859-7', '7': 'iso-8859-10', '8': 'iso-8859-15'}


def _check_bic(value, version):
    bic = re.sub(r'\s', '', _require_str(value, 'the BIC', allow_none=True)).upper()
    if not bic:
        if version == '001':
            raise PayloadError('field_missing', 'the BIC is mandatory in EPC version 001')
        return ''
    if len(bic) not in (8, 11):
        raise PayloadError('length', 'a BIC has 8 or 11 characters, got %d: %r' % (len(bic), value))
    if not re.fullmatch(r'[A-Z]{4}[A-Z]{2}[0-9A-Z]{2}([0-9A-Z]{3})?', bic):
        raise PayloadError('format', 'the BIC %r is not bank (4 letters) + country (2 letters) + location '
                                     '(2) + optional branch (3)' % value)
    return bic


def _check_epc_version(version):
    if version not in ('001', '002'):
        raise PayloadError('standard', 'EPC version %r is not supported (001 and 002 are)' % (version,))
    return version


def _check_epc_cents(cents):
    if not 1 <= cents <= _EPC_MAX_CENTS:
        raise PayloadError('amount_range', 'the EPC amount must be EUR 0.01 to 999999999.99, got %d cents' % cents)
    return cents


def _check_purpose(value):
    purpose = _require_str(value, 'the purpose code', allow_none=True)
    if not purpose:
        return ''
    if len(purpose) != 4:
        raise PayloadError('length', 'the purpose code has 4 characters, got %r' % purpose)
    if not re.fullmatch(r'[0-9A-Za-z]{4}', purpose):
        raise PayloadError('charset', 'the purpose code is 4 letters or digits, got %r' % purpose)
    return purpose.upper()


def _check_rf(value):
    """The ISO 11649 reference, compact and upper-case, or None."""
    ref = re.sub(r'\s', '', _require_str(value, 'the structured reference', allow_none=True)).upper()
    if not ref:
        return None
    _max_length(ref, 'the structured reference', 35)
    if not re.fullmatch(r'RF[0-9]{2}[0-9A-Z]{1,21}', ref):
        raise PayloadError('format', 'the structured reference must be an ISO 11649 reference '
                                     '(RF + 2 check digits + up to 21 letters or digits), got %r' % value)
    if not references.is_valid_rf(ref):
        raise PayloadError('check_digits', 'the check digits of the structured reference %s do not hold' % ref)
    return ref


def _epc_text(value, field, maximum, allow_none=True):
    text = _require_str(value, field, allow_none=allow_none)
    _no_line_break(text, field)
    return _max_length(text, field, maximum)


def _epc_amount_text(cents):
    return 'EUR%d.%02d' % divmod(cents, 100)


def _epc_parse_amount(text):
    if not text:
        return None
    match = re.fullmatch(r'EUR([0-9]+)(?:\.([0-9]{1,2}))?', text)
    if not match:
        raise PayloadError('format', 'the EPC amount is EUR followed by the amount with a dot and at most '
                                     'two decimals, got %r' % text)
    cents = int(match.group(1)) * 100 + int((match.group(2) or '0').ljust(2, '0'))
    return _check_epc_cents(cents)


def _epc_check(values):
    """Validate and normalise the EPC fields (shared by encode and decode)."""
    version = _check_epc_version(values['version'])
    bic = _check_bic(values['bic'], version)
    name = _epc_text(values['name'], 'the beneficiary name', 70, allow_none=False)
    if not name.strip():
        raise PayloadError('field_missing', 'the beneficiary name is missing')
    iban = _check_iban(values['iban'])
    reference = _check_rf(values['reference'])
    text = _epc_text(values['text'], 'the unstructured remittance text', 140) or None
    if reference and text:
        raise PayloadError('format', 'an EPC code carries a structured reference or a remittance text, not both')
    return {
        'version': version,
        'charset': values.get('charset', '1'),
        'bic': bic,
        'name': name,
        'iban': iban,
        'amount_cents': values['amount_cents'],
        'purpose': _check_purpose(values['purpose']),
        'reference': reference,
        'text': text,
        'information': _epc_text(values['information'], 'the beneficiary-to-originator information', 70),
    }


def encode_epc(name, iban, amount_cents=None, bic='', reference=None, text=None, purpose='', information='',
               version='002'):
    """An EPC069-12 SEPA credit transfer payload (lines joined by LF, charset 1 = UTF-8).

    The amount is written with two decimals (``EUR10.50``); empty trailing lines are left
    out. IBAN, BIC, purpose and RF reference are written compact and upper-case.
    """
    if amount_cents is not None:
        _check_epc_cents(_require_int(amount_cents, 'the EPC amount'))
    values = _epc_check({'version': version, 'bic': bic, 'name': name, 'iban': iban, 'amount_cents': amount_cents,
                         'reference': reference, 'text': text, 'purpose': purpose, 'information': information})
    lines = ['BCD', values['version'], '1', 'SCT', values['bic'], values['name'], values['iban'],
             _epc_amount_text(amount_cents) if amount_cents is not None else '',
             values['purpose'], values['reference'] or '', values['text'] or '', values['information']]
    while lines[-1] == '':
        lines.pop()
    payload = '\n'.join(lines)
    size = len(payload.encode('utf-8'))
    if size > EPC_MAX_BYTES:
        raise PayloadError('length', 'the EPC payload is %d bytes long, at most %d are allowed' % (size, EPC_MAX_BYTES))
    return payload


def decode_epc(payload):
    """Read an EPC069-12 payload (LF or CRLF lines; trailing empty lines optional).

    Returns ``version, charset, bic, name, iban, amount_cents`` (int or None), ``purpose,
    reference`` (None when absent), ``text`` (None when absent) and ``information``.
    ``bytes`` are decoded with the charset the payload names; ``str`` is taken as already
    decoded. Charsets 1–8 of EPC069-12 are accepted when reading.
    """
    if isinstance(payload, (bytes, bytearray)):
        raw = bytes(payload)
        head = raw.split(b'\n', 3)
        charset = head[2].strip(b'\r').decode('ascii', 'replace') if len(head) > 2 else ''
        codec = _EPC_CHARSETS.get(charset)
        if codec is None:
            raise PayloadError('charset', 'EPC character set %r is unknown (1 to 8 are defined)' % charset)
        try:
            payload = raw.decode(codec)
        except UnicodeDecodeError:
            raise PayloadError('charset', 'the EPC payload is not valid %s (character set %s)' % (codec, charset)) from None
        size = len(raw)
    else:
        payload = _require_str(payload, 'the EPC payload')
        # the size in the character set the payload names (UTF-8 when it names none we know)
        head = re.split(r'\r?\n', payload, maxsplit=3)
        codec = _EPC_CHARSETS.get(head[2] if len(head) > 2 else '', 'utf-8')
        size = len(payload.encode(codec, 'replace'))
    if size > EPC_MAX_BYTES:
        raise PayloadError('length', 'the EPC payload is %d bytes long, at most %d are allowed' % (size, EPC_MAX_BYTES))
    lines = re.split(r'\r?\n', payload)
    if lines[0] != 'BCD':
        raise PayloadError('standard', 'an EPC payload starts with the line BCD, got %r' % lines[0][:20])
    while len(lines) > 12 and lines[-1] == '':
        lines.pop()
    if len(lines) > 12:
        raise PayloadError('format', 'an EPC payload has at most 12 lines, got %d' % len(lines))
    for number, line in enumerate(lines, 1):
        if '\r' in line:
            raise PayloadError('charset', 'line %d of the EPC payload contains a lone carriage return' % number)
    if len(lines) >= 2:
        _check_epc_version(lines[1])
    if len(lines) < 7:
        raise PayloadError('field_missing', 'an EPC payload has at least 7 lines (up to the IBAN), got %d' % len(lines))
    lines += [''] * (12 - len(lines))
    (_tag, version, charset, service, bic, name, iban, amount, purpose, reference, text, information) = lines
    if charset not in _EPC_CHARSETS:
        raise PayloadError('charset', 'EPC character set %r is unknown (1 to 8 are defined)' % charset)
    if service != 'SCT':
        raise PayloadError('standard', 'EPC identification code %r is not supported (SCT is)' % service)
    return _epc_check({'version': version, 'charset': charset, 'bic': bic, 'name': name, 'iban': iban,
                       'amount_cents': _epc_parse_amount(amount), 'purpose': purpose,
                       'reference': reference, 'text': text, 'information': information})


# ------------------------------------------------------------------ ZBP (Poland)

ZBP_MAX_LENGTH = 160
ZBP_MAX_CENTS = 999999  # six digits of grosze: 9,999.99 PLN
_NIP_WEIGHTS = (6, 5, 7, 2, 3, 4, 5, 6, 7)
_ZBP_RESERVED = ((6, 20), (7, 12), (8, 24))


def nip_is_valid(nip):
    """Polish NIP checksum: weights 6,5,7,2,3,4,5,6,7 over the first nine digits, mod 11 = last digit."""
    if not re.fullmatch(r'[0-9]{10}', nip or ''):
        return False
    total = sum(int(d) * w for d, w in zip(nip, _NIP_WEIGHTS)) % 11
    return total == int(nip[9])  # a sum of 10 matches no digit: such numbers are never issued


def _check_nip(value, strict):
    nip = _digits(value, 'the NIP', 10)
    if strict and not nip_is_valid(nip):
        raise PayloadError('check_digits', 'the NIP %s fails its checksum' % nip)
    return nip


def _check_nrb(value):
    account = _digits(value, 'the account number (NRB)', 26)
    if _iban_remainder('PL' + account) != 1:
        raise PayloadError('check_digits', 'the check digits of account number %s do not hold (mod 97)' % account)
    return account


def _zbp_text(value, field, maximum, allow_empty=False):
    text = _require_str(value, field)
    if not text.strip() and not allow_empty:
        raise PayloadError('field_missing', '%s is missing' % field)
    if '|' in text:
        raise PayloadError('charset', '%s may not contain |' % field)
    _no_line_break(text, field)
    return _max_length(text, field, maximum)


def _check_pl(country):
    if country != 'PL':
        raise PayloadError('format', 'the country code of a ZBP code is PL (the account is an NRB), got %r' % (country,))
    return country


def encode_zbp(nip, account, amount_cents, name, title, country='PL'):
    """A Polish ZBP 2013 bank-transfer payload.

    ``NIP|PL|NRB|amount|name|title|||`` — the three reserved fields are left empty.
    ``nip`` may be written with dashes or spaces; ``account`` may carry spaces and a
    leading ``PL``. The NIP checksum is enforced here (``check_digits``).

    The amount is six digits of grosze, ``000000`` meaning "the payer types it"
    (``amount_cents=None``), so at most 9,999.99 PLN. Implementations disagree on the
    width (some write more digits); munipay follows the six-digit rule of the
    recommendation and refuses larger amounts (``amount_range``).
    """
    nip = re.sub(r'[\s-]', '', _require_str(nip, 'the NIP'))
    _check_nip(nip, strict=True)
    account = re.sub(r'\s', '', _require_str(account, 'the account number (NRB)')).upper()
    if account.startswith('PL'):
        account = account[2:]
    _check_nrb(account)
    _check_pl(country)
    if amount_cents is None:
        amount = '000000'
    else:
        cents = _require_int(amount_cents, 'the ZBP amount')
        if not 1 <= cents <= ZBP_MAX_CENTS:
            raise PayloadError('amount_range', 'the ZBP amount must be 1 to %d grosze (six digits), got %d; '
                                               'leave it empty for the payer to type' % (ZBP_MAX_CENTS, cents))
        amount = '%06d' % cents
    name = _zbp_text(name, 'the recipient name', 20)
    title = _zbp_text(title, 'the transfer title', 32)
    payload = '|'.join([nip, country, account, amount, name, title, '', '', ''])
    if len(payload) > ZBP_MAX_LENGTH:  # cannot happen with the field limits above, kept as a guard
        raise PayloadError('length', 'the ZBP payload is %d characters long, at most %d' % (len(payload), ZBP_MAX_LENGTH))
    return payload


def decode_zbp(payload, strict=False):
    """Read a ZBP 2013 payload: ``nip, country, account, amount_cents`` (None for
    ``000000``), ``name, title``.

    With the default ``strict=False`` a NIP failing its checksum is accepted (it still
    needs 10 digits): the recommendation's own example, NIP 1234567890, fails it
    (weighted sum 230, 230 mod 11 = 10). ``strict=True`` rejects it (``check_digits``).
    The account's mod-97 check is always enforced.
    """
    text = _require_str(payload, 'the ZBP payload')
    if len(text) > ZBP_MAX_LENGTH:
        raise PayloadError('length', 'the ZBP payload is %d characters long, at most %d' % (len(text), ZBP_MAX_LENGTH))
    parts = text.split('|')
    if len(parts) < 9:
        raise PayloadError('field_missing', 'a ZBP payload has 9 |-separated fields, got %d' % len(parts))
    if len(parts) > 9:
        raise PayloadError('format', 'a ZBP payload has 9 |-separated fields, got %d' % len(parts))
    nip, country, account, amount, name, title = parts[:6]
    _check_nip(nip, strict)
    _check_pl(country)
    _check_nrb(account)
    _digits(amount, 'the ZBP amount', 6)
    for index, maximum in _ZBP_RESERVED:
        _zbp_text(parts[index], 'reserved field %d' % (index - 5), maximum, allow_empty=True)
    return {
        'nip': nip,
        'country': country,
        'account': account,
        'amount_cents': int(amount) or None,
        'name': _zbp_text(name, 'the recipient name', 20),
        'title': _zbp_text(title, 'the transfer title', 32),
    }


# ------------------------------------------------------------------ GOST R 56042-2014

GOST_CHARSETS = {'1': 'cp1251', '2': 'utf-8', '3': 'koi8_r'}
_GOST_HEADER = 'ST0001'
# mandatory requisites, in this order: (key, digits or None, maximum length)
_GOST_MANDATORY = (('Name', None, 160), ('PersonalAcc', 20, 20), ('BankName', None, 45),
                   ('BIC', 9, 9), ('CorrespAcc', 20, 20))
_GOST_MANDATORY_KEYS = tuple(key for key, _digits_, _max in _GOST_MANDATORY)
_GOST_OPTIONAL_MAX = {'Sum': 18, 'Purpose': 210}
_GOST_KEY = re.compile(r'[A-Za-z][A-Za-z0-9]*')


def _gost_check_value(key, value):
    field = 'the GOST field %s' % key
    value = _require_str(value, field)
    if '|' in value:
        raise PayloadError('charset', '%s may not contain |' % field)
    _no_line_break(value, field)
    return value


def _gost_check_fields(fields):
    """Check the mandatory requisites and Sum; returns nothing, raises PayloadError."""
    for key, digits, maximum in _GOST_MANDATORY:
        value = fields.get(key, '')
        if not value.strip():
            raise PayloadError('field_missing', 'the GOST field %s is mandatory' % key)
        if digits:
            _digits(value, 'the GOST field %s' % key, digits)
        else:
            _max_length(value, 'the GOST field %s' % key, maximum)
    for key, maximum in _GOST_OPTIONAL_MAX.items():
        if key in fields:
            _max_length(fields[key], 'the GOST field %s' % key, maximum)
    if 'Sum' in fields:
        if not fields['Sum']:
            raise PayloadError('field_missing', 'the GOST field Sum is empty')
        if not re.fullmatch(r'[0-9]+', fields['Sum']):
            raise PayloadError('charset', 'the GOST field Sum is in kopecks, digits only, got %r' % fields['Sum'])


def encode_gost(fields, charset='2'):
    """A GOST R 56042-2014 payload as bytes in the chosen charset (1 cp1251, 2 UTF-8, 3 KOI8-R).

    ``fields`` maps requisite names to text values. The five mandatory requisites are
    written first in the standard's order (Name, PersonalAcc, BankName, BIC, CorrespAcc)
    whatever their order in ``fields``; the others follow in the order given. Values are
    text (Sum too: kopecks as digits) and may not contain ``|`` or line breaks.
    """
    if charset not in GOST_CHARSETS:
        raise PayloadError('charset', 'GOST charset %r is unknown (1 cp1251, 2 UTF-8, 3 KOI8-R)' % (charset,))
    if not isinstance(fields, dict):
        raise PayloadError('format', 'the GOST fields must be a dict, got %s' % type(fields).__name__)
    checked = {}
    for key, value in fields.items():
        if not isinstance(key, str) or not _GOST_KEY.fullmatch(key):
            raise PayloadError('format', 'GOST requisite names are Latin letters and digits, got %r' % (key,))
        checked[key] = _gost_check_value(key, value)
    _gost_check_fields(checked)
    ordered = [(key, checked[key]) for key in _GOST_MANDATORY_KEYS]
    ordered += [(key, value) for key, value in checked.items() if key not in _GOST_MANDATORY_KEYS]
    codec = GOST_CHARSETS[charset]
    out = [(_GOST_HEADER + charset).encode('ascii')]
    for key, value in ordered:
        try:
            out.append(('|%s=%s' % (key, value)).encode(codec))
        except UnicodeEncodeError as error:
            raise PayloadError('charset', 'the GOST field %s has %r, which %s cannot encode (charset %s)'
                               % (key, error.object[error.start:error.end], codec, charset)) from None
    return b''.join(out)


def decode_gost(payload):
    """Read a GOST R 56042-2014 payload: ``{'charset': '2', 'fields': {key: value}}``.

    ``bytes`` are decoded with the charset the header names; ``str`` is taken as already
    decoded (the scanner did it). The mandatory requisites must come first, in order.
    """
    if isinstance(payload, (bytes, bytearray)):
        raw = bytes(payload)
        if raw[:6] != _GOST_HEADER.encode('ascii'):
            raise PayloadError('standard', 'a GOST payload starts with ST0001, got %r' % raw[:8])
        charset = raw[6:7].decode('ascii', 'replace')
        if charset not in GOST_CHARSETS:
            raise PayloadError('charset', 'GOST charset %r is unknown (1 cp1251, 2 UTF-8, 3 KOI8-R)' % charset)
        try:
            text = raw.decode(GOST_CHARSETS[charset])
        except UnicodeDecodeError:
            raise PayloadError('charset', 'the GOST payload is not valid %s' % GOST_CHARSETS[charset]) from None
    else:
        text = _require_str(payload, 'the GOST payload')
    if not text.startswith(_GOST_HEADER):
        raise PayloadError('standard', 'a GOST payload starts with ST0001, got %r' % text[:8])
    charset = text[6:7]
    if charset not in GOST_CHARSETS:
        raise PayloadError('charset', 'GOST charset %r is unknown (1 cp1251, 2 UTF-8, 3 KOI8-R)' % charset)
    body = text[7:]
    if not body.startswith('|'):
        raise PayloadError('format', 'the GOST header ST0001%s must be followed by |' % charset)
    fields = {}
    for pair in body[1:].split('|'):
        key, sep, value = pair.partition('=')
        if not sep or not _GOST_KEY.fullmatch(key):
            raise PayloadError('format', 'GOST requisites are Key=Value, got %r' % pair[:40])
        if key in fields:
            raise PayloadError('format', 'the GOST field %s appears twice' % key)
        fields[key] = _gost_check_value(key, value)
    keys = list(fields)
    for position, key in enumerate(_GOST_MANDATORY_KEYS):
        if key not in fields:
            raise PayloadError('field_missing', 'the GOST field %s is mandatory' % key)
        if keys[position] != key:
            raise PayloadError('format', 'the GOST field %s must come in position %d, after %s'
                               % (key, position + 1, ', '.join(_GOST_MANDATORY_KEYS[:position]) or 'the header'))
    _gost_check_fields(fields)
    return {'charset': charset, 'fields': fields}


# ------------------------------------------------------------------ signed confirmation

_CONFIRMATION_PATH = '/munipay/verify/'
_CONFIRMATION_DOMAIN = 'munipay-confirmation-v1'


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


def sign_confirmation(secret, receipt_id, reference, amount_cents, date):
    """HMAC-SHA256 (hex) of a receipt confirmation.

    The message is ``munipay-confirmation-v1``, the receipt id, the reference (may be
    empty), the amount in cents (decimal) and the date, joined by LF; none of the values
    may contain a line break, so the message is unambiguous. ``date`` is signed as the
    text given (a ``date``/``datetime`` is taken as its ``isoformat()``).
    """
    secret = _require_str(secret, 'the signing secret')
    if not secret:
        raise PayloadError('field_missing', 'the signing secret is missing')
    receipt_id, reference, cents, date = _confirmation_values(receipt_id, reference, amount_cents, date)
    message = '\n'.join([_CONFIRMATION_DOMAIN, receipt_id, reference, str(cents), date])
    return hmac.new(secret.encode('utf-8'), message.encode('utf-8'), hashlib.sha256).hexdigest()


def confirmation_url(base_url, receipt_id, reference, amount_cents, date, secret):
    """``<base>/munipay/verify/<receipt id>?r=<reference>&a=<cents>&d=<date>&s=<signature>``.

    The receipt id is percent-encoded as one path segment (``/`` becomes ``%2F``).
    """
    base = _require_str(base_url, 'the base URL').rstrip('/')
    split = urlsplit(base)
    if split.scheme not in ('http', 'https') or not split.netloc or split.query or split.fragment:
        raise PayloadError('format', 'the base URL must be http(s)://host[/path] without query, got %r' % base_url)
    signature = sign_confirmation(secret, receipt_id, reference, amount_cents, date)
    if isinstance(date, (datetime.date, datetime.datetime)):
        date = date.isoformat()
    query = urlencode([('r', reference or ''), ('a', str(amount_cents)), ('d', date), ('s', signature)])
    return '%s%s%s?%s' % (base, _CONFIRMATION_PATH, quote(receipt_id, safe=''), query)


def parse_confirmation_url(url):
    """Read a confirmation URL: ``{'receipt_id', 'reference', 'amount_cents', 'date', 'signature'}``.

    Does not check the signature (see :func:`verify_confirmation`).
    """
    url = _require_str(url, 'the confirmation URL').strip()
    split = urlsplit(url)
    if split.scheme not in ('http', 'https') or not split.netloc or _CONFIRMATION_PATH not in split.path:
        raise PayloadError('format', 'a confirmation is an http(s) URL whose path contains %s, got %r'
                           % (_CONFIRMATION_PATH, url[:60]))
    raw_id = split.path.split(_CONFIRMATION_PATH, 1)[1]
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
    if not re.fullmatch(r'[0-9a-f]{64}', values['s']):
        raise PayloadError('format', 'the signature (s) is 64 lower-case hexadecimal digits')
    return {'receipt_id': receipt_id, 'reference': values['r'], 'amount_cents': int(values['a']),
            'date': values['d'], 'signature': values['s']}


def verify_confirmation(secret, parsed):
    """True when ``parsed['signature']`` is the HMAC of the other values under ``secret``.

    A wrong signature, or values that could never have been signed (a line break, a
    negative or non-integer amount, an empty receipt id…), give False. A missing key or an
    empty secret raise PayloadError (a programming or configuration error).
    """
    secret = _require_str(secret, 'the signing secret')
    if not secret:
        raise PayloadError('field_missing', 'the signing secret is missing')
    for key in ('receipt_id', 'reference', 'amount_cents', 'date', 'signature'):
        if key not in parsed:
            raise PayloadError('field_missing', 'the parsed confirmation has no %s' % key)
    signature = parsed['signature']
    if not isinstance(signature, str) or not signature.isascii():
        return False
    try:
        expected = sign_confirmation(secret, parsed['receipt_id'], parsed['reference'], parsed['amount_cents'],
                                     parsed['date'])
    except PayloadError:
        return False
    return hmac.compare_digest(expected, signature)


# ------------------------------------------------------------------ detection

def detect(payload):
    """Which standard a scanned payload claims to be: ``'pagopa'``, ``'epc'``, ``'zbp'``,
    ``'gost'``, ``'confirmation'`` or None.

    It looks at the envelope only (header, field layout, URL path) and does not validate:
    a recognised but broken payload is still named, so that the matching ``decode_*`` can
    say what is wrong with it.
    """
    if isinstance(payload, (bytes, bytearray)):
        raw = bytes(payload)
        if raw.startswith(b'ST0001') and raw[6:7] in (b'1', b'2', b'3'):
            return 'gost'
        head = raw.split(b'\n', 3)
        codec = _EPC_CHARSETS.get(head[2].strip(b'\r').decode('ascii', 'replace')) if len(head) > 2 else None
        try:
            payload = raw.decode(codec or 'utf-8')
        except UnicodeDecodeError:
            return None
    if not isinstance(payload, str):
        return None
    text = payload.lstrip('\ufeff')
    if text.startswith('PAGOPA|'):
        return 'pagopa'
    if re.match(r'ST0001[123]\|', text):
        return 'gost'
    lines = re.split(r'\r?\n', text)
    if lines[0] == 'BCD' and len(lines) >= 4 and lines[3] == 'SCT':
        return 'epc'
    parts = text.split('|')
    if len(parts) == 9 and re.fullmatch(r'[A-Z]{2}', parts[1]) and re.fullmatch(r'[0-9]{26}', parts[2]):
        return 'zbp'
    split = urlsplit(text.strip())
    if split.scheme in ('http', 'https') and split.netloc and _CONFIRMATION_PATH in split.path:
        return 'confirmation'
    return None
