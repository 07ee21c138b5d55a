"""A CCNET bill-validator simulator on a pseudo-terminal pair, for the tests and by hand.

The bridge opens the slave device with pyserial; the simulator answers on the master side
as a CashCode validator would: power up → (RESET) initialize → unit disabled → (ENABLE)
idling; a bill put in with ``insert()`` goes accepting → escrow (held until STACK or
RETURN) → stacking → "bill stacked" / returning → "bill returned". Events are repeated at
every POLL until the controller ACKs them, as the device does.

Faults to play: ``fault = (code, extra)`` (cassette full 41, removed 42, jammed 43/44,
cheated 45, failure 47 + code; ``None`` clears it and the validator comes back disabled),
``insert(t, reject=0x65)``, ``silent``, ``nak_next``, ``corrupt_next_crc``, ``power_up()``,
``stacked_unacked`` (the ACK of "bill stacked" is lost: the answer is repeated until RESET).
"""
import dataclasses
import logging
import os
import threading

from . import ccnet
from .link import FdPort

_logger = logging.getLogger(__name__)

EURO_TABLE = [ccnet.Bill(0, 5, 'EUR', 0), ccnet.Bill(1, 1, 'EUR', 1), ccnet.Bill(2, 2, 'EUR', 1),
              ccnet.Bill(3, 5, 'EUR', 1), ccnet.Bill(4, 1, 'EUR', 2), ccnet.Bill(5, 2, 'EUR', 2),
              ccnet.Bill(6, 5, 'EUR', 2), ccnet.Bill(10, 2, 'PLN', 1), ccnet.Bill(11, 5, 'PLN', 1)]


@dataclasses.dataclass
class Behaviour:
    fault: tuple = None           # (code, extra) answered to every POLL while set
    silent: bool = False          # answer nothing
    nak_next: bool = False        # answer the next command with NAK (as if its CRC was bad)
    corrupt_next_crc: bool = False  # send the next answer with a wrong CRC
    stacked_unacked: bool = False   # ignore the ACK of "bill stacked": repeated until RESET
    init_polls: int = 2           # polls answered "initialize" after a RESET
    step_polls: int = 1           # polls in accepting/stacking/returning/rejecting


class Simulator:
    def __init__(self, behaviour=None, bills=None, feed=None, feed_every=20):
        self.behaviour = behaviour or Behaviour()
        self.bills = {b.bill_type: b for b in (bills or EURO_TABLE)}
        self.feed = list(feed or [])  # by hand: bill types inserted one by one while enabled
        self.feed_every = feed_every  # ... after this many idle polls (20: about 2 s)
        self.idle_polls = 0
        self.state = ccnet.POWER_UP
        self.enabled = []
        self.queue = []               # bills put in, not yet taken: (bill_type, reject reason or None)
        self.current = None           # the bill in the validator's path
        self.countdown = 0
        self.unconfirmed = None       # an event answer not ACKed yet
        self.last_answer = None
        self.received = []            # command codes, in order
        self.cassette = []            # bill types stacked
        self.returned = []
        self.faults_played = []
        self.target = None
        self.kind = 'serial'
        self.lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = None
        self._fds = []

    # -- what a person does
    def insert(self, bill_type, reject=None):
        with self.lock:
            self.queue.append((bill_type, reject))

    def power_up(self):
        with self.lock:
            self.state, self.enabled, self.current, self.unconfirmed = ccnet.POWER_UP, [], None, None

    # -- transport
    def start_pty(self):
        import tty
        master, slave = os.openpty()
        tty.setraw(slave)
        self._fds = [master, slave]
        self.target = os.ttyname(slave)
        self.port = FdPort(master)
        self._thread = threading.Thread(target=self._serve, daemon=True, name='ccnet-simulator')
        self._thread.start()
        return self

    def stop(self):
        self._stop.set()
        if self._thread:
            self._thread.join(2)
        for fd in self._fds:
            try:
                os.close(fd)
            except OSError:
                pass

    def _send(self, payload):
        raw = ccnet.frame(payload)
        if self.behaviour.corrupt_next_crc and payload not in (bytes([ccnet.ACK]), bytes([ccnet.NAK])):
            self.behaviour.corrupt_next_crc = False
            self.faults_played.append('corrupted crc')
            raw = raw[:-1] + bytes([raw[-1] ^ 0xFF])
        self.last_answer = payload
        self.port.write(raw)

    def _serve(self):
        while not self._stop.is_set():
            try:
                raw = ccnet.read_frame(self.port, 0.1, 0.05)
                if raw is None:
                    continue
                payload = ccnet.parse_frame(raw)
            except ccnet.ProtocolError:
                self._send([ccnet.NAK])
                continue
            except OSError:
                return
            if self.behaviour.silent:
                continue
            with self.lock:
                self._command(payload)

    def _command(self, payload):
        code, data = payload[0], payload[1:]
        if code == ccnet.ACK:
            if self.unconfirmed and self.last_answer == self.unconfirmed \
                    and not (self.behaviour.stacked_unacked and self.unconfirmed[0] == ccnet.STACKED):
                self.unconfirmed = None
            return
        if code == ccnet.NAK:  # our answer arrived broken: send it again
            if self.last_answer is not None:
                self._send(self.last_answer)
            return
        self.received.append(code)
        if self.behaviour.nak_next:
            self.behaviour.nak_next = False
            self.faults_played.append('nak')
            self._send([ccnet.NAK])
            return
        if code == ccnet.RESET:
            self.state, self.enabled, self.current, self.unconfirmed = ccnet.INITIALIZE, [], None, None
            self.countdown = self.behaviour.init_polls
            self._send([ccnet.ACK])
        elif code == ccnet.POLL:
            self._send(self._poll())
        elif code == ccnet.ENABLE_BILL_TYPES:
            self.enabled = ccnet.mask_types(data[:3])
            if self.state in (ccnet.UNIT_DISABLED, ccnet.IDLING):
                self.state = ccnet.IDLING if self.enabled else ccnet.UNIT_DISABLED
            self._send([ccnet.ACK])
        elif code == ccnet.STACK and self.state == ccnet.ESCROW:
            self.state, self.countdown = ccnet.STACKING, self.behaviour.step_polls
            self._send([ccnet.ACK])
        elif code == ccnet.RETURN and self.state == ccnet.ESCROW:
            self.state, self.countdown = ccnet.RETURNING, self.behaviour.step_polls
            self._send([ccnet.ACK])
        elif code == ccnet.HOLD and self.state == ccnet.ESCROW:
            self._send([ccnet.ACK])
        elif code == ccnet.IDENTIFICATION:
            self._send(b'SM-EU1315     '.ljust(15) + b'41K123456789' + bytes(7))
        elif code == ccnet.GET_BILL_TABLE:
            self._send(ccnet.encode_bill_table(self.bills.values()))
        elif code == ccnet.GET_STATUS:
            self._send(ccnet.bill_mask(self.enabled) + bytes(3))
        elif code == ccnet.SET_SECURITY:
            self._send([ccnet.ACK])
        else:
            self._send([ccnet.ILLEGAL_COMMAND])

    def _poll(self):
        """The answer to a POLL, and the validator's next state."""
        if self.unconfirmed:
            return self.unconfirmed
        if self.behaviour.fault and self.state not in (ccnet.POWER_UP, ccnet.INITIALIZE):
            self.enabled, self.state = [], ccnet.UNIT_DISABLED  # back from the fault disabled
            self.faults_played.append(self.behaviour.fault[0])
            code, extra = self.behaviour.fault
            return bytes([code]) + (b'' if extra is None else bytes([extra]))
        state = self.state
        if state == ccnet.POWER_UP:
            return bytes([state])
        if state == ccnet.INITIALIZE:
            self.countdown -= 1
            if self.countdown <= 0:
                self.state = ccnet.UNIT_DISABLED
            return bytes([state])
        if state == ccnet.IDLING:
            self.idle_polls += 1
            if not self.queue and self.feed and self.idle_polls >= self.feed_every:
                self.queue.append((self.feed.pop(0), None))
            if self.queue:
                self.current, self.idle_polls = self.queue.pop(0), 0
                self.state, self.countdown = ccnet.ACCEPTING, self.behaviour.step_polls
            return bytes([ccnet.IDLING])
        if state == ccnet.ACCEPTING:
            self.countdown -= 1
            if self.countdown <= 0:
                bill_type, reject = self.current
                if reject is None and (bill_type not in self.bills or bill_type not in self.enabled):
                    reject = 0x68  # inhibited
                if reject is not None:
                    self.state, self.countdown = ccnet.REJECTING, self.behaviour.step_polls
                    self.current = (bill_type, reject)
                else:
                    self.state = ccnet.ESCROW
            return bytes([ccnet.ACCEPTING])
        if state == ccnet.REJECTING:
            self.countdown -= 1
            if self.countdown <= 0:
                self.state, reason, self.current = ccnet.IDLING if self.enabled else ccnet.UNIT_DISABLED, \
                    self.current[1], None
                return bytes([ccnet.REJECTING, reason])
            return bytes([ccnet.REJECTING, self.current[1]])
        if state == ccnet.ESCROW:
            return bytes([ccnet.ESCROW, self.current[0]])
        if state in (ccnet.STACKING, ccnet.RETURNING):
            self.countdown -= 1
            if self.countdown > 0:
                return bytes([state])
            bill_type = self.current[0]
            self.current = None
            self.state = ccnet.IDLING if self.enabled else ccnet.UNIT_DISABLED
            if state == ccnet.STACKING:
                self.cassette.append(bill_type)
                self.unconfirmed = bytes([ccnet.STACKED, bill_type])
            else:
                self.returned.append(bill_type)
                self.unconfirmed = bytes([ccnet.RETURNED, bill_type])
            return self.unconfirmed
        return bytes([state])
