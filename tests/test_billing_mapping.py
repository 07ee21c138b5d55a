"""munipay_billing's mapping of a billing system's messages, cents and back-off
(addons/munipay_billing/lib/mapping.py)."""
from decimal import Decimal

import pytest

from conftest import load_lib

mp = load_lib('munipay_billing', 'mapping')


@pytest.mark.parametrize('path,steps', [
    ('account', ['account']),
    ('$.data.customer.name', ['data', 'customer', 'name']),
    ('$[0].x', [0, 'x']),
    ('items[2].amount_cents', ['items', 2, 'amount_cents']),
    (' holder ', ['holder']),
])
def test_parse_path(path, steps):
    assert mp.parse_path(path) == steps


@pytest.mark.parametrize('path', ['', '$', 'a..b', 'a.', '.a', 'a[x]', 'a b', None])
def test_parse_path_refuses(path):
    with pytest.raises(mp.MappingError):
        mp.parse_path(path)


def test_get_path():
    data = {'data': {'items': [{'cents': 5}, {'cents': 7}]}}
    assert mp.get_path(data, 'data.items[1].cents') == 7
    for missing in ('data.items[2].cents', 'data.nope', 'data.items.cents', 'data.items[0].cents.x'):
        with pytest.raises(mp.MappingError, match='no'):
            mp.get_path(data, missing)


def test_set_path_builds_the_request():
    body = {}
    mp.set_path(body, 'payment.customer', 'W-1')
    mp.set_path(body, '$.payment.amountCents', 2221)
    mp.set_path(body, 'key', 'k')
    assert body == {'payment': {'customer': 'W-1', 'amountCents': 2221}, 'key': 'k'}
    with pytest.raises(mp.MappingError, match='mapped twice'):
        mp.set_path(body, 'payment.customer', 'again')
    with pytest.raises(mp.MappingError, match='crosses'):
        mp.set_path(body, 'key.sub', 1)
    with pytest.raises(mp.MappingError, match='index'):
        mp.set_path({}, 'items[0].x', 1)


def test_find_element_depth_first():
    answer = {'CustomerNo': 'W-1', 'Customer': {'CustomerName': 'Anna', 'Open': [{'Cents': 5}]}}
    assert mp.find_element(answer, 'CustomerName') == 'Anna'
    assert mp.find_element(answer, 'Cents') == 5
    with pytest.raises(mp.MappingError):
        mp.find_element(answer, 'Missing')
    with pytest.raises(mp.MappingError):
        mp.check_element_name('Two Words')
    assert mp.check_element_name('Amount_Cents-1') == 'Amount_Cents-1'


@pytest.mark.parametrize('amount,digits,cents', [
    (22.21, 2, 2221), (0.1 + 0.2, 2, 30), (1.005, 2, 101), (19.99, 2, 1999), (1234, 0, 1234), ('7.5', 3, 7500),
])
def test_to_cents(amount, digits, cents):
    assert mp.to_cents(amount, digits) == cents


def test_cents_value_refuses_what_is_not_whole_cents():
    assert mp.cents_value(' 4599 ') == 4599
    assert mp.cents_value(Decimal('12')) == 12
    assert mp.from_cents('123456', 2) == 1234.56
    for bad in (45.99, '45.99', True, None, '', {'cents': 1}, Decimal('1.5')):
        with pytest.raises(mp.MappingError):
            mp.cents_value(bad)


def test_text_value():
    assert mp.text_value('  Anna   Schmidt ', 'holder') == 'Anna Schmidt'
    for bad in (None, '  ', {'x': 1}, []):
        with pytest.raises(mp.MappingError):
            mp.text_value(bad, 'holder')


def test_backoff_doubles_with_jitter_in_the_upper_half_and_is_capped():
    assert [mp.backoff_delay(n, 60, 3600, rng=lambda: 0.0) for n in range(1, 5)] == [30, 60, 120, 240]
    assert [mp.backoff_delay(n, 60, 3600, rng=lambda: 1.0) for n in range(1, 5)] == [60, 120, 240, 480]
    assert mp.backoff_delay(30, 60, 3600, rng=lambda: 1.0) == 3600
    delays = {mp.backoff_delay(3) for _ in range(50)}
    assert len(delays) > 1 and all(120 <= delay <= 240 for delay in delays)
