"""What a merchant's Point of Sale shows of a wallet's number (munipay_base/lib/privacy.py)."""
from conftest import load_lib

lib = load_lib('munipay_base', 'privacy')


def test_mask_keeps_the_last_four_digits():
    assert lib.mask_pan('1234567897') == '******7897'
    assert lib.mask_pan(' 1234567897 ') == '******7897'


def test_mask_short_or_empty():
    assert lib.mask_pan('') == ''
    assert lib.mask_pan(None) == ''
    assert lib.mask_pan('1234') == '****'
