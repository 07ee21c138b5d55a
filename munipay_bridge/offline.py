"""What a kiosk needs while Odoo is unreachable: a snapshot of what it may collect and a
queue of the payments it took meanwhile, in one JSON file written atomically on every
change (it survives the bridge's restarts, like the cash journal).

A target is ``{kind, target_id, keys, name, fee, initials, amount_due (cents), currency,
top_up?, balance?}``; ``keys`` are the normalised references that find it (``normalise``).
A scanned notice finds it by the whole text or by any token of the payload (pagoPA
``PAGOPA|002|<notice>|<fiscal code>|<cents>``, EPC lines, ``Purpose=<ref> …``), or by an
RF reference or an 18-digit notice number anywhere in it.

A snapshot from Odoo also names the municipality's ``creditors`` (its pagoPA fiscal code,
its collection IBAN): a pagoPA or EPC notice naming another creditor is refused, since
references are unique per creditor only (a CSV file names none: no such check).

Queued payments are ``{key, kind, target_id, target, session, queued_at, synced_at,
answer}``, idempotent by key; the money a payment took is subtracted from its target's
amount due until a snapshot taken after its sync replaces the old one.

The snapshot comes as JSON (``{"generated_at", "targets": [...]}``), CSV (the columns of
``CSV_COLUMNS``, keys separated by spaces) or XML::

    <munipay-kiosk-snapshot generated_at="...">
      <target kind="order" target_id="12" amount_due="2221" currency="EUR" top_up="0" balance="" max_amount="">
        <name>PO/1</name><fee>Canteen</fee><initials>M. R.</initials><key>RF18…</key>
      </target>
    </munipay-kiosk-snapshot>

A file with any bad row is refused whole: the previous snapshot stays.
"""
import csv
import io
import json
import os
import re
import threading
import xml.etree.ElementTree as ET

from .bridge import ApiError
from .journal import now

KEY_RE = re.compile(r'^[A-Za-z0-9._:-]{1,80}$')
CSV_COLUMNS = ('kind', 'target_id', 'keys', 'name', 'fee', 'initials', 'amount_due', 'currency', 'top_up', 'balance',
               'max_amount')
MAX_TARGETS = 20000
KEEP_SYNCED = 1000
_SPLIT = re.compile(r'[|;,=\s]+')
_RF_ANYWHERE = re.compile(r'RF\d{2}[0-9A-Z]{1,21}')
_NOTICE_ANYWHERE = re.compile(r'(?<!\d)\d{18}(?!\d)')


class SnapshotError(ValueError):
    """A snapshot that cannot be loaded; ``str()`` says which row and why."""


def normalise(text):
    return re.sub(r'\s', '', str(text or '')).upper()


def candidates(text):
    """The normalised values a scanned or typed text may name a target by."""
    text = str(text or '').replace('\x00', '')[:2000]
    compact = normalise(text)
    values = {compact} | {normalise(token) for token in _SPLIT.split(text)}
    values |= set(_RF_ANYWHERE.findall(compact)) | set(_NOTICE_ANYWHERE.findall(text))
    return {value for value in values if value}


def named_creditor(text):
    """The creditor a scanned pagoPA or EPC069-12 payload names (normalised), or None."""
    text = str(text or '')
    parts = text.split('|')
    if len(parts) >= 4 and parts[0].strip().upper() == 'PAGOPA':
        return normalise(parts[3]) or None
    lines = text.strip().splitlines()
    if len(lines) >= 7 and lines[0].strip() == 'BCD':
        return normalise(lines[6]) or None  # the beneficiary's IBAN
    return None


def _creditors(value):
    if isinstance(value, str):
        value = value.split()
    if not isinstance(value, list) or len(value) > 50:
        raise SnapshotError('creditors must be a list of at most 50 fiscal codes or IBANs')
    return sorted({normalise(item)[:40] for item in value if normalise(item)})


def _int(value, what, row, optional=False):
    if optional and value in (None, ''):
        return None
    if isinstance(value, str) and re.fullmatch(r'-?\d{1,12}', value.strip()):
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int):
        raise SnapshotError('target %d: %s must be a whole number' % (row, what))
    return value


def _bool(value):
    return value is True or str(value).strip().lower() in ('1', 'true', 'yes')


def check_target(raw, row):
    """One target of a snapshot, checked and normalised (SnapshotError otherwise)."""
    if not isinstance(raw, dict):
        raise SnapshotError('target %d is not an object' % row)
    kind = str(raw.get('kind') or '').strip()
    if not re.fullmatch(r'[a-z_]{1,30}', kind):
        raise SnapshotError('target %d: kind must be a word (order, wallet, ...)' % row)
    keys = raw.get('keys')
    if isinstance(keys, str):
        keys = keys.split()
    if not isinstance(keys, list) or not keys:
        raise SnapshotError('target %d: keys must list the references that find it' % row)
    keys = sorted({normalise(key) for key in keys if normalise(key)})[:20]
    currency = str(raw.get('currency') or '').strip().upper()
    if not re.fullmatch(r'[A-Z]{3}', currency):
        raise SnapshotError('target %d: currency must be an ISO 4217 code' % row)
    due = _int(raw.get('amount_due'), 'amount_due', row, optional=True) or 0
    balance = _int(raw.get('balance'), 'balance', row, optional=True)
    if due < 0:
        raise SnapshotError('target %d: amount_due must not be negative' % row)
    target = {
        'kind': kind, 'target_id': _int(raw.get('target_id'), 'target_id', row), 'keys': keys,
        'name': str(raw.get('name') or '')[:120], 'fee': str(raw.get('fee') or '')[:120],
        'initials': str(raw.get('initials') or '')[:20], 'amount_due': due, 'currency': currency,
        'top_up': _bool(raw.get('top_up')), 'balance': balance,
    }
    if target['top_up']:
        target['max_amount'] = _int(raw.get('max_amount'), 'max_amount', row, optional=True)
    return target


def parse_snapshot(data, content_type='application/json'):
    """``{'generated_at', 'creditors', 'targets'}`` from the bytes of a JSON, CSV or XML snapshot."""
    if isinstance(data, bytes):
        try:
            data = data.decode('utf-8-sig')
        except UnicodeDecodeError:
            raise SnapshotError('the snapshot is not UTF-8 text') from None
    kind = (content_type or '').split(';')[0].strip().lower()
    if kind in ('text/csv', 'csv'):
        reader = csv.DictReader(io.StringIO(data))
        if not reader.fieldnames or not {'kind', 'target_id', 'keys', 'amount_due', 'currency'} <= set(
                reader.fieldnames):
            raise SnapshotError('the CSV file needs the columns %s' % ', '.join(CSV_COLUMNS))
        body = {'generated_at': None, 'targets': list(reader)}
    elif kind in ('application/xml', 'text/xml', 'xml'):
        body = _parse_xml(data)
    else:
        try:
            body = json.loads(data)
        except ValueError:
            raise SnapshotError('the snapshot is not JSON') from None
        if not isinstance(body, dict) or not isinstance(body.get('targets'), list):
            raise SnapshotError('the snapshot must be an object with a list of targets')
    if len(body['targets']) > MAX_TARGETS:
        raise SnapshotError('the snapshot holds more than %d targets' % MAX_TARGETS)
    targets = [check_target(raw, row) for row, raw in enumerate(body['targets'], 1)]
    return {'generated_at': str(body.get('generated_at') or '')[:40] or None,
            'creditors': _creditors(body.get('creditors') or []), 'targets': targets}


def _parse_xml(text):
    # no DTD at all: no entity can expand or reach outside the file
    if re.search(r'<!(DOCTYPE|ENTITY)', text, re.IGNORECASE):
        raise SnapshotError('the XML file must not declare a DOCTYPE or entities')
    try:
        root = ET.fromstring(text)
    except ET.ParseError as exc:
        raise SnapshotError('the XML file cannot be read: %s' % exc) from None
    if root.tag != 'munipay-kiosk-snapshot':
        raise SnapshotError('the XML file is not a munipay kiosk snapshot')
    targets = []
    for node in root:
        if node.tag != 'target':
            raise SnapshotError('unexpected element <%s> in the snapshot' % node.tag)
        raw = dict(node.attrib)
        for field in ('name', 'fee', 'initials'):
            raw[field] = node.findtext(field) or ''
        raw['keys'] = [key.text or '' for key in node.findall('key')]
        targets.append(raw)
    return {'generated_at': root.get('generated_at'), 'creditors': root.get('creditors') or '', 'targets': targets}


class OfflineStore:
    """The snapshot and the queue of one kiosk's bridge."""

    def __init__(self, path):
        self.path = path
        self.lock = threading.RLock()
        self.data = {'snapshot': {'generated_at': None, 'loaded_at': None, 'source': None, 'targets': []},
                     'payments': {}}
        if path and os.path.exists(path):
            with open(path, encoding='utf-8') as handle:
                self.data.update(json.load(handle))
        self._index()

    def _index(self):
        self.by_key = {}
        for position, target in enumerate(self.data['snapshot']['targets']):
            for key in target['keys']:
                self.by_key.setdefault(key, position)

    def save(self):
        if not self.path:
            return
        payments = self.data['payments']
        synced = sorted((p['synced_at'], key) for key, p in payments.items() if p.get('synced_at'))
        for _, key in synced[:max(len(synced) - KEEP_SYNCED, 0)]:
            del payments[key]
        os.makedirs(os.path.dirname(os.path.abspath(self.path)), exist_ok=True)
        tmp = '%s.tmp' % self.path
        with open(tmp, 'w', encoding='utf-8') as handle:
            json.dump(self.data, handle, indent=1, sort_keys=True)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, self.path)  # atomic: a crash leaves the old or the new file, never half

    # -- snapshot
    def load(self, data, content_type='application/json', source='page'):
        try:
            snapshot = parse_snapshot(data, content_type)
        except SnapshotError as exc:
            raise ApiError(400, str(exc)) from None
        with self.lock:
            self.data['snapshot'] = dict(snapshot, loaded_at=now(), source=source)
            self._index()
            self.save()
        return self.snapshot_info()

    def snapshot_info(self):
        with self.lock:
            snapshot = self.data['snapshot']
            return {'generated_at': snapshot['generated_at'], 'loaded_at': snapshot['loaded_at'],
                    'source': snapshot['source'], 'targets': len(snapshot['targets'])}

    def _taken(self, target):
        """Cents this kiosk took for ``target`` that the snapshot does not know of."""
        loaded = self.data['snapshot']['loaded_at'] or ''
        return sum(p['inserted'] for p in self.data['payments'].values()
                   if (p['kind'], p['target_id']) == (target['kind'], target['target_id'])
                   and (not p.get('synced_at') or p['synced_at'] >= loaded))

    def lookup(self, text):
        with self.lock:
            creditors = self.data['snapshot'].get('creditors') or []
            creditor = named_creditor(text)
            if creditors and creditor and creditor not in creditors:
                return {'status': 'refused', 'reason': 'other_creditor', 'offline': True}
            found = [self.by_key[value] for value in candidates(text) if value in self.by_key]
            if not found:
                return {'status': 'not_found', 'offline': True}
            target = dict(self.data['snapshot']['targets'][min(found)])
            target.pop('keys')
            target['amount_due'] = max(target['amount_due'] - self._taken(target), 0)
            if not target['amount_due'] and not target['top_up']:
                return {'status': 'refused', 'reason': 'nothing_due', 'offline': True, 'name': target['name']}
            return dict(target, status='ok', offline=True)

    # -- queue
    def queue(self, body):
        key = body.get('key')
        session = body.get('session')
        if not isinstance(key, str) or not KEY_RE.match(key):
            raise ApiError(400, 'key must be 1-80 letters, digits or ._:-')
        if not isinstance(session, dict) or session.get('session_id') != key or session.get('final') is not True:
            raise ApiError(400, 'session must be the final cash session of this key')
        inserted = session.get('inserted')
        target_id = body.get('target_id')
        if isinstance(inserted, bool) or not isinstance(inserted, int) or inserted < 0:
            raise ApiError(400, 'the session must say how many cents were inserted')
        if isinstance(target_id, bool) or not isinstance(target_id, int) or not isinstance(body.get('kind'), str):
            raise ApiError(400, 'kind and target_id name what was paid')
        target = body.get('target') if isinstance(body.get('target'), dict) else {}
        if len(json.dumps(target)) > 4000:
            raise ApiError(400, 'target is too large')
        with self.lock:
            known = self.data['payments'].get(key)
            if known:
                if (known['kind'], known['target_id'], known['inserted']) != (body['kind'], target_id, inserted):
                    raise ApiError(409, 'key reused with other data')
                return dict(known), False
            payment = {'key': key, 'kind': body['kind'], 'target_id': target_id, 'target': target,
                       'session': session, 'inserted': inserted, 'queued_at': now(), 'synced_at': None,
                       'answer': None}
            self.data['payments'][key] = payment
            self.save()
            return dict(payment), True

    def pending(self):
        with self.lock:
            found = [dict(p) for p in self.data['payments'].values() if not p.get('synced_at')]
        return sorted(found, key=lambda p: (p['queued_at'], p['key']))

    def get(self, key):
        with self.lock:
            payment = self.data['payments'].get(key)
            return dict(payment) if payment else None

    def mark_synced(self, key, answer):
        with self.lock:
            payment = self.data['payments'].get(key)
            if not payment:
                raise ApiError(404, 'unknown payment')
            if not payment.get('synced_at'):
                payment.update(synced_at=now(), answer=answer if isinstance(answer, dict) else None)
                self.save()
            return dict(payment)

    def stats(self):
        pending = self.pending()
        return {'pending': len(pending), 'oldest': pending[0]['queued_at'] if pending else None,
                'snapshot': self.snapshot_info()}
