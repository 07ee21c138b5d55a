"""GPD debt positions (munipay_pagopa/lib/gpd.py): the position munipay sends, the
retry schedule, and each operation against the test stand-in of GPD
(munipay_pagopa/tests/gpd_server.py), which checks every request against GPD's
OpenAPI v1 (munipay_pagopa/tests/files/gpd_openapi_v1.json, MIT)."""
import datetime
import importlib.util
import sys

import pytest
import requests

from conftest import ADDONS, load_lib

ORG = '02438750586'
IBAN = 'IT60X0542811101000000123456'
POSTAL = 'IT88N0760103200000010123456'


@pytest.fixture(scope='module')
def gpd():
    return load_lib('munipay_pagopa', 'gpd')


@pytest.fixture(scope='module')
def server_module():
    path = ADDONS / 'munipay_pagopa' / 'tests' / 'gpd_server.py'
    spec = importlib.util.spec_from_file_location('munipay_gpd_server', path)
    module = importlib.util.module_from_spec(spec)
    sys.modules['munipay_gpd_server'] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def server(server_module):
    server = server_module.GpdServer().start()
    yield server
    server.stop()
    assert server.violations == []


@pytest.fixture
def client(gpd, server):
    return gpd.Client(server.base_url, server.key, ORG, timeout=1)


def due(days=10):
    return (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=days)).replace(tzinfo=None)


def make(gpd, iuv='01000000000000140', amounts=(2000, 221), email='mario.rossi@example.com', total=None,
         **transfer_vals):
    transfers = [dict({'amount': cents, 'category': '9/0101108TS/', 'remittance': 'Carta d\'identità',
                       'iban': IBAN}, **transfer_vals) for cents in amounts]
    return gpd.position(
        gpd.iupd_for(ORG, iuv),
        {'type': 'F', 'fiscal_code': 'RSSMRA70C03H501D', 'name': 'Mario Rossi', 'email': email, 'country': 'IT',
         'city': 'Roma'},
        'Comune di Prova',
        {'iuv': iuv, 'nav': '3' + iuv, 'amount': sum(amounts) if total is None else total, 'description': 'Carta d\'identità – 2026/0001',
         'due': due(), 'transfers': transfers})


# ---------------------------------------------------------------------- the position

def test_position_in_cents_with_numbered_transfers(gpd):
    data = make(gpd, amounts=(2000, 200, 21), postal_iban=POSTAL)
    option = data['paymentOption'][0]
    assert data['iupd'] == ORG + '-01000000000000140'
    assert option['amount'] == 2221 and option['isPartialPayment'] is False
    assert [t['idTransfer'] for t in option['transfer']] == ['1', '2', '3']
    assert [t['amount'] for t in option['transfer']] == [2000, 200, 21]
    assert all(t['iban'] == IBAN and t['postalIban'] == POSTAL and 'stamp' not in t for t in option['transfer'])
    assert option['dueDate'].endswith('Z') and data['switchToExpired'] is False
    assert data['email'] == 'mario.rossi@example.com'


@pytest.mark.parametrize('amounts', [(), (1, 1, 1, 1, 1, 1)])
def test_one_to_five_transfers(gpd, amounts):
    with pytest.raises(gpd.GpdError, match='1 to 5 transfers') as caught:
        make(gpd, amounts=amounts)
    assert caught.value.kind == 'payload'


def test_transfers_add_up_to_the_option(gpd):
    transfers = [{'amount': 1000, 'category': 'c', 'remittance': 'r', 'iban': IBAN}]
    with pytest.raises(gpd.GpdError, match='add up to 1000 cents, the payment option is 1001'):
        gpd.position('X-1', {'type': 'F', 'fiscal_code': 'X', 'name': 'N'}, 'C',
                     {'iuv': '1', 'amount': 1001, 'description': 'd', 'due': due(), 'transfers': transfers})


@pytest.mark.parametrize('amount', [10.5, 0, -3, True, '1000'])
def test_amounts_are_positive_integer_cents(gpd, amount):
    with pytest.raises(gpd.GpdError, match='positive number of cents'):
        make(gpd, amounts=(amount,), total=1000)


STAMP = {'hash': 'c2VjcmV0LWRvY3VtZW50LWhhc2g=', 'type': '01', 'province': 'RM'}


@pytest.mark.parametrize('vals, ok', [
    ({'iban': IBAN}, True),
    ({'iban': False, 'stamp': STAMP}, True),
    ({'iban': IBAN, 'stamp': STAMP}, False),
    ({'iban': False}, False),
    ({'iban': False, 'stamp': STAMP, 'postal_iban': POSTAL}, False),
])
def test_iban_xor_stamp(gpd, server, client, vals, ok):
    if not ok:
        with pytest.raises(gpd.GpdError, match='IBAN') as caught:
            make(gpd, amounts=(500,), **vals)
        assert caught.value.kind == 'payload'
        return
    data = make(gpd, amounts=(500,), **vals)
    transfer = data['paymentOption'][0]['transfer'][0]
    assert ('iban' in transfer) != ('stamp' in transfer)
    assert gpd.publish(client, data).status == 'VALID'  # the stand-in accepts both forms


def test_texts_cut_to_140_and_bad_email_left_out(gpd):
    data = make(gpd, email='not an address')
    assert 'email' not in data
    long = gpd.position('X-1', {'type': 'G', 'fiscal_code': '02438750586', 'name': 'Ditta ' * 40}, 'C' * 200,
                        {'iuv': '1', 'amount': 5, 'description': 'd ' * 100, 'due': due(),
                         'transfers': [{'amount': 5, 'category': 'c', 'remittance': 'r' * 300, 'iban': IBAN}]})
    assert len(long['fullName']) == len(long['companyName']) == len(long['paymentOption'][0]['description']) == 140
    assert len(long['paymentOption'][0]['transfer'][0]['remittanceInformation']) == 140


def test_backoff_schedule(gpd):
    assert [gpd.backoff_delay(n) for n in range(1, 11)] == [
        60, 120, 240, 480, 960, 1920, 3840, 7680, 15360, 21600]
    assert gpd.backoff_delay(1, retry_after=300) == 300
    assert gpd.backoff_delay(4, retry_after=30) == 480
    assert gpd.backoff_delay(1, retry_after=10 ** 9) == 21600


# ---------------------------------------------------------------------- against the stand-in

def test_publish_twice_creates_once(gpd, server, client):
    data = make(gpd)
    assert gpd.publish(client, data).status == 'VALID'
    again = gpd.publish(client, data)
    assert (again.status, again.note) == ('VALID', 'existed')
    assert len(server.positions) == 1
    assert [c[4] for c in server.calls('POST', '/debtpositions')] == [201, 409]


def test_create_lost_after_500_then_retried(gpd, server, client):
    data = make(gpd)
    server.fail('POST', '/debtpositions', status=500, after=True)
    with pytest.raises(gpd.GpdError) as caught:
        gpd.publish(client, data)
    assert caught.value.transient and caught.value.status == 500
    assert gpd.publish(client, data).status == 'VALID'
    assert len(server.positions) == 1
    assert [c[4] for c in server.calls('PUT')] == [200]


def test_timeout_is_transient(gpd, server, client):
    server.fail('POST', '/debtpositions', status=None, after=True, delay=1.5)
    with pytest.raises(gpd.GpdError, match='did not answer in time') as caught:
        gpd.publish(client, make(gpd))
    assert caught.value.transient


def test_429_gives_retry_after(gpd, server, client):
    server.fail('POST', '/debtpositions', status=429, retry_after=120)
    with pytest.raises(gpd.GpdError) as caught:
        gpd.publish(client, make(gpd))
    assert caught.value.transient and caught.value.retry_after == 120
    assert server.positions == {}


def test_iuv_of_another_position_is_rejected(gpd, server, client):
    gpd.publish(client, make(gpd))
    other = make(gpd)
    other['iupd'] = ORG + '-other'
    with pytest.raises(gpd.GpdError, match='another position with IUV') as caught:
        gpd.publish(client, other)
    assert caught.value.kind == 'rejected'


def test_wrong_key_is_rejected(gpd, server):
    client = gpd.Client(server.base_url, 'wrong', ORG)
    with pytest.raises(gpd.GpdError, match='GPD answered 401') as caught:
        gpd.read(client, 'X-1')
    assert caught.value.kind == 'rejected'


def test_update_of_a_missing_position_creates_it(gpd, server, client):
    data = make(gpd)
    assert gpd.update(client, data).status == 'VALID'
    assert server.position(ORG, data['iupd'])['status'] == 'VALID'


def test_update_of_a_paid_position_reads_it(gpd, server, client):
    data = make(gpd)
    gpd.publish(client, data)
    server.pay(ORG, '3' + data['paymentOption'][0]['iuv'])
    outcome = gpd.update(client, data)
    assert (outcome.status, outcome.note) == ('PAID', 'final')


def test_invalidate(gpd, server, client):
    data = make(gpd)
    assert gpd.invalidate(client, data['iupd']).note == 'missing'
    gpd.publish(client, data)
    assert gpd.invalidate(client, data['iupd']).status == 'INVALID'
    outcome = gpd.invalidate(client, data['iupd'])  # again: nothing changes
    assert (outcome.status, outcome.note) == ('INVALID', None)


def test_invalidate_a_draft_deletes_it(gpd, server, client):
    data = make(gpd)
    client.create(data, publish=False)
    assert server.position(ORG, data['iupd'])['status'] == 'DRAFT'
    assert gpd.invalidate(client, data['iupd']).note == 'deleted'
    assert server.positions == {}


def test_mark_paid(gpd, server, client):
    data = make(gpd)
    gpd.publish(client, data)
    nav = '3' + data['paymentOption'][0]['iuv']
    paid_at = datetime.datetime(2026, 11, 20, 9, 30)
    assert gpd.mark_paid(client, data['iupd'], nav, paid_at).status == 'PAID'
    assert server.calls('POST', '/paids/' + nav)[0][3] == {'paymentDate': '2026-11-20T09:30:00Z'}
    assert gpd.mark_paid(client, data['iupd'], nav, paid_at).status == 'PAID'  # 409: already paid


def test_mark_paid_of_an_invalid_position(gpd, server, client):
    data = make(gpd)
    gpd.publish(client, data)
    gpd.invalidate(client, data['iupd'])
    outcome = gpd.mark_paid(client, data['iupd'], '3' + data['paymentOption'][0]['iuv'], due(0))
    assert (outcome.status, outcome.note) == ('INVALID', 'not_payable')


@pytest.mark.parametrize('change, message', [
    (lambda d: d.update(status='VALID'), 'Additional properties'),
    (lambda d: d['paymentOption'][0].update(amount=22.21), 'is not of type'),
    (lambda d: d['paymentOption'][0]['transfer'][0].update(idTransfer='6'), 'is not one of'),
    (lambda d: d['paymentOption'][0]['transfer'][0].update(amount=1), 'must coincide'),
    (lambda d: d['paymentOption'][0].update(dueDate='2020-01-01T00:00:00Z'), 'due_date must be'),
    (lambda d: d['paymentOption'][0].update(dueDate='2030-01-01'), 'date-time'),
    (lambda d: d.pop('switchToExpired'), 'required'),
])
def test_the_stand_in_refuses_what_the_openapi_refuses(gpd, server_module, change, message):
    server = server_module.GpdServer().start()
    try:
        data = make(gpd)
        change(data)
        response = requests.post(server.base_url + '/organizations/%s/debtpositions' % ORG, json=data,
                                 headers={'Ocp-Apim-Subscription-Key': server.key}, timeout=5)
        assert response.status_code == 400
        assert len(server.violations) == 1 and message in server.violations[0], server.violations
        assert server.positions == {}
    finally:
        server.stop()
