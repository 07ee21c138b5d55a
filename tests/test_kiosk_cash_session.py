"""The kiosk's check of a bill acceptor session before booking (munipay_kiosk/lib/cash_session.py)."""
import pytest

from conftest import load_lib

lib = load_lib('munipay_kiosk', 'cash_session')


def session(**vals):
    data = {'session_id': 'k1-0001', 'state': 'paid', 'final': True, 'currency': 'EUR', 'inserted': 3000,
            'bills': [{'amount': 2000, 'currency': 'EUR'}, {'amount': 1000, 'currency': 'EUR'}]}
    data.update(vals)
    return data


def test_a_final_session_gives_the_money_and_the_bills():
    assert lib.check_session(session(), 'k1-0001', 'EUR') == (3000, {2000: 1, 1000: 1})
    assert lib.check_session(session(state='stopped', inserted=0, bills=[]), 'k1-0001', 'EUR') == (0, {})


@pytest.mark.parametrize('key, vals, code', [
    ('k1 0001', {'session_id': 'k1 0001'}, 'bad_key'),
    ('x' * 81, {'session_id': 'x' * 81}, 'bad_key'),
    ('k1-0002', {}, 'bad_key'),
    ('k1-0001', {'final': False, 'state': 'accepting'}, 'not_final'),
    ('k1-0001', {'final': True, 'state': 'accepting'}, 'not_final'),
    ('k1-0001', {'currency': 'PLN'}, 'bad_currency'),
    ('k1-0001', {'bills': [{'amount': 3000, 'currency': 'PLN'}]}, 'bad_currency'),
    ('k1-0001', {'inserted': 30.0}, 'bad_amount'),
    ('k1-0001', {'inserted': -1}, 'bad_amount'),
    ('k1-0001', {'inserted': True}, 'bad_amount'),
    ('k1-0001', {'inserted': 4000}, 'bills_mismatch'),
    ('k1-0001', {'bills': None}, 'bills_mismatch'),
])
def test_what_is_refused(key, vals, code):
    with pytest.raises(lib.SessionError) as error:
        lib.check_session(session(**vals), key, 'EUR')
    assert error.value.code == code


def test_not_a_session():
    with pytest.raises(lib.SessionError):
        lib.check_session(['k1-0001'], 'k1-0001', 'EUR')


@pytest.mark.parametrize('name, expected', [
    ('Mario Rossi', 'M. R.'),
    ("Anna-Maria D'Angelo", 'A. M. D. A.'),
    ('  jan  kowalski ', 'J. K.'),
    ('', ''),
    (None, ''),
    ('Иван Петров', 'И. П.'),
])
def test_initials(name, expected):
    assert lib.initials(name) == expected
