"""``python3 -m munipay_bridge snapshot-import FILE``: load a kiosk's offline snapshot from a
CSV or XML file (the kiosk's download in Odoo, carried on a USB stick) or a JSON file.

A running bridge gets it through its API (PUT /v1/offline/snapshot, with the token of the
state folder); a stopped one finds it in its state folder when it starts. A bad file is
refused whole and the previous snapshot stays.
"""
import argparse
import json
import os
import sys
import urllib.error
import urllib.request

from .offline import OfflineStore, SnapshotError, parse_snapshot

TYPES = {'.csv': 'text/csv', '.xml': 'application/xml', '.json': 'application/json'}


def main(argv):
    parser = argparse.ArgumentParser(prog='munipay bridge snapshot-import', description=__doc__.split('\n\n')[0])
    parser.add_argument('file', help='the snapshot: .csv, .xml or .json')
    parser.add_argument('--url', default=os.environ.get('MUNIPAY_BRIDGE_URL', 'http://127.0.0.1:8765'),
                        help='the running bridge (default http://127.0.0.1:8765)')
    parser.add_argument('--state-dir', default=os.environ.get('MUNIPAY_BRIDGE_STATE') or os.path.expanduser(
        '~/.local/state/munipay-bridge'), help="the bridge's state folder (its token and offline.json)")
    parser.add_argument('--token', default=os.environ.get('MUNIPAY_BRIDGE_TOKEN'))
    args = parser.parse_args(argv)
    content_type = TYPES.get(os.path.splitext(args.file)[1].lower())
    if not content_type:
        parser.error('the file must end in .csv, .xml or .json')
    with open(args.file, 'rb') as handle:
        data = handle.read()
    try:
        count = len(parse_snapshot(data, content_type)['targets'])  # refused here before anything is sent
    except SnapshotError as exc:
        print('snapshot refused: %s' % exc, file=sys.stderr)
        return 2
    token = args.token
    token_path = os.path.join(args.state_dir, 'token')
    if not token and os.path.exists(token_path):
        with open(token_path, encoding='utf-8') as handle:
            token = handle.read().strip()
    request = urllib.request.Request(args.url.rstrip('/') + '/v1/offline/snapshot', data=data, method='PUT',
                                     headers={'Content-Type': content_type, 'Authorization': 'Bearer %s' % token})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            print('loaded into the running bridge: %s' % json.loads(response.read()))
            return 0
    except urllib.error.HTTPError as exc:
        print('the bridge refused the snapshot: %s' % exc.read().decode('utf-8', 'replace'), file=sys.stderr)
        return 2
    except (urllib.error.URLError, OSError):
        pass  # no bridge running: its next start reads the file
    store = OfflineStore(os.path.join(args.state_dir, 'offline.json'))
    store.load(data, content_type, source=os.path.basename(args.file))
    print('loaded %d targets into %s' % (count, store.path))
    return 0
