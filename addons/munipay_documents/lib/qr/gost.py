"""Russian payment code (GOST R 56042-2014): ``ST0001<charset>|Key=Value|...``."""
import re

from .common import PayloadError, _digits, _max_length, _no_line_break, _require_str

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
