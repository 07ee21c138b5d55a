"""The receipt printer over real HTTP: the bridge prints through pyserial on a real pty pair
(and over TCP, as to a network printer's port 9100) to the ESC/POS printer simulator, which
parses what it gets and answers the status from its paper roll and cover."""
import json
import os
import pathlib
import socket
import subprocess
import sys
import urllib.error
import urllib.request

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

pytest.importorskip('serial')

from munipay_bridge import escpos  # noqa: E402
from munipay_bridge.escpos_simulator import Behaviour  # noqa: E402
from munipay_bridge.testing import running_bridge, running_printer_bridge  # noqa: E402

ORIGIN = 'http://localhost:8069'
RECEIPT = {
    'receipt_id': 'kiosk-1:0001',
    'lines': [
        {'text': 'Comune di Valfiorita', 'bold': True, 'size': 'double', 'align': 'center'},
        {'text': 'Ricevuta K-0042', 'align': 'center'},
        'Carta identità        22,21 €',
        {'text': 'Totale               22,21 €', 'bold': True},
    ],
    'qr': {'payload': 'MP1|K-0042|2221|sig', 'size': 5},
    'cut': True,
}


def call(url, method, path, body=None, token=None, origin=ORIGIN):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url + path, data=data, method=method)
    if token:
        request.add_header('Authorization', 'Bearer ' + token)
    if origin:
        request.add_header('Origin', origin)
    if data is not None:
        request.add_header('Content-Type', 'application/json')
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read() or b'null')
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b'null')


def api(rig, method, path, body=None):
    return call(rig.url, method, path, body, token=rig.token)


def printed_texts(simulator):
    return [[line['text'] for line in receipt['lines']] for receipt in simulator.receipts]


@pytest.mark.parametrize('transport', ['serial', 'tcp'])
def test_a_receipt_printed_end_to_end(transport):
    with running_printer_bridge(transport=transport) as rig:
        status, answer = api(rig, 'POST', '/v1/printer/receipt', RECEIPT)
        assert status == 200, answer
        assert (answer['result'], answer['printed'], answer['receipt_id']) == ('printed', True, 'kiosk-1:0001')
        assert answer['printer']['state'] == 'ready'
        sim = rig.simulator
        assert printed_texts(sim) == [['Comune di Valfiorita', 'Ricevuta K-0042', 'Carta identità        22,21 €',
                                       'Totale               22,21 €', '']]
        first = sim.receipts[0]['lines'][0]
        assert (first['bold'], first['size'], first['align']) == (True, 'double', 'center')
        assert sim.receipts[0]['qr'] == [{'model': 2, 'size': 5, 'error': 'M', 'payload': 'MP1|K-0042|2221|sig',
                                          'align': 'center'}]
        # the exact bytes, then GS r 1 whose answer confirms the print
        expected = escpos.render(escpos.parse_receipt(RECEIPT)) + b'\x1dr\x01'
        assert bytes(sim.received).count(expected) == 1
        assert not sim.unknown
        assert api(rig, 'GET', '/health')[1]['printer'] == {'target': sim.target, 'state': 'ready'}


def test_the_same_receipt_id_prints_once():
    with running_printer_bridge() as rig:
        assert api(rig, 'POST', '/v1/printer/receipt', RECEIPT)[0] == 200
        status, again = api(rig, 'POST', '/v1/printer/receipt', RECEIPT)
        assert (status, again['result'], again['duplicate']) == (200, 'printed', True)
        assert len(rig.simulator.receipts) == 1


def test_paper_out_prints_nothing_and_is_reported():
    with running_printer_bridge(Behaviour(paper_lines=0)) as rig:
        status, answer = api(rig, 'POST', '/v1/printer/receipt', RECEIPT)
        assert status == 409
        assert (answer['result'], answer['error'], answer['printed']) == ('paper_out', 'paper_out', False)
        assert rig.simulator.receipts == [] and rig.simulator.current['lines'] == []
        assert escpos.initialise() not in bytes(rig.simulator.received), "nothing but status requests was sent"
        device = api(rig, 'GET', '/v1/devices/printer')[1]
        assert (device['state'], device['paper'], device['connected'], device['online']) == ('paper_out', 'out', True, False)
        # paper loaded: the same receipt prints
        rig.simulator.load_paper()
        assert api(rig, 'POST', '/v1/printer/receipt', RECEIPT)[1]['result'] == 'printed'


def test_paper_ending_mid_receipt_is_an_interrupted_print():
    with running_printer_bridge(Behaviour(paper_lines=3, near_end_lines=2), print_timeout=0.5) as rig:
        status, answer = api(rig, 'POST', '/v1/printer/receipt', RECEIPT)
        assert status == 409, answer
        assert (answer['result'], answer['printed'], answer['interrupted']) == ('paper_out', False, True)
        assert rig.simulator.current['lines'][-1]['text'] == 'Carta identità        22,21 €'
        assert rig.simulator.receipts == [], "never cut: the receipt is not whole"
        rig.simulator.load_paper()
        status, answer = api(rig, 'POST', '/v1/printer/receipt', RECEIPT)
        assert (status, answer['result']) == (200, 'printed'), "not taken for a duplicate: it was not printed"


def test_paper_near_end_prints_and_warns():
    with running_printer_bridge(Behaviour(paper_lines=40, near_end_lines=30)) as rig:
        status, answer = api(rig, 'POST', '/v1/printer/receipt', RECEIPT)
        assert (status, answer['result'], answer['printer']['state']) == (200, 'printed', 'paper_near_end')
        assert api(rig, 'GET', '/v1/devices/printer')[1]['paper'] == 'near_end'


def test_cover_open():
    with running_printer_bridge(Behaviour(cover_open=True)) as rig:
        status, answer = api(rig, 'POST', '/v1/printer/receipt', RECEIPT)
        assert (status, answer['result']) == (409, 'cover_open')
        assert api(rig, 'GET', '/v1/devices/printer')[1]['cover_open'] is True
        rig.simulator.set_cover(False)
        assert api(rig, 'POST', '/v1/printer/receipt', RECEIPT)[1]['result'] == 'printed'


def test_printer_with_paper_sensor_status_only():
    """No real-time status (DLE EOT unanswered): GS r 1 tells the paper; once the roll has
    ended such a printer answers nothing (it stopped before GS r): offline."""
    with running_printer_bridge(Behaviour(realtime_status=False, paper_lines=10, near_end_lines=30)) as rig:
        assert api(rig, 'GET', '/v1/devices/printer')[1]['state'] == 'paper_near_end'
        rig.simulator.load_paper()
        assert api(rig, 'POST', '/v1/printer/receipt', RECEIPT)[1]['result'] == 'printed'
        assert printed_texts(rig.simulator)[0][0] == 'Comune di Valfiorita'
        rig.simulator.load_paper(0)
        assert api(rig, 'GET', '/v1/devices/printer')[1]['state'] == 'offline'


def test_a_silent_printer_is_offline():
    with running_printer_bridge(Behaviour(silent=True)) as rig:
        status, answer = api(rig, 'POST', '/v1/printer/receipt', RECEIPT)
        assert (status, answer['result'], answer['printed']) == (503, 'offline', False)
        device = api(rig, 'GET', '/v1/devices/printer')[1]
        assert (device['connected'], device['state']) == (False, 'offline')


def test_an_unreachable_network_printer_is_offline():
    from munipay_bridge.printer import ReceiptPrinter, printer_opener
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        port = sock.getsockname()[1]  # closed again: nobody listens there
    printer = ReceiptPrinter(printer_opener('tcp:127.0.0.1:%d' % port), 'nowhere')
    assert printer.status()['state'] == 'offline'
    status, answer = printer.print_receipt(escpos.parse_receipt(RECEIPT))
    assert (status, answer['result']) == (503, 'offline')


def test_requests_are_checked_like_every_bridge_call():
    with running_printer_bridge() as rig:
        assert call(rig.url, 'POST', '/v1/printer/receipt', RECEIPT)[0] == 401
        assert call(rig.url, 'GET', '/v1/devices/printer', token='wrong')[0] == 401
        assert call(rig.url, 'POST', '/v1/printer/receipt', RECEIPT, token=rig.token,
                    origin='https://evil.example')[0] == 403
        status, answer = api(rig, 'POST', '/v1/printer/receipt', {'lines': [{'text': 'a', 'size': 'huge'}]})
        assert status == 400 and 'size' in answer['error']
        assert api(rig, 'POST', '/v1/printer/receipt', dict(RECEIPT, receipt_id=7))[0] == 400
        assert api(rig, 'GET', '/v1/printer/receipt')[0] == 405
        assert rig.simulator.receipts == []


def test_a_bridge_without_printer_says_so():
    with running_bridge() as rig:
        status, answer = call(rig.url, 'POST', '/v1/printer/receipt', RECEIPT, token=rig.token)
        assert (status, answer['result']) == (404, 'no_printer')
        assert call(rig.url, 'GET', '/v1/devices/printer', token=rig.token)[0] == 404


def test_munipay_bridge_command_with_the_simulated_printer(tmp_path):
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        port = sock.getsockname()[1]
    env = dict(os.environ, MUNIPAY_BRIDGE_STATE=str(tmp_path))
    proc = subprocess.Popen([str(ROOT / 'munipay'), 'bridge', '--printer-simulator', '--listen', '127.0.0.1:%d' % port],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        line = proc.stdout.readline()
        assert line.startswith('munipay bridge: http://127.0.0.1:%d  token: ' % port), line
        url, token = 'http://127.0.0.1:%d' % port, line.split('token: ')[1].strip()
        assert call(url, 'GET', '/v1/devices/printer', token=token)[1]['state'] == 'ready'
        status, answer = call(url, 'POST', '/v1/printer/receipt', RECEIPT, token=token)
        assert (status, answer['result']) == (200, 'printed')
    finally:
        proc.terminate()
        assert proc.wait(5) == 0
