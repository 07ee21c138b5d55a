"""What every standard shares: the error type and the field checks."""
import re

from stdnum import iban as stdnum_iban
from stdnum.exceptions import InvalidChecksum, ValidationError


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


def _require_str(value, field, allow_none=False):
    if value is None and allow_none:
        return ''
    if not isinstance(value, str):
        raise PayloadError('format', '%s must be text, got %s' % (field, type(value).__name__))
    try:
        value.encode('utf-8')
    except UnicodeEncodeError:  # a lone surrogate: no character set can carry it
        raise PayloadError('charset', '%s contains a character that is not valid Unicode' % field) from None
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


def check_iban(value, field='IBAN'):
    """Return the compact upper-case IBAN, or raise (check digits and the country's
    account layout by python-stdnum)."""
    iban = re.sub(r'\s', '', value or '').upper()
    if not iban:
        raise PayloadError('field_missing', '%s is missing' % field)
    if not re.fullmatch(r'[A-Z]{2}[0-9]{2}[0-9A-Z]+', iban):
        raise PayloadError('format', '%s must be a country code, two check digits and letters or digits, got %r'
                           % (field, value))
    if not 15 <= len(iban) <= 34:
        raise PayloadError('length', '%s must have 15 to 34 characters, got %d' % (field, len(iban)))
    try:
        stdnum_iban.validate(iban)
    except InvalidChecksum:
        raise PayloadError('check_digits', 'the check digits of %s %s do not hold (mod 97)' % (field, iban)) from None
    except ValidationError:
        raise PayloadError('format', '%s %s does not follow the account layout of its country' % (field, iban)) from None
    return iban
