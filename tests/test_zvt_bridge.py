"""The card-terminal bridge over real HTTP against the terminal simulator, over a real pty
pair (pyserial on the bridge's side) and over TCP."""
import json
import os
import pathlib
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

pytest.importorskip('serial')

from munipay_bridge import link as links  # noqa: E402
from munipay_bridge.simulator import Behaviour, Simulator  # noqa: E402
from munipay_bridge.testing import running_bridge  # noqa: E402

ORIGIN = 'http://localhost:8069'
BOTH = pytest.mark.parametrize('transport', ['serial', 'tcp'])


def call(url, method, path, body=None, token=None, origin=ORIGIN, headers=None):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url + path, data=data, method=method)
    if token:
        request.add_header('Authorization', 'Bearer ' + token)
    if origin:
        request.add_header('Origin', origin)
    if data is not None:
        request.add_header('Content-Type', 'application/json')
    for name, value in (headers or {}).items():
        request.add_header(name, value)
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            raw = response.read()
            return response.status, (json.loads(raw) if raw else None), response.headers
    except urllib.error.HTTPError as error:
        raw = error.read()
        return error.code, (json.loads(raw) if raw else None), error.headers


def api(rig, method, path, body=None):
    return call(rig.url, method, path, body, token=rig.token)


def pay(rig, tid, amount=1050, currency='EUR'):
    return api(rig, 'POST', '/v1/payments', {'transaction_id': tid, 'amount': amount, 'currency': currency})


def wait_final(rig, tid, timeout=20.0, seen=None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status, op, _ = api(rig, 'GET', '/v1/operations/%s' % tid)
        assert status == 200
        if seen is not None and op['status_text']:
            seen.add(op['status_text'])
        if op['final']:
            return op
        time.sleep(0.03)
    raise AssertionError('operation %s not final in %ss: %s' % (tid, timeout, op))


def wait_state(rig, tid, predicate, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        op = api(rig, 'GET', '/v1/operations/%s' % tid)[1]
        if predicate(op):
            return op
        time.sleep(0.02)
    raise AssertionError('operation %s never reached the expected state: %s' % (tid, op))


# ---------------------------------------------------------------- outcomes

@BOTH
def test_card_approved(transport):
    with running_bridge(transport, Behaviour(wait_for_card=0.3, pt_abort_on_timeout=False)) as rig:
        status, op, headers = pay(rig, 'pos-1')
        assert status == 201 and op['state'] in ('queued', 'running') and not op['final']
        assert headers['Access-Control-Allow-Origin'] == ORIGIN
        seen = set()
        op = wait_final(rig, 'pos-1', seen=seen)
        assert op['state'] == 'approved', op
        assert 'Insert card' in seen  # the cashier saw the terminal's intermediate status
        assert (op['result_code'], op['amount'], op['currency']) == (0, 1050, 'EUR')
        assert op['receipt_no'] == 1 and op['trace_no'] == 1 and op['terminal_id'] == '52500038'
        assert op['card'] == {'name': 'girocard', 'type': 5, 'pan': '6725xxxxxxxxxx1234', 'expiry': '2812'}
        assert op['auth_code'] == '100001'
        assert 'Betrag EUR 10,50' in op['ticket'] and op['receipts'][0]['lines'][0] == 'MUNIPAY SIMULATOR'
        assert rig.simulator.charges == [{'amount': 1050, 'receipt_no': 1}]
        assert rig.simulator.received[:2] == [(0x06, 0x00), (0x06, 0x01)]  # registered first
        health = api(rig, 'GET', '/health')[1]
        assert health['terminal']['registered'] and not health['terminal']['busy']
        assert health['terminal']['transport'] == transport


@BOTH
def test_card_declined(transport):
    with running_bridge(transport) as rig:
        pay(rig, 'pos-d', amount=2013)  # the simulator declines amounts ending in ,13
        op = wait_final(rig, 'pos-d')
        assert op['state'] == 'declined' and op['result_code'] == 5
        assert 'declined' in op['result_text'].lower()
        assert op['ticket'].startswith('DECLINED')
        assert rig.simulator.charges == []


def test_transaction_id_percent_encoded_in_the_path():
    """The POS sends ids through encodeURIComponent: a retry id 'line:2' arrives as line%3A2."""
    with running_bridge('tcp') as rig:
        assert pay(rig, 'line:2')[0] == 201
        status, op, _ = api(rig, 'GET', '/v1/operations/line%3A2')
        assert status == 200 and op['transaction_id'] == 'line:2'
        assert wait_final(rig, 'line%3A2')['state'] == 'approved'
        status, op, _ = api(rig, 'POST', '/v1/payments/line%3A2/reversal', {'transaction_id': 'line:2:rev'})
        assert status == 201 and op['reversal_of'] == 'line:2'


def test_slip_as_text_blocks():
    with running_bridge('serial', Behaviour(print_blocks=True)) as rig:
        pay(rig, 'pos-b')
        op = wait_final(rig, 'pos-b')
        assert [r['type'] for r in op['receipts']] == ['customer', 'merchant']
        assert op['ticket'].splitlines()[2] == 'Betrag EUR 10,50'


def test_terminal_busy_repeats_the_command():
    with running_bridge('tcp', Behaviour(busy_once=True)) as rig:
        pay(rig, 'pos-r')
        assert wait_final(rig, 'pos-r')['state'] == 'approved'
        assert rig.simulator.received.count((0x06, 0x00)) == 2  # 84 9C, then repeated
        assert len(rig.simulator.charges) == 1


@BOTH
def test_terminal_refuses_the_command(transport):
    with running_bridge(transport, Behaviour(refuse_code=0x83)) as rig:
        pay(rig, 'pos-f')
        op = wait_final(rig, 'pos-f')
        assert (op['state'], op['result_code']) == ('failed', 0x83)
        assert 'refused' in op['message'] and op['result_text'] == 'Function not possible'
        assert rig.simulator.charges == []


# ---------------------------------------------------------------- serial faults

def test_nak_and_retransmit():
    with running_bridge('serial', Behaviour(nak_next_frame=True)) as rig:
        pay(rig, 'pos-n')
        assert wait_final(rig, 'pos-n')['state'] == 'approved'
        assert rig.simulator.faults == ['nak']
        assert rig.bridge.terminal.link.stats['retransmissions'] >= 1
        assert len(rig.simulator.charges) == 1


def test_corrupted_crc_from_the_terminal():
    with running_bridge('serial', Behaviour(corrupt_next_crc=True)) as rig:
        pay(rig, 'pos-c')
        assert wait_final(rig, 'pos-c')['state'] == 'approved'
        assert rig.simulator.faults == ['corrupted crc']
        assert rig.bridge.terminal.link.stats['naks_sent'] == 1
        assert len(rig.simulator.charges) == 1


# ---------------------------------------------------------------- timeouts

def test_terminal_not_answering_on_serial_is_failed():
    """No ACK at all: the terminal never took the command, nothing can have been charged."""
    with running_bridge('serial', Behaviour(silent=True), timeouts=links.Timeouts(ack=0.1, byte=0.1)) as rig:
        pay(rig, 'pos-s')
        op = wait_final(rig, 'pos-s')
        assert op['state'] == 'failed' and 'did not take' in op['message']


def test_terminal_not_answering_on_tcp():
    """Over TCP nothing acknowledges the bytes: a payment sent and never answered is unknown,
    while a terminal silent from the start fails at registration (no payment sent)."""
    with running_bridge('tcp', Behaviour(silent=True), t3=0.5) as rig:
        pay(rig, 'pos-0')
        op = wait_final(rig, 'pos-0')
        assert op['state'] == 'failed' and 'registration' in op['message']
        assert not api(rig, 'GET', '/health')[1]['terminal']['registered']
        rig.simulator.behaviour.silent = False
        pay(rig, 'pos-1')
        assert wait_final(rig, 'pos-1')['state'] == 'approved'
        rig.simulator.behaviour.silent = True
        pay(rig, 'pos-2')
        op = wait_final(rig, 'pos-2')
        assert op['state'] == 'unknown' and 'did not answer the command' in op['message']
        assert rig.simulator.received.count((0x06, 0x01)) == 1  # pos-2 never reached it


@BOTH
def test_terminal_silent_after_taking_the_command_is_unknown(transport):
    """80 00 00 and then nothing: money may have been taken, the cashier must check."""
    with running_bridge(transport, Behaviour(silent_after_ack=True), t3=1.0, t4=1.0) as rig:
        rig.simulator.behaviour.silent_after_ack = False
        registered = pay(rig, 'pos-reg')
        assert registered[0] == 201 and wait_final(rig, 'pos-reg')['state'] == 'approved'
        rig.simulator.behaviour.silent_after_ack = True
        pay(rig, 'pos-t')
        op = wait_final(rig, 'pos-t')
        assert op['state'] == 'unknown'
        assert 'silent' in op['message'] and 'check' in op['message']
        # the terminal is back: asked for its last transaction, it shows the earlier payment
        rig.simulator.behaviour.silent_after_ack = False
        status, op, _ = api(rig, 'POST', '/v1/operations/pos-t/check')
        assert status == 202 and op['checking']
        op = wait_state(rig, 'pos-t', lambda op: not op['checking'])
        assert op['state'] == 'unknown' and op['check']['verdict'] == 'not_charged'
        assert op['check']['last_transaction']['receipt_no'] == 1
        assert api(rig, 'POST', '/v1/operations/pos-reg/check')[0] == 409  # approved: nothing to check


# ---------------------------------------------------------------- abort, reversal, end of day

@BOTH
def test_abort_by_the_cashier(transport):
    with running_bridge(transport, Behaviour(wait_for_card=10)) as rig:
        pay(rig, 'pos-a')
        wait_state(rig, 'pos-a', lambda op: op['status_text'] == 'Insert card')
        status, op, _ = api(rig, 'POST', '/v1/operations/pos-a/abort')
        assert status == 202 and op['abort_requested']
        op = wait_final(rig, 'pos-a', timeout=8)
        assert op['state'] == 'aborted' and op['result_code'] == 0x6C
        assert (0x06, 0xB0) in rig.simulator.received and rig.simulator.charges == []
        status, body, _ = api(rig, 'POST', '/v1/operations/pos-a/abort')
        assert status == 409 and body['operation']['state'] == 'aborted'


def test_reversal_and_end_of_day():
    with running_bridge('serial') as rig:
        pay(rig, 'pos-1', amount=700)
        assert wait_final(rig, 'pos-1')['state'] == 'approved'
        status, rev, _ = api(rig, 'POST', '/v1/payments/pos-1/reversal', {'transaction_id': 'pos-1-rev'})
        assert status == 201 and rev['kind'] == 'reversal' and rev['reversal_of'] == 'pos-1'
        rev = wait_final(rig, 'pos-1-rev')
        assert rev['state'] == 'approved' and rev['receipt_no'] == 1
        assert rig.simulator.reversed == [{'amount': 700, 'receipt_no': 1}] and rig.simulator.charges == []
        assert api(rig, 'GET', '/v1/operations/pos-1')[1]['reversed_by'] == 'pos-1-rev'
        status, body, _ = api(rig, 'POST', '/v1/payments/pos-1/reversal', {'transaction_id': 'pos-1-rev2'})
        assert status == 409  # never reversed twice

        pay(rig, 'pos-2', amount=2013)
        wait_final(rig, 'pos-2')
        assert api(rig, 'POST', '/v1/payments/pos-2/reversal', {'transaction_id': 'x'})[0] == 409

        pay(rig, 'pos-3', amount=300)
        wait_final(rig, 'pos-3')
        status, eod, _ = api(rig, 'POST', '/v1/end-of-day', {'transaction_id': 'eod-1'})
        assert status == 201
        eod = wait_final(rig, 'eod-1')
        assert eod['state'] == 'approved' and 'Summe EUR 3,00' in eod['ticket']
        assert rig.simulator.end_of_days == 1


# ---------------------------------------------------------------- idempotency and restart

def test_same_transaction_never_charged_twice(tmp_path):
    with running_bridge('tcp', journal=str(tmp_path / 'journal.json')) as rig:
        first = pay(rig, 'pos-i')
        again = pay(rig, 'pos-i')  # the POS retried while the first runs
        assert first[0] == 201 and again[0] == 200
        assert wait_final(rig, 'pos-i')['state'] == 'approved'
        status, op, _ = pay(rig, 'pos-i')  # and once more after the end (e.g. a reloaded page)
        assert status == 200 and op['state'] == 'approved'
        assert pay(rig, 'pos-i', amount=999)[0] == 409  # same id, other amount
        assert rig.simulator.received.count((0x06, 0x01)) == 1
        assert len(rig.simulator.charges) == 1


def test_one_operation_at_a_time():
    with running_bridge('tcp', Behaviour(wait_for_card=10)) as rig:
        pay(rig, 'pos-x')
        status, body, _ = pay(rig, 'pos-y')
        assert status == 409 and body == {'error': 'busy', 'current': 'pos-x'}
        api(rig, 'POST', '/v1/operations/pos-x/abort')
        assert wait_final(rig, 'pos-x')['state'] == 'aborted'
        rig.simulator.behaviour.wait_for_card = 0
        assert pay(rig, 'pos-y')[0] == 201
        assert wait_final(rig, 'pos-y')['state'] == 'approved'


def test_bad_input():
    with running_bridge('tcp') as rig:
        assert pay(rig, 'pos-z', amount=-5)[0] == 400
        assert pay(rig, 'pos-z', amount=10.5)[0] == 400
        assert pay(rig, 'pos-z', currency='XXX')[0] == 400
        assert pay(rig, 'bad id with spaces')[0] == 400
        request = urllib.request.Request(rig.url + '/v1/payments', data=b'{not json', method='POST')
        request.add_header('Authorization', 'Bearer ' + rig.token)
        with pytest.raises(urllib.error.HTTPError) as error:
            urllib.request.urlopen(request, timeout=5)
        assert error.value.code == 400
        assert call(rig.url, 'POST', '/v1/payments', {'x': 1})[0] == 401  # no token: nothing parsed
        assert api(rig, 'GET', '/v1/operations/nope')[0] == 404
        assert rig.simulator.received == []


def wait_url(url, tid, predicate, timeout=20.0):
    deadline = time.monotonic() + timeout
    while True:
        op = call(url, 'GET', '/v1/operations/%s' % tid, token='secret-token')[1]
        if predicate(op):
            return op
        assert time.monotonic() < deadline, op
        time.sleep(0.03)


def free_port():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def start_bridge_process(state, port, *args):
    """``./munipay bridge`` as the cashier's PC runs it (the script execs Python: its pid is the bridge)."""
    env = dict(os.environ, PYTHON=sys.executable, MUNIPAY_BRIDGE_STATE=str(state))
    proc = subprocess.Popen(
        [str(ROOT / 'munipay'), 'bridge', '--listen', '127.0.0.1:%d' % port, *args],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    line = proc.stdout.readline()
    assert line.startswith('munipay bridge: http://127.0.0.1:%d  token: ' % port), line
    return proc, line.split('token: ')[1].strip()


def test_munipay_bridge_command_with_simulator(tmp_path):
    port = free_port()
    proc, token = start_bridge_process(tmp_path, port, '--simulator', 'serial')
    try:
        assert (tmp_path / 'token').read_text().strip() == token  # generated once, kept
        assert oct((tmp_path / 'token').stat().st_mode & 0o777) == '0o600'
        url = 'http://127.0.0.1:%d' % port
        status, body, _ = call(url, 'GET', '/health', token=token)
        assert status == 200 and body['terminal']['transport'] == 'serial'
        call(url, 'POST', '/v1/payments', {'transaction_id': 'cmd-1', 'amount': 1013}, token=token)
        deadline = time.monotonic() + 8
        while not (op := call(url, 'GET', '/v1/operations/cmd-1', token=token)[1])['final']:
            assert time.monotonic() < deadline
            time.sleep(0.05)
        assert op['state'] == 'declined'  # the simulator's ,13 rule
    finally:
        proc.terminate()
        assert proc.wait(5) == 0
    assert (tmp_path / 'journal.json').exists()


def test_bridge_killed_mid_payment(tmp_path):
    """The bridge process dies while the card holder is at the terminal: after a restart the
    POS learns 'unknown' (check the terminal), and starting the same line again sends nothing."""
    sim = Simulator(Behaviour(wait_for_card=1.0, pt_abort_on_timeout=False)).start_tcp()
    port = free_port()
    url = 'http://127.0.0.1:%d' % port
    args = ('--tcp', sim.target, '--origin', ORIGIN, '--token', 'secret-token', '--t3', '2', '--t4', '20')
    proc, _ = start_bridge_process(tmp_path, port, *args)
    try:
        sim.behaviour.wait_for_card = 0
        call(url, 'POST', '/v1/payments', {'transaction_id': 'pos-k0', 'amount': 4200}, token='secret-token')
        wait_url(url, 'pos-k0', lambda op: op['final'])
        sim.behaviour.wait_for_card = 1.0
        status, op, _ = call(url, 'POST', '/v1/payments', {'transaction_id': 'pos-k', 'amount': 4200},
                             token='secret-token')
        assert status == 201
        deadline = time.monotonic() + 5
        while call(url, 'GET', '/v1/operations/pos-k', token='secret-token')[1]['status_text'] != 'Insert card':
            assert time.monotonic() < deadline
            time.sleep(0.02)
        proc.send_signal(signal.SIGKILL)
        proc.wait(5)
        proc, _ = start_bridge_process(tmp_path, port, *args)
        status, op, _ = call(url, 'GET', '/v1/operations/pos-k', token='secret-token')
        assert status == 200 and op['final'] and op['state'] == 'unknown'
        assert 'check the terminal' in op['message']
        status, op, _ = call(url, 'POST', '/v1/payments', {'transaction_id': 'pos-k', 'amount': 4200},
                             token='secret-token')
        assert status == 200 and op['state'] == 'unknown'
        deadline = time.monotonic() + 5
        while len(sim.charges) < 2:  # the terminal finished the payment without the bridge: money taken
            assert time.monotonic() < deadline
            time.sleep(0.05)
        assert sim.received.count((0x06, 0x01)) == 2  # pos-k0 and pos-k, each once
        # the cashier asks the bridge to check with the terminal: its last transaction is this one
        assert call(url, 'POST', '/v1/operations/pos-k/check', token='secret-token')[0] == 202
        op = wait_url(url, 'pos-k', lambda op: not op['checking'])
        assert op['state'] == 'approved' and op['check']['verdict'] == 'charged'
        assert (op['receipt_no'], op['trace_no'], op['card']['name']) == (2, 2, 'girocard')
        assert 'Betrag EUR 42,00' in op['ticket']
        # a new line (new id) works with the restarted bridge
        call(url, 'POST', '/v1/payments', {'transaction_id': 'pos-k2', 'amount': 100}, token='secret-token')
        assert wait_url(url, 'pos-k2', lambda op: op['final'])['state'] == 'approved'
    finally:
        proc.kill()
        proc.wait(5)
        sim.stop()


def test_restart_before_sending_is_failed(tmp_path):
    from munipay_bridge.journal import Journal
    journal = Journal(str(tmp_path / 'j.json'))
    journal.add({'transaction_id': 'a', 'kind': 'payment', 'state': 'queued', 'dispatched': False})
    journal.add({'transaction_id': 'b', 'kind': 'payment', 'state': 'running', 'dispatched': True})
    journal.add({'transaction_id': 'c', 'kind': 'payment', 'state': 'approved', 'dispatched': True})
    journal.add({'transaction_id': 'd', 'kind': 'payment', 'state': 'unknown', 'checking': True})
    again = Journal(str(tmp_path / 'j.json'))
    assert sorted(again.recover()) == ['a', 'b', 'd']
    assert [again.get(t)['state'] for t in 'abcd'] == ['failed', 'unknown', 'approved', 'unknown']
    assert not again.get('d')['checking']
    assert Journal(str(tmp_path / 'j.json')).get('a')['state'] == 'failed'  # persisted


# ---------------------------------------------------------------- CORS and token

def test_token_and_origin_are_checked():
    with running_bridge('tcp') as rig:
        assert call(rig.url, 'GET', '/health')[:2] == (401, {'error': 'unauthorized'})
        assert call(rig.url, 'GET', '/health', token=rig.token + 'x')[0] == 401
        assert call(rig.url, 'GET', '/health', token=rig.token[:-1])[0] == 401
        status, _, headers = call(rig.url, 'POST', '/v1/payments', {'transaction_id': 'e', 'amount': 100},
                                  token=rig.token, origin='https://evil.example')
        assert status == 403 and 'Access-Control-Allow-Origin' not in headers
        assert rig.bridge.journal.get('e') is None and rig.simulator.received == []
        status, _, headers = call(rig.url, 'OPTIONS', '/v1/payments', origin='https://evil.example',
                                  headers={'Access-Control-Request-Method': 'POST'})
        assert status == 403 and 'Access-Control-Allow-Origin' not in headers
        status, _, headers = call(rig.url, 'OPTIONS', '/v1/payments', headers={
            'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Private-Network': 'true'})
        assert status == 204 and headers['Access-Control-Allow-Origin'] == ORIGIN
        assert 'Authorization' in headers['Access-Control-Allow-Headers']
        assert headers['Access-Control-Allow-Private-Network'] == 'true'
        status, body, headers = call(rig.url, 'GET', '/health', token=rig.token)
        assert status == 200 and body['ok'] and headers['Access-Control-Allow-Origin'] == ORIGIN
        assert call(rig.url, 'GET', '/health', headers={'X-Munipay-Token': rig.token}, origin=None)[0] == 200
        # a name rebound to 127.0.0.1 (DNS rebinding) is refused even with the token
        assert call(rig.url, 'GET', '/health', token=rig.token, origin=None,
                    headers={'Host': 'evil.example:%s' % rig.url.rsplit(':', 1)[1]})[0] == 403
