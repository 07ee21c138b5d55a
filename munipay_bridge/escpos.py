"""ESC/POS for thermal receipt printers (Epson and the many printers that speak its dialect).

Pure functions, no I/O: the commands as bytes, a receipt (lines with a style, a QR code,
a cut) rendered to one byte string, and the status bytes a printer answers read back.

    ESC @            initialise                 ESC t n     character code table
    ESC E n          bold on/off                GS ! n      character size (width, height)
    ESC a n          align left/centre/right    ESC d n     feed n lines
    GS V 65 n        feed n lines and cut       GS V 66 n   same, partial cut
    GS ( k           QR code: model (fn 165), module size (167), error level (169),
                     store the data (180), print it (181)
    DLE EOT n        real-time status: 1 printer, 2 offline cause, 4 roll paper sensor
    GS r 1           paper sensor status (printers without real-time status)
"""
import dataclasses

ESC, GS, DLE, EOT, LF = 0x1B, 0x1D, 0x10, 0x04, 0x0A

ALIGNMENTS = {'left': 0, 'center': 1, 'right': 2}
SIZES = {'normal': (1, 1), 'double_height': (1, 2), 'double_width': (2, 1), 'double': (2, 2)}
QR_ERROR_LEVELS = {'L': 48, 'M': 49, 'Q': 50, 'H': 51}
QR_MODELS = {1: 49, 2: 50}
# Epson's numbers of the code tables munipay's languages need; a line takes the first of
# CODE_PAGES that can write all its characters (PC858 is PC850 with the euro sign)
CODE_PAGE_NUMBERS = {'cp437': 0, 'cp850': 2, 'cp1252': 16, 'cp866': 17, 'cp852': 18, 'cp858': 19}
CODE_PAGES = ('cp858', 'cp852', 'cp866')
# typography none of the code pages has (fee names and texts written in Odoo carry it):
# printed as its plain look-alike rather than '?'
PLAIN = str.maketrans({'\u2013': '-', '\u2014': '-', '\u2212': '-', '\u2018': "'", '\u2019': "'", '\u201a': "'",
                       '\u201c': '"', '\u201d': '"', '\u201e': '"', '\u2026': '...', '\u00a0': ' ', '\u202f': ' ',
                       '\u2009': ' ', '\u2022': '*'})
MAX_LINES = 200
MAX_LINE_CHARS = 120
MAX_QR_BYTES = 2000


def initialise():
    return bytes([ESC, 0x40])


def code_page(name):
    return bytes([ESC, 0x74, CODE_PAGE_NUMBERS[name]])


def bold(on):
    return bytes([ESC, 0x45, 1 if on else 0])


def size(name):
    width, height = SIZES[name]
    return bytes([GS, 0x21, ((width - 1) << 4) | (height - 1)])


def align(name):
    return bytes([ESC, 0x61, ALIGNMENTS[name]])


def feed(lines):
    return bytes([ESC, 0x64, lines])


def cut(partial=False, feed_lines=3):
    return bytes([GS, 0x56, 66 if partial else 65, feed_lines])


def _qr_function(fn, data):
    """GS ( k pL pH cn fn data: pL pH count cn, fn and the data."""
    length = len(data) + 2
    return bytes([GS, 0x28, 0x6B, length & 0xFF, length >> 8, 0x31, fn]) + data


def qr_code(payload, module_size=6, error_level='M', model=2):
    """GS ( k: select the model, the module size (dots) and the error correction level,
    store ``payload`` (str, sent as UTF-8) in the symbol storage area, print it."""
    data = payload.encode('utf-8') if isinstance(payload, str) else bytes(payload)
    return b''.join((
        _qr_function(0x41, bytes([QR_MODELS[model], 0x00])),
        _qr_function(0x43, bytes([module_size])),
        _qr_function(0x45, bytes([QR_ERROR_LEVELS[error_level]])),
        _qr_function(0x50, b'\x30' + data),
        _qr_function(0x51, b'\x30'),
    ))


# ---------------------------------------------------------------- receipts

class ReceiptError(ValueError):
    """The receipt asked for is not printable as given (nothing is sent)."""


@dataclasses.dataclass(frozen=True)
class Line:
    text: str = ''
    bold: bool = False
    size: str = 'normal'
    align: str = 'left'


@dataclasses.dataclass(frozen=True)
class Qr:
    payload: str
    size: int = 6
    error: str = 'M'
    model: int = 2
    align: str = 'center'


@dataclasses.dataclass(frozen=True)
class Receipt:
    lines: tuple
    qr: Qr = None
    cut: bool = True
    feed: int = 3


def _printable(text):
    # a line never carries a command of its own: control characters would reach the printer as such
    return ''.join(ch for ch in text if ch >= ' ' and ch != '\x7f' and not '\x80' <= ch <= '\x9f')


def _choice(value, allowed, what):
    if value not in allowed:
        raise ReceiptError('%s must be one of %s (got %r)' % (what, ', '.join(map(str, allowed)), value))
    return value


def parse_receipt(body):
    """A Receipt from the JSON the bridge receives; ReceiptError says what is wrong."""
    if not isinstance(body, dict):
        raise ReceiptError('the receipt must be a JSON object')
    raw_lines = body.get('lines', [])
    if not isinstance(raw_lines, list) or len(raw_lines) > MAX_LINES:
        raise ReceiptError('lines must be a list of at most %d lines' % MAX_LINES)
    lines = []
    for index, raw in enumerate(raw_lines):
        if isinstance(raw, str):
            raw = {'text': raw}
        if not isinstance(raw, dict) or not isinstance(raw.get('text', ''), str):
            raise ReceiptError('line %d must be a string or an object with a text' % (index + 1))
        text = _printable(raw.get('text', ''))
        if len(text) > MAX_LINE_CHARS:
            raise ReceiptError('line %d is longer than %d characters' % (index + 1, MAX_LINE_CHARS))
        if not isinstance(raw.get('bold', False), bool):
            raise ReceiptError('line %d: bold must be true or false' % (index + 1))
        lines.append(Line(text, raw.get('bold', False),
                          _choice(raw.get('size', 'normal'), SIZES, 'line %d: size' % (index + 1)),
                          _choice(raw.get('align', 'left'), ALIGNMENTS, 'line %d: align' % (index + 1))))
    qr = body.get('qr')
    if isinstance(qr, str):
        qr = {'payload': qr}
    if qr is not None:
        if not isinstance(qr, dict) or not isinstance(qr.get('payload'), str) or not qr['payload']:
            raise ReceiptError('qr must be a non-empty string or an object with a payload')
        if len(qr['payload'].encode('utf-8')) > MAX_QR_BYTES:
            raise ReceiptError('the QR payload is longer than %d bytes' % MAX_QR_BYTES)
        module = qr.get('size', 6)
        if not isinstance(module, int) or isinstance(module, bool) or not 1 <= module <= 16:
            raise ReceiptError('qr size must be a whole number of dots from 1 to 16')
        qr = Qr(qr['payload'], module, _choice(qr.get('error', 'M'), QR_ERROR_LEVELS, 'qr error'),
                _choice(qr.get('model', 2), QR_MODELS, 'qr model'),
                _choice(qr.get('align', 'center'), ALIGNMENTS, 'qr align'))
    cut_paper = body.get('cut', True)
    feed_lines = body.get('feed', 3)
    if not isinstance(cut_paper, bool):
        raise ReceiptError('cut must be true or false')
    if not isinstance(feed_lines, int) or isinstance(feed_lines, bool) or not 0 <= feed_lines <= 10:
        raise ReceiptError('feed must be a whole number of lines from 0 to 10')
    if not lines and qr is None:
        raise ReceiptError('the receipt has neither lines nor a QR code')
    return Receipt(tuple(lines), qr, cut_paper, feed_lines)


def encode_line(text, pages=CODE_PAGES):
    """(code page, bytes) of ``text`` in the first of ``pages`` that has all its characters;
    else in the first page with '?' for what it lacks."""
    text = text.translate(PLAIN)
    for page in pages:
        try:
            return page, text.encode(page)
        except UnicodeEncodeError:
            continue
    return pages[0], text.encode(pages[0], errors='replace')


def render(receipt, pages=CODE_PAGES):
    """The bytes of ``receipt``: initialise, then each line with only the style commands
    that change from the line before, the QR code, the feed and the cut."""
    out = bytearray(initialise())
    state = {'align': 'left', 'bold': False, 'size': 'normal', 'page': None}
    for line in receipt.lines:
        page, data = encode_line(line.text, pages)
        if page != state['page']:
            out += code_page(page)
        if line.align != state['align']:
            out += align(line.align)
        if line.bold != state['bold']:
            out += bold(line.bold)
        if line.size != state['size']:
            out += size(line.size)
        state.update(page=page, align=line.align, bold=line.bold, size=line.size)
        out += data + bytes([LF])
    if receipt.qr:
        if receipt.qr.align != state['align']:
            out += align(receipt.qr.align)
        out += qr_code(receipt.qr.payload, receipt.qr.size, receipt.qr.error, receipt.qr.model) + bytes([LF])
    if receipt.cut:
        out += cut(feed_lines=receipt.feed)
    elif receipt.feed:
        out += feed(receipt.feed)
    return bytes(out)


# ---------------------------------------------------------------- status

STATUS_PRINTER, STATUS_OFFLINE_CAUSE, STATUS_PAPER = 1, 2, 4


def status_request(n):
    return bytes([DLE, EOT, n])


def paper_sensor_request():
    return bytes([GS, 0x72, 0x01])


def is_realtime_answer(byte):
    """DLE EOT answers have bit 4 set and bits 0 and 7 clear."""
    return byte & 0x93 == 0x12


@dataclasses.dataclass
class Status:
    online: bool = True
    cover_open: bool = False
    paper: str = 'ok'           # ok | near_end | out
    error: bool = False

    @property
    def state(self):
        """What the kiosk says: ready, paper_near_end, paper_out, cover_open, error, offline."""
        if self.cover_open:
            return 'cover_open'
        if self.paper == 'out':
            return 'paper_out'
        if self.error:
            return 'error'
        if not self.online:
            return 'offline'
        return 'paper_near_end' if self.paper == 'near_end' else 'ready'

    @property
    def can_print(self):
        return self.state in ('ready', 'paper_near_end')

    def as_dict(self):
        return {'state': self.state, 'online': self.online, 'cover_open': self.cover_open,
                'paper': self.paper, 'error': self.error}


def read_realtime(printer_byte, cause_byte, paper_byte):
    """Status from the answers to DLE EOT 1, 2 and 4 (each one byte)."""
    if paper_byte & 0x60 == 0x60 or cause_byte & 0x20:
        paper = 'out'
    elif paper_byte & 0x0C == 0x0C:
        paper = 'near_end'
    else:
        paper = 'ok'
    return Status(online=not printer_byte & 0x08, cover_open=bool(cause_byte & 0x04), paper=paper,
                  error=bool(cause_byte & 0x40))


def read_paper_sensor(byte):
    """Status from the answer to GS r 1 (paper only: such printers tell nothing of the cover)."""
    if byte & 0x0C:
        return Status(paper='out')
    return Status(paper='near_end' if byte & 0x03 else 'ok')
