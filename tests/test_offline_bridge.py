"""The kiosk's offline store in the bridge: snapshot (JSON, CSV, XML), lookup of scanned
notices, the payment queue; persisted across restarts, over real HTTP."""
import json
import pathlib
import subprocess
import sys
import urllib.error
import urllib.request

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from munipay_bridge.offline import OfflineStore, SnapshotError, candidates, parse_snapshot  # noqa: E402
from munipay_bridge.server import make_server  # noqa: E402

ORIGIN = 'http://localhost:8069'
NOTICE = '301000000000012345'
RF = 'RF18539007547034'
TARGETS = [
    {'kind': 'order', 'target_id': 7, 'keys': [NOTICE, 'PO/2026/0007'], 'name': 'PO/2026/0007', 'fee': 'TARI',
     'initials': 'M. R.', 'amount_due': 2221, 'currency': 'EUR'},
    {'kind': 'order', 'target_id': 8, 'keys': [RF, 'PO/2026/0008'], 'name': 'PO/2026/0008', 'fee': 'Canteen',
     'initials': 'A. B.', 'amount_due': 5000, 'currency': 'EUR'},
    {'kind': 'wallet', 'target_id': 3, 'keys': ['6001 0000 0000 0018'], 'name': 'Canteen wallet', 'fee': '',
     'initials': 'C. D.', 'amount_due': 0, 'currency': 'EUR', 'top_up': True, 'balance': 1250,
     'max_amount': 20000},
]
CSV = """kind,target_id,keys,name,fee,initials,amount_due,currency,top_up,balance
order,7,%s PO/2026/0007,PO/2026/0007,TARI,M. R.,2221,EUR,0,
wallet,3,6001000000000018,Canteen wallet,,C. D.,0,EUR,1,1250
""" % NOTICE
XML = """<?xml version="1.0" encoding="UTF-8"?>
<munipay-kiosk-snapshot generated_at="2026-11-22T20:00:00Z">
  <target kind="order" target_id="8" amount_due="5000" currency="EUR" top_up="0" balance="">
    <name>PO/2026/0008</name><fee>Mensa &amp; trasporto</fee><initials>A. B.</initials>
    <key>%s</key><key>PO/2026/0008</key>
  </target>
</munipay-kiosk-snapshot>""" % RF


def session(key, inserted, due=2221):
    return {'session_id': key, 'final': True, 'state': 'paid', 'inserted': inserted, 'amount_due': due,
            'currency': 'EUR', 'bills': [], 'created_at': '2026-11-22T20:00:00Z', 'updated_at': '2026-11-22T20:01:00Z'}


def store_with(tmp_path, targets=TARGETS):
    store = OfflineStore(str(tmp_path / 'offline.json'))
    store.load(json.dumps({'generated_at': '2026-11-22T20:00:00Z', 'targets': targets}).encode())
    return store


def test_scanned_notices_find_their_target(tmp_path):
    store = store_with(tmp_path)
    pagopa = 'PAGOPA|002|%s|01234567890|2221' % NOTICE
    epc = '\n'.join(['BCD', '002', '1', 'SCT', '', 'Comune', 'IT60X0542811101000000123456', 'EUR50.00', '', RF, ''])
    assert store.lookup(pagopa)['target_id'] == 7
    assert store.lookup(epc)['target_id'] == 8
    assert store.lookup('po/2026/0008')['target_id'] == 8, "a typed order number, any case"
    assert store.lookup('RF18 5390 0754 7034')['target_id'] == 8, "a reference typed in groups"
    assert store.lookup('ST00012|Name=Comune|Purpose=%s TARI|Sum=5000' % RF)['target_id'] == 8
    assert store.lookup('BCD0021SCTComuneEUR50.00%s' % RF)['target_id'] == 8, "an RF reference in a scan that lost its line breaks"
    wallet = store.lookup('6001000000000018')
    assert (wallet['kind'], wallet['top_up'], wallet['balance'], wallet['max_amount']) == ('wallet', True, 1250, 20000)
    assert store.lookup('nothing like it') == {'status': 'not_found', 'offline': True}
    assert 'keys' not in store.lookup(NOTICE), "the page gets what it shows, not the index"
    assert {NOTICE, 'PAGOPA', '01234567890'} <= candidates(pagopa)


def test_notices_of_another_creditor_are_refused(tmp_path):
    # references are unique per creditor only: another town's notice may carry ours
    store = OfflineStore(str(tmp_path / 'offline.json'))
    store.load(json.dumps({'generated_at': '2026-11-22T20:00:00Z', 'targets': TARGETS,
                           'creditors': ['01234567890', 'IT60 X054 2811 1010 0000 0123 456']}).encode())
    ours = 'PAGOPA|002|%s|01234567890|2221' % NOTICE
    theirs = 'PAGOPA|002|%s|98765432109|2221' % NOTICE
    assert store.lookup(ours)['target_id'] == 7
    assert store.lookup(theirs) == {'status': 'refused', 'reason': 'other_creditor', 'offline': True}
    epc = ['BCD', '002', '1', 'SCT', '', 'Comune', 'IT60X0542811101000000123456', 'EUR50.00', '', RF, '']
    assert store.lookup('\n'.join(epc))['target_id'] == 8
    epc[6] = 'DE89370400440532013000'
    assert store.lookup('\n'.join(epc))['reason'] == 'other_creditor'
    assert store.lookup(NOTICE)['target_id'] == 7, "a typed reference names no creditor"
    restarted = OfflineStore(str(tmp_path / 'offline.json'))
    assert restarted.lookup(theirs)['reason'] == 'other_creditor', "the creditors survive a restart"
    with pytest.raises(SnapshotError, match='creditors'):
        parse_snapshot(json.dumps({'targets': [], 'creditors': 7}).encode())


def test_queue_is_idempotent_lowers_the_due_and_survives_a_restart(tmp_path):
    store = store_with(tmp_path)
    body = {'key': 'k1-1', 'kind': 'order', 'target_id': 7, 'target': {'name': 'PO/2026/0007'},
            'session': session('k1-1', 2000)}
    payment, created = store.queue(body)
    assert created and payment['inserted'] == 2000 and not payment['synced_at']
    assert store.queue(body) == (store.get('k1-1'), False), "the same key again queues nothing"
    with pytest.raises(Exception) as error:
        store.queue(dict(body, target_id=8))
    assert error.value.status == 409
    assert store.lookup(NOTICE)['amount_due'] == 221, "the same notice is not shown as due in full again"

    again = OfflineStore(str(tmp_path / 'offline.json'))  # the bridge restarted
    assert [p['key'] for p in again.pending()] == ['k1-1']
    assert again.stats()['pending'] == 1 and again.stats()['oldest'] == payment['queued_at']
    assert again.lookup(NOTICE)['amount_due'] == 221
    again.queue(dict(body, key='k1-2', session=session('k1-2', 1000)))
    assert again.lookup(NOTICE) == {'status': 'refused', 'reason': 'nothing_due', 'offline': True,
                                    'name': 'PO/2026/0007'}
    again.mark_synced('k1-1', {'status': 'ok', 'outcome': 'partial'})
    assert [p['key'] for p in again.pending()] == ['k1-2']
    assert again.get('k1-1')['answer'] == {'status': 'ok', 'outcome': 'partial'}
    # Odoo's next snapshot knows the synced payment: only the pending one is subtracted
    again.load(json.dumps({'targets': [dict(TARGETS[0], amount_due=221)]}).encode())
    assert again.lookup(NOTICE) == {'status': 'refused', 'reason': 'nothing_due', 'offline': True,
                                    'name': 'PO/2026/0007'}
    assert OfflineStore(str(tmp_path / 'offline.json')).snapshot_info()['targets'] == 1


def test_csv_and_xml_snapshots(tmp_path):
    store = OfflineStore(str(tmp_path / 'offline.json'))
    assert store.load(CSV.encode(), 'text/csv')['targets'] == 2
    assert store.lookup('PAGOPA|002|%s|01234567890|2221' % NOTICE)['amount_due'] == 2221
    assert store.lookup('6001000000000018')['top_up'] is True
    assert store.load(XML.encode(), 'application/xml; charset=utf-8')['generated_at'] == '2026-11-22T20:00:00Z'
    found = store.lookup(RF)
    assert (found['target_id'], found['fee'], found['amount_due']) == (8, 'Mensa & trasporto', 5000)
    assert store.lookup(NOTICE)['status'] == 'not_found', "a snapshot replaces the previous one"


@pytest.mark.parametrize('data, content_type, message', [
    (CSV.replace('2221', '22.21'), 'text/csv', 'amount_due must be a whole number'),
    ('kind,target_id\norder,1\n', 'text/csv', 'the CSV file needs the columns'),
    (CSV.replace(',EUR,0,\n', ',EURO,0,\n'), 'text/csv', 'currency'),
    (CSV.replace('PO/2026/0007,PO', ',PO').replace(NOTICE + ' ', ''), 'text/csv', 'keys'),
    ('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a SYSTEM "file:///etc/passwd">]>'
     '<munipay-kiosk-snapshot><target kind="order" target_id="1" currency="EUR"><key>&a;</key></target>'
     '</munipay-kiosk-snapshot>', 'application/xml', 'DOCTYPE'),
    (XML.replace('</munipay-kiosk-snapshot>', ''), 'application/xml', 'cannot be read'),
    ('<other/>', 'application/xml', 'not a munipay kiosk snapshot'),
    ('{"targets": 3}', 'application/json', 'list of targets'),
    (b'\xff\xfe', 'text/csv', 'UTF-8'),
])
def test_bad_files_are_refused_whole(tmp_path, data, content_type, message):
    store = store_with(tmp_path)
    with pytest.raises(SnapshotError, match=message):
        parse_snapshot(data.encode() if isinstance(data, str) else data, content_type)
    with pytest.raises(Exception) as error:
        store.load(data.encode() if isinstance(data, str) else data, content_type)
    assert error.value.status == 400 and message in error.value.reason
    assert OfflineStore(str(tmp_path / 'offline.json')).snapshot_info()['targets'] == 3, "the old snapshot stays"


def call(url, method, path, body=None, token='tok', content_type='application/json'):
    data = body if isinstance(body, bytes) else None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url + path, data=data, method=method)
    request.add_header('Authorization', 'Bearer ' + token)
    request.add_header('Origin', ORIGIN)
    if data is not None:
        request.add_header('Content-Type', content_type)
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.loads(response.read() or b'null')
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b'null')


@pytest.fixture
def bridge(tmp_path):
    import threading
    servers = []

    def start():
        server = make_server(None, 'tok', [ORIGIN], port=0, offline=str(tmp_path / 'offline.json'))
        threading.Thread(target=server.serve_forever, kwargs={'poll_interval': 0.05}, daemon=True).start()
        servers.append(server)
        return 'http://127.0.0.1:%d' % server.server_address[1]
    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def test_offline_routes_over_http(bridge):
    url = bridge()
    big = {'targets': [dict(TARGETS[0], target_id=i, keys=['REF%06d' % i]) for i in range(1500)]}
    assert len(json.dumps(big)) > 65536, "a snapshot may be larger than the other requests"
    status, answer = call(url, 'PUT', '/v1/offline/snapshot', json.dumps(big).encode())
    assert (status, answer['targets']) == (200, 1500)
    assert call(url, 'PUT', '/v1/offline/snapshot', CSV.encode(), content_type='text/csv')[1]['targets'] == 2
    assert call(url, 'PUT', '/v1/offline/snapshot', b'<x', content_type='application/xml')[0] == 400
    assert call(url, 'POST', '/v1/offline/lookup', {'text': NOTICE})[1]['target_id'] == 7
    assert call(url, 'POST', '/v1/offline/lookup', {'text': NOTICE}, token='bad')[0] == 401
    body = {'key': 'k1-9', 'kind': 'order', 'target_id': 7, 'target': {}, 'session': session('k1-9', 2000)}
    assert call(url, 'POST', '/v1/offline/payments', body)[0] == 201
    assert call(url, 'POST', '/v1/offline/payments', body)[0] == 200
    assert call(url, 'POST', '/v1/offline/payments', dict(body, session={'session_id': 'x'}))[0] == 400
    url = bridge()  # another bridge on the same state: the restart
    status, queue = call(url, 'GET', '/v1/offline/payments')
    assert (status, queue['pending'], [p['key'] for p in queue['payments']]) == (200, 1, ['k1-9'])
    assert call(url, 'GET', '/health')[1]['offline']['pending'] == 1
    assert call(url, 'POST', '/v1/offline/payments/k1-9/synced', {'answer': {'status': 'ok'}})[0] == 200
    assert call(url, 'POST', '/v1/offline/payments/nope/synced', {})[0] == 404
    assert call(url, 'GET', '/v1/offline/payments')[1]['pending'] == 0


def test_snapshot_import_command(tmp_path):
    (tmp_path / 'kiosk.csv').write_text(CSV)
    (tmp_path / 'bad.xml').write_text('<munipay-kiosk-snapshot><target/></munipay-kiosk-snapshot>')
    command = [sys.executable, '-m', 'munipay_bridge', 'snapshot-import', '--state-dir', str(tmp_path / 'state'),
               '--url', 'http://127.0.0.1:9']  # nothing listens there: the file is written
    done = subprocess.run(command + [str(tmp_path / 'kiosk.csv')], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert OfflineStore(str(tmp_path / 'state' / 'offline.json')).lookup(NOTICE)['target_id'] == 7
    done = subprocess.run(command + [str(tmp_path / 'bad.xml')], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 2 and 'snapshot refused' in done.stderr
    assert OfflineStore(str(tmp_path / 'state' / 'offline.json')).snapshot_info()['targets'] == 2
