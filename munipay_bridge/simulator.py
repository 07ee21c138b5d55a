"""A ZVT card-terminal simulator, for the tests and for trying the POS without a terminal.

It speaks the terminal's side over a pseudo-terminal pair (the bridge opens the slave
device with pyserial) or over TCP. Without a scripted ``Behaviour`` it decides by the
amount's cents, so a cashier can try every outcome by hand:

- ``…,13`` (e.g. 10.13): declined by the issuer (result code 05);
- ``…,66``: the terminal goes silent after taking the command (the bridge ends ``unknown``);
- ``…,77``: waits 30 s "for the card" (time to press abort);
- anything else: approved after "Insert card", "Please watch PIN pad", "Waiting for host".
"""
import dataclasses
import datetime
import logging
import os
import socket
import threading
import time

from . import link as links
from . import zvt

_logger = logging.getLogger(__name__)


@dataclasses.dataclass
class Behaviour:
    result: int = None               # None: by the cents (see above); 0 approves; else a result code
    statuses: tuple = (0x0A, 0x01, 0x04)
    step_delay: float = 0.02          # pause before each message
    wait_for_card: float = 0.0        # seconds waiting for the card (an abort ends it)
    print_blocks: bool = False        # slips as 06 D3 text blocks instead of 06 D1 lines
    nak_next_frame: bool = False      # serial: NAK the next frame once (bad CRC seen)
    corrupt_next_crc: bool = False    # serial: send the next frame once with a wrong CRC
    silent: bool = False              # take nothing: no ACK (serial), no answer (TCP)
    silent_after_ack: bool = False    # answer 80 00 00, then nothing
    busy_once: bool = False           # answer 84 9C 00 (repeat) once
    refuse_code: int = None           # answer payments with 84 <code> 00 (e.g. 0x83 function not possible)
    pt_abort_on_timeout: bool = True  # after wait_for_card without abort: 06 1E 6C


class SimSerialLink(links.SerialLink):
    """The terminal's end of the serial line, with faults to inject."""

    def __init__(self, port, sim, timeouts=None):
        super().__init__(port, timeouts)
        self.sim = sim

    def _send_frame(self, raw):
        if self.sim.behaviour.corrupt_next_crc:
            self.sim.behaviour.corrupt_next_crc = False
            self.sim.faults.append('corrupted crc')
            raw = raw[:-2] + bytes([raw[-2] ^ 0xFF]) + raw[-1:]
        super()._send_frame(raw)

    def _read_frame_body(self):
        if self.sim.behaviour.nak_next_frame:
            self.sim.behaviour.nak_next_frame = False
            self.sim.faults.append('nak')
            while self._read(self.timeouts.byte):  # swallow the frame as if it were garbled
                pass
            return self._nak()
        return super()._read_frame_body()


class Simulator:
    """The terminal; ``start_tcp()`` or ``start_pty()``, then point the bridge at ``target``."""

    def __init__(self, behaviour=None, terminal_id=52500038, timeouts=None):
        self.behaviour = behaviour or Behaviour()
        self.terminal_id = terminal_id
        self.timeouts = timeouts or links.Timeouts(ack=1.0, byte=0.5)
        self.receipt_no = 0
        self.trace_no = 0
        self.received = []      # every command APDU (class, instr) received
        self.charges = []       # approved payments still standing: {'amount', 'receipt_no'}
        self.reversed = []
        self.faults = []
        self.end_of_days = 0
        self._abort_requested = False
        self.last_receipt = None  # (04 0F of the last approved payment, its slip) for 06 20
        self._stop = threading.Event()
        self._threads = []
        self._closers = []
        self.target = None
        self.kind = None

    # -- transports
    def start_pty(self):
        import tty  # POSIX only: the bridge itself also runs on Windows
        master, slave = os.openpty()
        tty.setraw(slave)  # no echo, no line editing: bytes pass unchanged
        self._slave = slave  # kept open so the master does not see EOF before the bridge opens it
        self.target = os.ttyname(slave)
        self.kind = 'serial'
        port = links.FdPort(master)
        self._closers += [lambda: os.close(master), lambda: os.close(slave)]
        self._spawn(self._serve, SimSerialLink(port, self, self.timeouts))
        return self

    def start_tcp(self, host='127.0.0.1', port=0):
        server = socket.socket()
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind((host, port))
        server.listen(4)
        server.settimeout(0.2)
        self._closers.append(server.close)
        self.target = '%s:%d' % server.getsockname()[:2]
        self.kind = 'tcp'
        self._spawn(self._accept, server)
        return self

    def _spawn(self, target, *args):
        thread = threading.Thread(target=target, args=args, daemon=True, name='zvt-simulator')
        thread.start()
        self._threads.append(thread)

    def _accept(self, server):
        while not self._stop.is_set():
            try:
                conn, _ = server.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            self._closers.append(conn.close)
            self._spawn(self._serve, links.TcpLink(conn, self.timeouts))

    def stop(self):
        self._stop.set()
        for close in reversed(self._closers):
            try:
                close()
            except OSError:
                pass
        for thread in self._threads:
            thread.join(2)

    # -- the terminal
    def _serve(self, link):
        while not self._stop.is_set():
            if self.behaviour.silent:
                time.sleep(0.05)
                continue
            try:
                apdu = link.receive(0.1)
            except links.LinkError:
                return
            if apdu is None or self.behaviour.silent:  # went silent while reading
                continue
            self.received.append(apdu.command)
            try:
                self._command(link, apdu)
            except links.LinkError as exc:
                _logger.info('simulator: link lost: %s', exc)
                if link.framed is False:
                    return
            except (zvt.ApduError, KeyError, ValueError) as exc:
                _logger.warning('simulator: bad command %s: %s', apdu, exc)

    def _pause(self):
        time.sleep(self.behaviour.step_delay)

    def _send(self, link, apdu):
        """Send a PT message and wait for the ECR's 80 00 00. When the ECR is gone the
        terminal carries on (a real one completes the payment with the cardholder)."""
        self._pause()
        if getattr(link, 'lost', False):
            return None
        try:
            return self._send_and_wait(link, apdu)
        except links.LinkError:
            link.lost = True
            return None

    def _send_and_wait(self, link, apdu):
        link.send(apdu)
        answer = link.receive(5.0)
        while answer is not None and answer.command == zvt.ABORT.command:
            self.received.append(answer.command)
            self._abort_requested = True
            link.send(zvt.ACK)
            answer = link.receive(5.0)
        return answer

    def _command(self, link, apdu):
        b = self.behaviour
        if b.busy_once and apdu.cls == 0x06:
            b.busy_once = False
            link.send(zvt.nack(zvt.REPEAT))
            return
        if apdu.command == zvt.ABORT.command:
            link.send(zvt.ACK)  # nothing running
            return
        if b.refuse_code is not None and apdu.command == (0x06, 0x01):
            link.send(zvt.nack(b.refuse_code))
            return
        link.send(zvt.ACK)
        if b.silent_after_ack:
            return
        if apdu.command == (0x06, 0x00):
            self._send(link, zvt.completion(self.terminal_id))
        elif apdu.command == (0x06, 0x01):
            self._authorise(link, apdu)
        elif apdu.command == (0x06, 0x30):
            self._reverse(link, apdu)
        elif apdu.command == (0x06, 0x50):
            self._end_of_day(link)
        elif apdu.command == (0x06, 0x20):
            self._repeat_receipt(link)
        else:
            self._send(link, zvt.pt_abort(0x83))

    def _outcome_for(self, amount):
        b = self.behaviour
        if b.result is not None:
            return b.result, b.wait_for_card, False
        cents = amount % 100
        return (0x05 if cents == 13 else 0), (30.0 if cents == 77 else b.wait_for_card), cents == 66

    def _wait_for_card(self, link, seconds):
        """True when the cashier aborted (06 B0) while the terminal waited for the card."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and not self._stop.is_set() and not self._abort_requested:
            try:
                apdu = None if getattr(link, 'lost', False) else link.receive(0.05)
            except links.LinkError:
                link.lost = True
            if getattr(link, 'lost', False):
                time.sleep(0.05)
                continue
            if apdu is not None and apdu.command == zvt.ABORT.command:
                self.received.append(apdu.command)
                link.send(zvt.ACK)
                return True
        return self._abort_requested

    def _authorise(self, link, apdu):
        fields = dict(zvt.parse_bmps(apdu.data))
        amount = zvt.bcd_decode(fields[0x04])
        result, wait, silent = self._outcome_for(amount)
        if silent:
            return
        self._abort_requested = False
        statuses = list(self.behaviour.statuses)
        if statuses:
            self._send(link, zvt.intermediate_status(statuses.pop(0)))
        if wait and (self._wait_for_card(link, wait) or self.behaviour.pt_abort_on_timeout):
            self._send(link, zvt.pt_abort(0x6C))
            return
        for status in statuses:
            self._send(link, zvt.intermediate_status(status))
        if self._abort_requested:
            self._send(link, zvt.pt_abort(0x6C))
            return
        self.trace_no += 1
        now = datetime.datetime.now()
        common = dict(amount=amount, currency=978, trace_no=self.trace_no, terminal_id=self.terminal_id,
                      date=now.strftime('%m%d'), time=now.strftime('%H%M%S'))
        if result:
            self._send(link, zvt.status_information(result_code=result, **common))
            self._slip(link, ['DECLINED', '%d.%02d EUR' % divmod(amount, 100), zvt.result_text(result)])
            self._send(link, zvt.pt_abort(result))
            return
        self.receipt_no += 1
        info = zvt.status_information(
            result_code=0, receipt_no=self.receipt_no, card_type=5, card_name='girocard',
            pan='6725xxxxxxxxxx1234', expiry='2812', auth_code='%06d' % (100000 + self.trace_no), **common)
        slip = ['MUNIPAY SIMULATOR', 'girocard', 'Betrag EUR %d,%02d' % divmod(amount, 100),
                'Beleg-Nr. %d  Trace %d' % (self.receipt_no, self.trace_no), 'Zahlung erfolgt']
        self.charges.append({'amount': amount, 'receipt_no': self.receipt_no})
        self.last_receipt = (info, slip)
        self._send(link, info)
        self._slip(link, slip)
        self._send(link, zvt.intermediate_status(0x0B))
        self._send(link, zvt.completion())

    def _slip(self, link, lines):
        if self.behaviour.print_blocks:
            self._send(link, zvt.print_text_block(2, lines))
            self._send(link, zvt.print_text_block(1, lines))
            return
        for index, line in enumerate(lines):
            self._send(link, zvt.print_line(line, last=index == len(lines) - 1))

    def _reverse(self, link, apdu):
        receipt_no = zvt.bcd_decode(dict(zvt.parse_bmps(apdu.data[3:]))[0x87])
        match = [c for c in self.charges if c['receipt_no'] == receipt_no]
        if not match:
            self._send(link, zvt.status_information(result_code=0xB5))
            self._send(link, zvt.pt_abort(0xB5))
            return
        self.charges.remove(match[0])
        self.reversed.append(match[0])
        self.trace_no += 1
        self._send(link, zvt.status_information(result_code=0, amount=match[0]['amount'],
                                                receipt_no=receipt_no, trace_no=self.trace_no))
        self._slip(link, ['STORNO', 'Beleg-Nr. %d' % receipt_no])
        self._send(link, zvt.completion())

    def _repeat_receipt(self, link):
        if self.last_receipt is None:
            self._send(link, zvt.pt_abort(0x83))
            return
        info, slip = self.last_receipt
        self._send(link, info)
        self._slip(link, slip)
        self._send(link, zvt.completion())

    def _end_of_day(self, link):
        total = sum(c['amount'] for c in self.charges)
        self.end_of_days += 1
        self._send(link, zvt.intermediate_status(0x0E))
        self._send(link, zvt.status_information(result_code=0, amount=total, trace_no=self.trace_no))
        self._slip(link, ['KASSENSCHNITT', 'Summe EUR %d,%02d' % divmod(total, 100)])
        self.charges = []
        self._send(link, zvt.completion())
