"""A kiosk's offline snapshot as the files an officer carries to a kiosk on a USB stick
(CSV or XML), in the format the device bridge imports (``munipay_bridge/offline.py``:
``python3 -m munipay_bridge snapshot-import FILE``). No ORM here.

A target is ``{kind, target_id, keys, name, fee, initials, amount_due (cents), currency,
top_up?, balance?, max_amount?}``.
"""
import csv
import io
import re
from xml.etree import ElementTree as ET

CSV_COLUMNS = ('kind', 'target_id', 'keys', 'name', 'fee', 'initials', 'amount_due', 'currency', 'top_up',
               'balance', 'max_amount')


def normalise(text):
    """What the bridge matches a scanned text against: no spaces, upper case."""
    return re.sub(r'\s', '', str(text or '')).upper()


def _cell(value):
    if value is None:
        return ''
    if isinstance(value, bool):
        return '1' if value else '0'
    return str(value)


def to_csv(targets):
    out = io.StringIO()
    writer = csv.writer(out, lineterminator='\n')
    writer.writerow(CSV_COLUMNS)
    for target in targets:
        row = dict(target, keys=' '.join(target['keys']))
        writer.writerow([_cell(row.get(column)) for column in CSV_COLUMNS])
    return out.getvalue()


def to_xml(targets, generated_at, creditors=()):
    root = ET.Element('munipay-kiosk-snapshot', {'version': '1', 'generated_at': generated_at})
    if creditors:
        root.set('creditors', ' '.join(creditors))
    for target in targets:
        attrs = {name: _cell(target.get(name)) for name in ('kind', 'target_id', 'amount_due', 'currency', 'top_up',
                                                            'balance', 'max_amount')}
        node = ET.SubElement(root, 'target', attrs)
        for name in ('name', 'fee', 'initials'):
            ET.SubElement(node, name).text = target.get(name) or ''
        for key in target['keys']:
            ET.SubElement(node, 'key').text = key
    ET.indent(root)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding='utf-8') + b'\n'
