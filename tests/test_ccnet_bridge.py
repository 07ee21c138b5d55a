"""The bill acceptor over real HTTP: the bridge's cash sessions against the CCNET validator
simulator on a real pty pair (pyserial on the bridge's side)."""
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

from munipay_bridge import ccnet  # noqa: E402
from munipay_bridge.cash import CashDesk, CashJournal, serial_opener  # noqa: E402
from munipay_bridge.ccnet_simulator import Behaviour, Simulator  # noqa: E402
from munipay_bridge.testing import running_cash_bridge  # noqa: E402

ORIGIN = 'http://localhost:8069'
TEN, TWENTY, FIVE, FIFTY, HUNDRED, PLN20 = 1, 2, 0, 3, 4, 10  # bill types of the simulator's table


def call(url, method, path, body=None, token=None):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url + path, data=data, method=method)
    if token:
        request.add_header('Authorization', 'Bearer ' + token)
    request.add_header('Origin', ORIGIN)
    if data is not None:
        request.add_header('Content-Type', 'application/json')
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.loads(response.read() or b'null')
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b'null')


def api(rig, method, path, body=None):
    return call(rig.url, method, path, body, token=rig.token)


def wait(what, predicate, timeout=20.0):
    deadline = time.monotonic() + timeout
    while True:
        value = what()
        if predicate(value):
            return value
        if time.monotonic() > deadline:
            raise AssertionError('never reached: %s' % (value,))
        time.sleep(0.02)


def session(rig, sid):
    status, body = api(rig, 'GET', '/v1/cash/sessions/%s' % sid)
    assert status == 200, body
    return body


def device(rig):
    return api(rig, 'GET', '/v1/devices/bill-acceptor')[1]


def start(rig, sid, due, **extra):
    status, body = api(rig, 'POST', '/v1/cash/sessions', dict({'session_id': sid, 'amount_due': due,
                                                                'currency': 'EUR'}, **extra))
    assert status == 201, body
    return wait(lambda: session(rig, sid), lambda s: s['state'] == 'accepting')


@pytest.fixture
def rig():
    with running_cash_bridge() as rig:
        wait(lambda: device(rig), lambda d: d['device_state'] == 'disabled' and d['bill_table'])
        yield rig


def test_three_bills_counted_only_once_stacked():
    with running_cash_bridge(Behaviour(step_polls=8)) as rig:
        start(rig, 'k-1', 4000)
        assert rig.simulator.enabled == [0, 1, 2, 3, 4, 5, 6]  # the EUR bills of the table, not the PLN ones
        rig.simulator.insert(TEN)
        s = wait(lambda: session(rig, 'k-1'), lambda s: s['device_state'] == 'stacking')
        assert s['inserted'] == 0 and s['bills'] == []  # in escrow/stacking: not money yet
        wait(lambda: session(rig, 'k-1'), lambda s: s['inserted'] == 1000)
        rig.simulator.insert(PLN20)  # inhibited: rejected by the validator, never counted
        rig.simulator.insert(TWENTY)
        rig.simulator.insert(FIVE)
        s = wait(lambda: session(rig, 'k-1'), lambda s: s['inserted'] == 3500)
        assert s['state'] == 'accepting' and s['remaining'] == 500 and s['state_text']
        assert (s['rejected'], s['last_reject']) == (1, 'bill type inhibited')
        assert [b['amount'] for b in s['bills']] == [1000, 2000, 500]
        assert rig.simulator.cassette == [TEN, TWENTY, FIVE]
        listed = api(rig, 'GET', '/v1/cash/sessions')[1]['sessions']
        assert [x['session_id'] for x in listed] == ['k-1'] and listed[0]['inserted'] == 3500


def test_paid_disables_the_acceptor_and_overpayment_is_excess(rig):
    start(rig, 'k-2', 1500)
    rig.simulator.insert(TWENTY)
    s = wait(lambda: session(rig, 'k-2'), lambda s: s['final'])
    assert (s['state'], s['inserted'], s['excess'], s['remaining']) == ('paid', 2000, 500, 0)
    wait(lambda: rig.simulator.enabled, lambda e: e == [])
    rig.simulator.insert(TEN)  # after the session: the closed acceptor does not take it
    time.sleep(0.3)
    assert rig.simulator.cassette == [TWENTY] and device(rig)['current'] is None


def test_escrow_returned_when_over_the_maximum(rig):
    start(rig, 'k-3', 1500, max_amount=2000)
    rig.simulator.insert(TEN)
    wait(lambda: session(rig, 'k-3'), lambda s: s['inserted'] == 1000)
    rig.simulator.insert(FIFTY)  # 1000 + 5000 > 2000: given back from escrow
    s = wait(lambda: session(rig, 'k-3'), lambda s: s['returned'])
    assert s['returned'][0]['amount'] == 5000 and s['returned'][0]['reason'] == 'over the maximum'
    assert s['inserted'] == 1000 and rig.simulator.returned == [FIFTY]
    rig.simulator.insert(FIVE)
    s = wait(lambda: session(rig, 'k-3'), lambda s: s['final'])
    assert (s['state'], s['inserted'], s['excess']) == ('paid', 1500, 0)
    assert rig.simulator.cassette == [TEN, FIVE]


def test_stop_by_the_kiosk(rig):
    start(rig, 'k-4', 5000)
    rig.simulator.insert(TEN)
    wait(lambda: session(rig, 'k-4'), lambda s: s['inserted'] == 1000)
    status, s = api(rig, 'POST', '/v1/cash/sessions/k-4/stop')
    assert status == 202 and s['stop_requested']
    s = wait(lambda: session(rig, 'k-4'), lambda s: s['final'])
    assert (s['state'], s['inserted'], s['remaining']) == ('stopped', 1000, 4000)
    assert rig.simulator.enabled == []
    assert api(rig, 'POST', '/v1/cash/sessions/k-4/stop')[0] == 409
    assert api(rig, 'POST', '/v1/cash/sessions/nope/stop')[0] == 404


def test_bill_in_escrow_returned_when_the_session_closes():
    """The validator holds a bill in escrow when the kiosk stops: it is given back."""
    with running_cash_bridge(Behaviour(step_polls=1)) as rig:
        start(rig, 'k-5', 5000)
        desk = rig.desk
        decide = desk._decide

        def stop_first(sid, bill_type):  # the stop arrives while the bill is in escrow
            desk.stops.add(sid)
            decide(sid, bill_type)
        desk._decide = stop_first
        rig.simulator.insert(TWENTY)
        s = wait(lambda: session(rig, 'k-5'), lambda s: s['final'])
        assert (s['state'], s['inserted']) == ('stopped', 0)
        assert s['returned'][0]['reason'] == 'the session is closing' and rig.simulator.returned == [TWENTY]


def test_rejected_with_a_reason(rig):
    start(rig, 'k-6', 1000)
    rig.simulator.insert(TEN, reject=0x65)
    s = wait(lambda: session(rig, 'k-6'), lambda s: s['rejected'])
    assert (s['last_reject'], s['inserted']) == ('identification error', 0)
    rig.simulator.insert(TEN)
    assert wait(lambda: session(rig, 'k-6'), lambda s: s['final'])['state'] == 'paid'


@pytest.mark.parametrize('code, extra, name, cassette', [
    (0x41, None, 'cassette_full', 'full'),
    (0x42, None, 'cassette_removed', 'removed'),
    (0x43, None, 'validator_jammed', 'ok'),
    (0x44, None, 'cassette_jammed', 'jammed'),
    (0x45, None, 'cheated', 'ok'),
    (0x47, 0x50, 'failure', 'ok'),
])
def test_each_fault_reported_and_the_session_resumes(rig, code, extra, name, cassette):
    start(rig, 'k-f', 3000)
    rig.simulator.insert(TEN)
    wait(lambda: session(rig, 'k-f'), lambda s: s['inserted'] == 1000)
    rig.simulator.behaviour.fault = (code, extra)
    s = wait(lambda: session(rig, 'k-f'), lambda s: s['faults'])
    assert s['faults'][0]['name'] == name and s['state_text'].startswith('Out of order')
    assert not s['final'] and s['inserted'] == 1000
    d = device(rig)
    assert d['faults'][0]['name'] == name and d['cassette'] == cassette
    assert api(rig, 'GET', '/health')[1]['bill_acceptor']['faults'][0]['name'] == name
    if code == 0x47:
        assert d['faults'][0]['detail'] == 'stack motor failure'
    rig.simulator.behaviour.fault = None  # a person cleared it: the acceptor is enabled again
    wait(lambda: session(rig, 'k-f'), lambda s: not s['faults'])
    rig.simulator.insert(TWENTY)
    s = wait(lambda: session(rig, 'k-f'), lambda s: s['final'])
    assert (s['state'], s['inserted']) == ('paid', 3000)


def test_fault_then_stop_ends_cleanly(rig):
    start(rig, 'k-g', 3000)
    rig.simulator.insert(TEN)
    wait(lambda: session(rig, 'k-g'), lambda s: s['inserted'] == 1000)
    rig.simulator.behaviour.fault = (0x43, None)
    wait(lambda: session(rig, 'k-g'), lambda s: s['faults'])
    api(rig, 'POST', '/v1/cash/sessions/k-g/stop')
    s = wait(lambda: session(rig, 'k-g'), lambda s: s['final'])
    assert (s['state'], s['inserted'], s['faults'][0]['name']) == ('stopped', 1000, 'validator_jammed')
    assert device(rig)['current'] is None


def test_nak_and_corrupted_crc_retried_without_double_count(rig):
    start(rig, 'k-n', 3000)
    rig.simulator.behaviour.nak_next = True
    rig.simulator.behaviour.corrupt_next_crc = True
    rig.simulator.insert(TEN)
    wait(lambda: session(rig, 'k-n'), lambda s: s['inserted'] == 1000)
    rig.simulator.behaviour.stacked_unacked = True  # the ACK of "stacked" is lost: the event repeats
    rig.simulator.insert(TWENTY)
    s = wait(lambda: session(rig, 'k-n'), lambda s: s['final'])
    time.sleep(0.3)  # further repeated "stacked" answers
    s = session(rig, 'k-n')
    assert (s['state'], s['inserted'], len(s['bills'])) == ('paid', 3000, 2)
    assert sorted(rig.simulator.faults_played) == ['corrupted crc', 'nak']
    stats = device(rig)['stats']
    assert stats['naks_received'] >= 1 and stats['naks_sent'] >= 1


def test_silence_reported_then_resumed(rig):
    start(rig, 'k-s', 2000)
    rig.simulator.behaviour.silent = True
    s = wait(lambda: session(rig, 'k-s'), lambda s: s['faults'])
    assert s['faults'][0]['name'] == 'no_answer' and not s['final']
    assert device(rig)['connected'] is False
    rig.simulator.behaviour.silent = False  # back within the limit: reset, enabled again
    wait(lambda: session(rig, 'k-s'), lambda s: not s['faults'] and s['device_state'] == 'idling')
    rig.simulator.insert(TWENTY)
    assert wait(lambda: session(rig, 'k-s'), lambda s: s['final'])['state'] == 'paid'


def test_silence_beyond_the_limit_fails_keeping_the_money(rig):
    start(rig, 'k-t', 5000)
    rig.simulator.insert(TEN)
    wait(lambda: session(rig, 'k-t'), lambda s: s['inserted'] == 1000)
    rig.simulator.behaviour.silent = True
    s = wait(lambda: session(rig, 'k-t'), lambda s: s["final"], timeout=20)
    assert (s['state'], s['inserted']) == ('failed', 1000) and 'stays counted' in s['message']


def test_power_up_mid_session(rig):
    start(rig, 'k-p', 3000)
    rig.simulator.insert(TEN)
    wait(lambda: session(rig, 'k-p'), lambda s: s['inserted'] == 1000)
    resets = rig.simulator.received.count(ccnet.RESET)
    rig.simulator.power_up()  # the validator lost power: it must be reset and enabled again
    wait(lambda: rig.simulator.received.count(ccnet.RESET), lambda n: n == resets + 1)
    wait(lambda: rig.simulator.enabled, lambda e: e)
    rig.simulator.insert(TWENTY)
    s = wait(lambda: session(rig, 'k-p'), lambda s: s['final'])
    assert (s['state'], s['inserted'], len(s['bills'])) == ('paid', 3000, 2)


def test_power_up_with_a_bill_in_the_stacker_is_flagged(rig):
    start(rig, 'k-q', 3000)
    with rig.desk.journal.lock:  # the bill was in escrow, then stacking, when the power went
        rig.desk.journal.data['escrow'] = {'bill_type': TWENTY, 'session_id': 'k-q', 'at': 'x'}
        rig.simulator.power_up()
        rig.simulator.state = ccnet.POWER_UP_BILL_IN_STACKER
    s = wait(lambda: session(rig, 'k-q'), lambda s: 'compare the cassette' in s['message'])
    assert s['inserted'] == 0 and not s['final']
    wait(lambda: rig.simulator.enabled, lambda e: e)  # reset and enabled again
    rig.simulator.insert(FIFTY)
    assert wait(lambda: session(rig, 'k-q'), lambda s: s['final'])['inserted'] == 5000


def test_idempotent_start_and_bad_input(rig):
    body = {'session_id': 'k-i', 'amount_due': 2000, 'currency': 'EUR'}
    assert api(rig, 'POST', '/v1/cash/sessions', body)[0] == 201
    status, s = api(rig, 'POST', '/v1/cash/sessions', body)  # a retry: the same session
    assert status == 200 and s['session_id'] == 'k-i' and s['max_amount'] == 7000
    assert api(rig, 'POST', '/v1/cash/sessions', dict(body, amount_due=2100)) == (
        409, {'error': 'session_id reused with other data'})
    assert api(rig, 'POST', '/v1/cash/sessions', dict(body, session_id='k-j')) == (
        409, {'error': 'busy', 'current': 'k-i'})
    rig.simulator.insert(TWENTY)
    wait(lambda: session(rig, 'k-i'), lambda s: s['final'])
    status, s = api(rig, 'POST', '/v1/cash/sessions', body)  # started again after paying: nothing new
    assert status == 200 and (s['state'], s['inserted']) == ('paid', 2000)
    for bad in ({'session_id': 'x y', 'amount_due': 100}, {'session_id': 'x', 'amount_due': 0},
                {'session_id': 'x', 'amount_due': 1.5}, {'session_id': 'x', 'amount_due': 100, 'currency': 'PLN'},
                {'session_id': 'x', 'amount_due': 100, 'max_amount': 50}):
        assert api(rig, 'POST', '/v1/cash/sessions', bad)[0] == 400, bad
    assert api(rig, 'GET', '/v1/cash/sessions/none')[0] == 404
    assert call(rig.url, 'GET', '/v1/devices/bill-acceptor', token='wrong')[0] == 401
    assert api(rig, 'POST', '/v1/payments', {'transaction_id': 'a', 'amount': 1})[0] == 404  # no card terminal
    assert api(rig, 'GET', '/health')[1]['terminal'] is None


# ---------------------------------------------------------------- restarts

def free_port():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def start_process(state_dir, port, device):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.Popen(
        [sys.executable, '-m', 'munipay_bridge', '--ccnet', device, '--origin', ORIGIN, '--token', 'tok',
         '--listen', '127.0.0.1:%d' % port, '--state-dir', str(state_dir)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    assert proc.stdout.readline().startswith('munipay bridge: http://127.0.0.1:%d' % port)
    return proc


def test_bridge_killed_after_a_stack_counts_the_bill_once(tmp_path):
    """The bill's 'stacked' is journaled, then the bridge dies before the validator saw the ACK:
    the validator repeats 'stacked' to the next bridge, which must not count it again."""
    sim = Simulator(Behaviour(stacked_unacked=True)).start_pty()
    port = free_port()
    url = 'http://127.0.0.1:%d' % port
    get = lambda: call(url, 'GET', '/v1/cash/sessions/k-k', token='tok')[1]  # noqa: E731
    proc = start_process(tmp_path, port, sim.target)
    try:
        wait(lambda: call(url, 'GET', '/v1/devices/bill-acceptor', token='tok')[1],
             lambda d: d['device_state'] == 'disabled', timeout=20)
        assert call(url, 'POST', '/v1/cash/sessions', {'session_id': 'k-k', 'amount_due': 5000}, token='tok')[0] == 201
        wait(lambda: sim.enabled, lambda e: e)
        sim.insert(TEN)
        wait(get, lambda s: s['inserted'] == 1000)
        polls = sim.received.count(ccnet.POLL)
        wait(lambda: sim.received.count(ccnet.POLL), lambda n: n > polls + 2)  # "stacked" repeated meanwhile
        proc.send_signal(signal.SIGKILL)
        proc.wait(5)
        assert sim.unconfirmed == bytes([ccnet.STACKED, TEN])  # still waiting for its ACK
        proc = start_process(tmp_path, port, sim.target)
        s = get()
        assert (s['state'], s['inserted'], len(s['bills']), s['final']) == ('interrupted', 1000, 1, True)
        wait(lambda: sim.received.count(ccnet.RESET), lambda n: n == 2)  # the new bridge saw it and reset
        sim.behaviour.stacked_unacked = False
        assert get()['inserted'] == 1000
        assert call(url, 'POST', '/v1/cash/sessions', {'session_id': 'k-k', 'amount_due': 5000},
                    token='tok')[1]['state'] == 'interrupted'  # idempotent after the restart too
        assert call(url, 'POST', '/v1/cash/sessions', {'session_id': 'k-k2', 'amount_due': 4000}, token='tok')[0] == 201
        wait(lambda: sim.enabled, lambda e: e)
        sim.insert(FIFTY)
        s = wait(lambda: call(url, 'GET', '/v1/cash/sessions/k-k2', token='tok')[1], lambda s: s['final'])
        assert (s['state'], s['inserted'], s['excess']) == ('paid', 5000, 1000)
        assert sim.cassette == [TEN, FIFTY]
    finally:
        proc.terminate()
        proc.wait(5)
        sim.stop()
    journal = json.loads((tmp_path / 'cash.json').read_text())
    assert journal['operations']['k-k']['inserted'] == 1000


def test_bill_stacked_while_the_bridge_was_down_is_counted(tmp_path):
    """The bridge died after the escrow, before the 'stacked' answer was journaled: the
    validator repeats it to the next bridge, which counts it into the interrupted session."""
    path = str(tmp_path / 'cash.json')
    journal = CashJournal(path)
    journal.data['operations']['k-d'] = {
        'session_id': 'k-d', 'state': 'accepting', 'amount_due': 3000, 'currency': 'EUR', 'max_amount': 8000,
        'inserted': 1000, 'bills': [{'bill_type': TEN, 'amount': 1000, 'currency': 'EUR', 'at': 'x'}],
        'returned': [], 'rejected': 0, 'last_reject': '', 'device_state': 'escrow', 'state_text': '',
        'faults': [], 'message': '', 'stop_requested': False, 'created_at': 'x', 'updated_at': 'x'}
    journal.data['escrow'] = {'bill_type': TWENTY, 'session_id': 'k-d', 'at': 'x'}
    journal.save()
    sim = Simulator().start_pty()
    sim.state, sim.unconfirmed, sim.enabled = ccnet.IDLING, bytes([ccnet.STACKED, TWENTY]), [1, 2]
    desk = CashDesk(serial_opener(sim.target), path, timeouts=ccnet.Timeouts(poll=0.05)).start()
    try:
        wait(lambda: desk.journal.get('k-d'), lambda s: s['inserted'] == 3000)
        wait(lambda: desk.ready, bool)
        s = desk.journal.get('k-d')
        assert s['state'] == 'interrupted' and [b['amount'] for b in s['bills']] == [1000, 2000]
        assert desk.journal.data['escrow'] is None
    finally:
        desk.close()
        sim.stop()
    assert CashJournal(path).get('k-d')['inserted'] == 3000  # persisted


def test_munipay_bridge_command_with_the_simulated_acceptor(tmp_path):
    port = free_port()
    env = dict(os.environ, MUNIPAY_BRIDGE_STATE=str(tmp_path))
    proc = subprocess.Popen([str(ROOT / 'munipay'), 'bridge', '--ccnet-simulator', '--listen', '127.0.0.1:%d' % port],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        line = proc.stdout.readline()
        assert line.startswith('munipay bridge: http://127.0.0.1:%d  token: ' % port), line
        url, token = 'http://127.0.0.1:%d' % port, line.split('token: ')[1].strip()
        assert call(url, 'GET', '/health', token=token)[1]['terminal'] is None
        wait(lambda: call(url, 'GET', '/v1/devices/bill-acceptor', token=token)[1],
             lambda d: d['device_state'] == 'disabled', timeout=20)
        assert call(url, 'POST', '/v1/cash/sessions', {'session_id': 'c-1', 'amount_due': 1000}, token=token)[0] == 201
        s = wait(lambda: call(url, 'GET', '/v1/cash/sessions/c-1', token=token)[1], lambda s: s['final'], timeout=20)
        assert (s['state'], s['inserted'], s['bills'][0]['amount']) == ('paid', 1000, 1000)  # its 10.00 note
    finally:
        proc.terminate()
        assert proc.wait(5) == 0
    assert json.loads((tmp_path / 'cash.json').read_text())['operations']['c-1']['state'] == 'paid'
