"""The kiosk's snapshot files as Odoo writes them (munipay_kiosk/lib/snapshot_files.py) load
into the device bridge (munipay_bridge/offline.py) unchanged, with the bridge's lookup."""
import pathlib
import sys

from conftest import load_lib

ROOT = pathlib.Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from munipay_bridge.offline import OfflineStore, parse_snapshot  # noqa: E402

files = load_lib('munipay_kiosk', 'snapshot_files')
cash_session = load_lib('munipay_kiosk', 'cash_session')

TARGETS = [
    {'kind': 'order', 'target_id': 7, 'keys': ['301000000000012345', 'PO/2026/0007'], 'name': 'PO/2026/0007',
     'fee': 'Tassa, "rifiuti" & <mensa>', 'initials': 'M. R.', 'amount_due': 2221, 'currency': 'EUR'},
    {'kind': 'wallet', 'target_id': 3, 'keys': ['6001000000000018'], 'name': 'Stołówka', 'fee': '',
     'initials': 'Ж. Б.', 'amount_due': 0, 'currency': 'PLN', 'top_up': True, 'balance': -150, 'max_amount': 20000},
]


def expected():
    out = []
    for target in TARGETS:
        target = dict(target, top_up=target.get('top_up', False), balance=target.get('balance'))
        if not target['top_up']:
            target.pop('max_amount', None)
        out.append(target)
    return out


def test_csv_and_xml_round_trip_through_the_bridge():
    csv_text = files.to_csv(TARGETS)
    xml_data = files.to_xml(TARGETS, '2026-11-22T20:00:00Z', ['01234567890'])
    assert parse_snapshot(csv_text.encode(), 'text/csv')['targets'] == expected()
    parsed = parse_snapshot(xml_data, 'application/xml')
    assert parsed == {'generated_at': '2026-11-22T20:00:00Z', 'creditors': ['01234567890'], 'targets': expected()}
    store = OfflineStore(None)
    store.load(xml_data, 'application/xml')
    assert store.lookup('PAGOPA|002|301000000000012345|01234567890|2221')['target_id'] == 7
    assert store.lookup('PAGOPA|002|301000000000012345|98765432109|2221')['reason'] == 'other_creditor'


def test_normalise_and_session_end_time():
    assert files.normalise(' rf18 5390 ') == 'RF185390'
    assert str(cash_session.finished_at({'updated_at': '2026-11-22T19:58:02Z'})) == '2026-11-22 19:58:02'
    assert cash_session.finished_at({'updated_at': 'yesterday'}) is None
    assert cash_session.finished_at(None) is None
