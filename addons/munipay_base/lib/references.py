"""ISO 11649 structured creditor references ("RF" references).

Pure Python: used by the payment orders and by the project's fast tests.
"""
import re

_ALNUM = re.compile(r'^[0-9A-Z]{1,21}$')


def _to_digits(text):
    return ''.join(str(int(ch, 36)) for ch in text)


def rf_check_digits(body):
    """Return the two check digits of the RF reference carrying ``body``."""
    body = body.upper()
    if not _ALNUM.match(body):
        raise ValueError('A creditor reference body has 1 to 21 letters or digits, got %r' % body)
    return '%02d' % (98 - int(_to_digits(body + 'RF00')) % 97)


def make_rf(body):
    """Build an ISO 11649 reference from ``body`` (non-alphanumerics dropped)."""
    body = re.sub(r'[^0-9A-Za-z]', '', body or '').upper()
    return 'RF%s%s' % (rf_check_digits(body), body)


def is_valid_rf(reference):
    ref = re.sub(r'\s', '', reference or '').upper()
    if not re.match(r'^RF(0[2-9]|[1-8][0-9]|9[0-8])[0-9A-Z]{1,21}$', ref):
        return False
    return int(_to_digits(ref[4:] + ref[:4])) % 97 == 1


def format_in_groups(reference, size=4):
    ref = re.sub(r'\s', '', reference or '')
    return ' '.join(ref[i:i + size] for i in range(0, len(ref), size))
