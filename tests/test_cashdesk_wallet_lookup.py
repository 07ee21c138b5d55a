"""How a typed or swiped text is looked up as a prepaid wallet (munipay_cashdesk/lib/wallet_lookup.py)."""
import pytest

from conftest import load_lib

lib = load_lib('munipay_cashdesk', 'wallet_lookup')


def with_check_digit(body):
    for digit in '0123456789':
        if lib.luhn_valid(body + digit):
            return body + digit
    raise AssertionError(body)


def test_luhn():
    assert lib.luhn_valid('79927398713')
    assert not lib.luhn_valid('79927398710')
    assert not lib.luhn_valid('')
    assert not lib.luhn_valid('12a4')


@pytest.mark.parametrize('typed', ['{pan}', ' {pan} ', '{a} {b}', '{a}-{b}'])
def test_pan_typed_any_spacing(typed):
    pan = with_check_digit('123456789')
    assert lib.classify(typed.format(pan=pan, a=pan[:5], b=pan[5:])) == ('pan', pan)


def test_pan_with_wrong_check_digit():
    pan = with_check_digit('123456789')
    wrong = pan[:-1] + str((int(pan[-1]) + 1) % 10)
    assert lib.classify(wrong) == ('bad_pan', wrong)


def test_card_number_typed_or_swiped():
    number = '80380001234567890123'
    assert lib.classify(number) == ('card', number)
    assert lib.classify('8038 0001 2345 6789 0123') == ('card', number)
    # a keyboard-wedge reader types the track; the name on track 1 is dropped
    assert lib.classify(';%s=2912?' % number) == ('card', number)
    assert lib.classify('%%B%s^ROSSI/MARIO^2912?' % number) == ('card', number)
    assert lib.normalize_card_number('ROSSI') == ''


@pytest.mark.parametrize('text,kind', [('Bianchi', 'name'), ('  giulia   bianchi ', 'name'), ('Bi', 'short'),
                                       ('12345', 'short'), (';123?', 'short'), ('', 'short'), ('\x00', 'short')])
def test_names_and_too_short(text, kind):
    assert lib.classify(text)[0] == kind


def test_name_is_normalised():
    assert lib.classify('  giulia   bianchi ') == ('name', 'giulia bianchi')


def test_initials():
    assert lib.initials('Giulia Bianchi') == 'G. B.'
    assert lib.initials('anna-maria de rossi') == 'A. M. D. R.'
    assert lib.initials('') == ''


def test_miss_counter_blocks_walking_through_numbers():
    counter = lib.MissCounter(limit=3, window=60)
    for second in range(3):
        assert not counter.blocked('u1', second)
        counter.miss('u1', second)
    assert counter.blocked('u1', 10)
    assert not counter.blocked('u2', 10), "per user"
    assert counter.blocked('u1', 59)
    assert not counter.blocked('u1', 61), "the oldest miss left the window"
