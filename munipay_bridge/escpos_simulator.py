"""A thermal receipt printer for the tests and for trying a kiosk without one: it parses the
ESC/POS stream it receives (on a pseudo-terminal pair or a TCP port like a network printer's
9100), keeps what it printed, and answers the status requests from its paper roll and cover.

When the roll ends (``paper_lines`` printed) or the cover is open, it stops printing like a
real printer: the rest is lost and GS r 1 gets no answer; the real-time status (DLE EOT)
still answers and says why.
"""
import dataclasses
import os
import socket
import threading

from . import escpos
from .link import FdPort

ESC, GS, DLE = escpos.ESC, escpos.GS, escpos.DLE
PAGE_NAMES = {number: name for name, number in escpos.CODE_PAGE_NUMBERS.items()}


@dataclasses.dataclass
class Behaviour:
    paper_lines: int = None        # lines left on the roll (None: endless)
    near_end_lines: int = 20       # the near-end sensor trips with this many lines left
    cover_open: bool = False
    realtime_status: bool = True   # answers DLE EOT (else only GS r 1)
    silent: bool = False           # answers nothing at all


class Parser:
    """ESC/POS bytes in, what a printer does out: ``feed(data)`` returns the events
    ('line', dict) | ('qr', dict) | ('cut', None) | ('feed', n) | ('status', n) |
    ('paper_status', n) | ('unknown', bytes), leaving an incomplete command for the next call."""

    def __init__(self):
        self.buffer = b''
        self.reset()

    def reset(self):
        self.page = 'cp437'
        self.bold = False
        self.size = 'normal'
        self.align = 'left'
        self.text = b''
        self.qr = {'model': 2, 'size': 3, 'error': 'L', 'data': b''}

    def feed(self, data):
        self.buffer += data
        events = []
        while self.buffer:
            parsed = self._one(self.buffer)
            if parsed is None:
                break
            used, event = parsed
            self.buffer = self.buffer[used:]
            if event:
                events.append(event)
        return events

    def _line(self):
        text, self.text = self.text.decode(self.page, errors='replace'), b''
        return 'line', {'text': text, 'bold': self.bold, 'size': self.size, 'align': self.align}

    def _one(self, buf):  # noqa: C901 - one branch per command
        first = buf[0]
        if first == escpos.LF:
            return 1, self._line()
        if first >= 0x20:
            end = next((i for i, b in enumerate(buf) if b < 0x20), len(buf))
            self.text += buf[:end]
            return end, None
        if first not in (ESC, GS, DLE):
            return 1, None  # CR and other controls: nothing to do
        if len(buf) < 2:
            return None
        command = buf[:2]
        if command == bytes([ESC, 0x40]):
            self.reset()
            return 2, None
        if command == bytes([GS, 0x28]):
            return self._function(buf)
        if command == bytes([GS, 0x56]):
            if len(buf) < 3:
                return None
            used = 4 if buf[2] in (65, 66) else 3
            return (used, ('cut', None)) if len(buf) >= used else None
        if len(buf) < 3:
            return None
        arg = buf[2]
        if command == bytes([ESC, 0x74]):
            self.page = PAGE_NAMES.get(arg, 'cp437')
        elif command == bytes([ESC, 0x45]):
            self.bold = bool(arg & 1)
        elif command == bytes([ESC, 0x61]):
            self.align = {0: 'left', 1: 'center', 2: 'right', 48: 'left', 49: 'center', 50: 'right'}.get(arg, 'left')
        elif command == bytes([GS, 0x21]):
            width, height = (arg >> 4) + 1, (arg & 0x0F) + 1
            self.size = {(1, 1): 'normal', (1, 2): 'double_height', (2, 1): 'double_width'}.get(
                (width, height), 'double')
        elif command == bytes([ESC, 0x64]):
            return 3, ('feed', arg)
        elif command == bytes([DLE, 0x04]):
            return 3, ('status', arg)
        elif command == bytes([GS, 0x72]):
            return 3, ('paper_status', arg)
        else:
            return 3, ('unknown', bytes(buf[:3]))
        return 3, None

    def _function(self, buf):
        if len(buf) < 5:
            return None
        length = buf[3] | buf[4] << 8
        if len(buf) < 5 + length:
            return None
        body = buf[5:5 + length]
        used = 5 + length
        if buf[2] != 0x6B or length < 2 or body[0] != 0x31:
            return used, ('unknown', bytes(buf[:used]))
        fn, rest = body[1], body[2:]
        if fn == 0x41:
            self.qr['model'] = {49: 1, 50: 2}.get(rest[0], 2)
        elif fn == 0x43:
            self.qr['size'] = rest[0]
        elif fn == 0x45:
            self.qr['error'] = {48: 'L', 49: 'M', 50: 'Q', 51: 'H'}.get(rest[0], 'L')
        elif fn == 0x50:
            self.qr['data'] = bytes(rest[1:])
        elif fn == 0x51:
            qr = dict(self.qr, payload=self.qr['data'].decode('utf-8', errors='replace'), align=self.align)
            del qr['data']
            return used, ('qr', qr)
        return used, None


class Simulator:
    def __init__(self, behaviour=None):
        self.behaviour = behaviour or Behaviour()
        self.parser = Parser()
        self.receipts = []            # the cut receipts: {'lines': [...], 'qr': [...]}
        self.current = {'lines': [], 'qr': []}
        self.unknown = []
        self.received = bytearray()
        self.kind = self.target = None
        self._stop = threading.Event()
        self._thread = None
        self._fds = []
        self._listener = None
        self._lock = threading.RLock()

    # -- the printer's state
    @property
    def paper_out(self):
        return self.behaviour.paper_lines is not None and self.behaviour.paper_lines <= 0

    @property
    def near_end(self):
        return self.behaviour.paper_lines is not None and self.behaviour.paper_lines <= self.behaviour.near_end_lines

    @property
    def stopped(self):
        return self.paper_out or self.behaviour.cover_open

    def load_paper(self, lines=None):
        with self._lock:
            self.behaviour.paper_lines = lines

    def set_cover(self, is_open):
        with self._lock:
            self.behaviour.cover_open = is_open

    def _use_paper(self, lines=1):
        if self.behaviour.paper_lines is not None:
            self.behaviour.paper_lines = max(0, self.behaviour.paper_lines - lines)

    def _answer(self, event, value):
        """The byte answered to a status request, or None."""
        b = self.behaviour
        if b.silent:
            return None
        if event == 'status':
            if not b.realtime_status:
                return None
            if value == 1:
                return 0x12 | (0x08 if self.stopped else 0)
            if value == 2:
                return 0x12 | (0x04 if b.cover_open else 0) | (0x20 if self.paper_out else 0)
            if value == 4:
                return 0x12 | (0x0C if self.near_end else 0) | (0x60 if self.paper_out else 0)
            return 0x12
        # GS r 1 waits in the print buffer: a stopped printer never reaches it
        if self.stopped:
            return None
        return (0x03 if self.near_end else 0) | (0x0C if self.paper_out else 0)

    def handle(self, data):
        """Bytes received -> bytes answered."""
        out = bytearray()
        with self._lock:
            self.received += data
            for event, value in self.parser.feed(data):
                if event in ('status', 'paper_status'):
                    answer = self._answer(event, value)
                    if answer is not None:
                        out.append(answer)
                elif self.stopped:
                    continue  # lost, as on a printer that stopped
                elif event == 'line':
                    self.current['lines'].append(value)
                    self._use_paper()
                elif event == 'qr':
                    self.current['qr'].append(value)
                    self._use_paper(value['size'] * 2)
                elif event == 'feed':
                    self._use_paper(value)
                elif event == 'cut':
                    self.receipts.append(self.current)
                    self.current = {'lines': [], 'qr': []}
                elif event == 'unknown':
                    self.unknown.append(value)
        return bytes(out)

    # -- transports
    def start_pty(self):
        import tty
        master, slave = os.openpty()
        tty.setraw(slave)
        self._fds = [master, slave]
        self.kind, self.target = 'serial', os.ttyname(slave)
        port = FdPort(master)
        port.timeout = 0.05
        self._thread = threading.Thread(target=self._serve_port, args=(port,), daemon=True, name='escpos-simulator')
        self._thread.start()
        return self

    def start_tcp(self):
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(('127.0.0.1', 0))
        self._listener.listen(2)
        self._listener.settimeout(0.1)
        self.kind, self.target = 'tcp', 'tcp:127.0.0.1:%d' % self._listener.getsockname()[1]
        self._thread = threading.Thread(target=self._serve_tcp, daemon=True, name='escpos-simulator')
        self._thread.start()
        return self

    def _serve_port(self, port):
        while not self._stop.is_set():
            data = port.read(4096)
            if data:
                answer = self.handle(data)
                if answer:
                    port.write(answer)

    def _serve_tcp(self):
        while not self._stop.is_set():
            try:
                conn, _addr = self._listener.accept()
            except (socket.timeout, OSError):
                continue
            conn.settimeout(0.1)
            with conn:
                while not self._stop.is_set():
                    try:
                        data = conn.recv(4096)
                    except socket.timeout:
                        continue
                    except OSError:
                        break
                    if not data:
                        break
                    answer = self.handle(data)
                    if answer:
                        conn.sendall(answer)

    def stop(self):
        self._stop.set()
        if self._thread:
            self._thread.join(2)
        if self._listener:
            self._listener.close()
        for fd in self._fds:
            try:
                os.close(fd)
            except OSError:
                pass
