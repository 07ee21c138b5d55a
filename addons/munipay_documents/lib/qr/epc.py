"""EPC069-12 SEPA credit transfer ("GiroCode"), versions 001 and 002."""
import re

from stdnum import iso11649

from .common import PayloadError, _max_length, _no_line_break, _require_int, _require_str, check_iban

EPC_MAX_BYTES = 331
_EPC_MAX_CENTS = 99999999999  # 999,999,999.99 EUR
# charset codes of EPC069-12; this module writes 1 (UTF-8) and reads them all
EPC_CHARSETS = {'1': 'utf-8', '2': 'iso-8859-1', '3': 'iso-8859-2', '4': 'iso-8859-4',
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
    if not iso11649.is_valid(ref):
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
    iban = check_iban(values['iban'])
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
        codec = EPC_CHARSETS.get(charset)
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
        codec = EPC_CHARSETS.get(head[2] if len(head) > 2 else '', 'utf-8')
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
    if charset not in EPC_CHARSETS:
        raise PayloadError('charset', 'EPC character set %r is unknown (1 to 8 are defined)' % charset)
    if service != 'SCT':
        raise PayloadError('standard', 'EPC identification code %r is not supported (SCT is)' % service)
    return _epc_check({'version': version, 'charset': charset, 'bic': bic, 'name': name, 'iban': iban,
                       'amount_cents': _epc_parse_amount(amount), 'purpose': purpose,
                       'reference': reference, 'text': text, 'information': information})
