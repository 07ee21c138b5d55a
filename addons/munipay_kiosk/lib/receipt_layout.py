"""The kiosk receipt as the device bridge's receipt printer takes it (POST
/v1/printer/receipt): lines laid out for a fixed number of columns (42 at normal
size on 80 mm paper). No ORM here: the add-on passes translated, formatted texts."""
import re
import textwrap

WIDTH = 42
MAX_LINES = 200
MAX_TEXT = 120
MAX_ID = 100
# the printer drops control characters anyway; here they would break the column count
_CONTROL = re.compile(r'[\x00-\x1f\x7f-\x9f]')


def clean(text):
    """One printable line: no control characters, plain spaces, no runs of spaces."""
    text = _CONTROL.sub(' ', str(text or '')).replace('\u00a0', ' ').replace('\u202f', ' ')
    return ' '.join(text.split())


def wrap(text, width=WIDTH):
    """``text`` on lines of at most ``width`` characters (words longer than a line are cut)."""
    return textwrap.wrap(clean(text), width, break_long_words=True, break_on_hyphens=False) or ['']


def columns(label, value, width=WIDTH):
    """'Inserted                        30.00 EUR': the label left, the value right on the
    same line where both fit; a long label wraps and a value that does not fit after its
    last line goes on a line of its own, right-aligned (wrapped if it is longer than a line)."""
    value = clean(value)
    lines = wrap(label, width)
    last = lines[-1]
    if len(last) + 1 + len(value) <= width:
        lines[-1] = last + ' ' * (width - len(last) - len(value)) + value
    else:
        lines += [part.rjust(width) for part in wrap(value, width)]
    return lines


def layout(items, width=WIDTH):
    """The printer's ``lines`` for ``items``, each one of
    ``('title', text)`` (bold, double height, centred), ``('center', text)`` (bold, centred),
    ``('text', text)`` (wrapped), ``('row', label, value)``, ``('total', label, value)`` (bold row),
    ``('rule',)`` (a dashed line), ``('blank',)``."""
    lines = []
    for item in items:
        kind = item[0]
        if kind == 'title':
            lines += [{'text': line, 'bold': True, 'size': 'double_height', 'align': 'center'}
                      for line in wrap(item[1], width)]
        elif kind == 'center':
            lines += [{'text': line, 'bold': True, 'align': 'center'} for line in wrap(item[1], width)]
        elif kind == 'text':
            lines += wrap(item[1], width)
        elif kind in ('row', 'total'):
            rows = columns(item[1], item[2], width)
            lines += [{'text': line, 'bold': True} for line in rows] if kind == 'total' else rows
        elif kind == 'rule':
            lines.append('-' * width)
        elif kind == 'blank':
            lines.append('')
        else:
            raise ValueError('unknown receipt item %r' % (kind,))
    return lines


def receipt_job(receipt_id, items, qr=None, width=WIDTH):
    """The JSON body of POST /v1/printer/receipt: printed once per ``receipt_id`` by the
    bridge; ``qr`` (the signed confirmation) is printed under the lines."""
    receipt_id = clean(receipt_id)
    if not 1 <= len(receipt_id) <= MAX_ID:
        raise ValueError('a receipt id has 1 to %d characters' % MAX_ID)
    lines = layout(items, width)
    if len(lines) > MAX_LINES:
        raise ValueError('a receipt has at most %d lines' % MAX_LINES)
    for line in lines:
        text = line['text'] if isinstance(line, dict) else line
        if len(text) > min(width, MAX_TEXT):
            raise ValueError('line too long for the paper: %r' % text)
    job = {'receipt_id': receipt_id, 'lines': lines, 'cut': True, 'feed': 3}
    if qr:
        job['qr'] = {'payload': qr, 'size': 6, 'error': 'M', 'model': 2, 'align': 'center'}
    return job
