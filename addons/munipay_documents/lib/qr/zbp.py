"""Polish bank-transfer code (ZBP 2013 recommendation): ``NIP|PL|NRB|amount|name|title|||``."""
import re

from stdnum import iban as stdnum_iban
from stdnum.pl import nip as stdnum_nip

from .common import PayloadError, _digits, _max_length, _no_line_break, _require_int, _require_str

ZBP_MAX_LENGTH = 160
ZBP_MAX_CENTS = 999999  # six digits of grosze: 9,999.99 PLN
_ZBP_RESERVED = ((6, 20), (7, 12), (8, 24))


def nip_is_valid(nip):
    """Polish NIP checksum (python-stdnum): ten digits, weighted sum of the first nine mod 11 = last digit."""
    return bool(isinstance(nip, str) and re.fullmatch(r'[0-9]{10}', nip) and stdnum_nip.is_valid(nip))


def _check_nip(value, strict):
    nip = _digits(value, 'the NIP', 10)
    if strict and not nip_is_valid(nip):
        raise PayloadError('check_digits', 'the NIP %s fails its checksum' % nip)
    return nip


def _check_nrb(value):
    account = _digits(value, 'the account number (NRB)', 26)
    if not stdnum_iban.is_valid('PL' + account):  # an NRB is a Polish IBAN without its PL
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
