"""ISO 11649 structured creditor references ("RF" references), on python-stdnum.

Pure Python: used by the payment orders and by the project's fast tests.
"""
import re

from stdnum import iso11649
from stdnum.iso7064 import mod_97_10

_ALNUM = re.compile(r'^[0-9A-Z]{1,21}$')
# canonical check digits only (02-98): 00, 01 and 99 are equivalent but never issued
_RF = re.compile(r'^RF(0[2-9]|[1-8][0-9]|9[0-8])[0-9A-Z]{1,21}$')


def rf_check_digits(body):
    """Return the two check digits of the RF reference carrying ``body``."""
    body = body.upper()
    if not _ALNUM.match(body):
        raise ValueError('A creditor reference body has 1 to 21 letters or digits, got %r' % body)
    return mod_97_10.calc_check_digits(body + 'RF')


def make_rf(body):
    """Build an ISO 11649 reference from ``body`` (non-alphanumerics dropped)."""
    body = re.sub(r'[^0-9A-Za-z]', '', body or '').upper()
    return 'RF%s%s' % (rf_check_digits(body), body)


def is_valid_rf(reference):
    """Any spacing or case, as payers and banks write it."""
    ref = re.sub(r'\s', '', reference or '').upper()
    return bool(_RF.match(ref)) and iso11649.is_valid(ref)


def format_in_groups(reference, size=4):
    ref = re.sub(r'\s', '', reference or '')
    return ' '.join(ref[i:i + size] for i in range(0, len(ref), size))
