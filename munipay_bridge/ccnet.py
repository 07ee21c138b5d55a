"""CCNET (CashCode NET): the serial protocol of CashCode and compatible bill validators.

Pure bytes and texts (no I/O) plus ``Controller``, the bridge's end of the line.

Frame (both directions): ``SYNC 02``, ``ADR`` (``03``: bill validator), ``LNG`` (length of the
whole frame, CRC included), the payload (a command byte and its data from the controller; the
answer's data from the validator), CRC-16 (polynomial 0x8408 reflected, initial 0, over
everything before it, low byte first). 9600 baud, 8N1.

The controller sends one command and waits for the answer (about 10 ms on the device; we
allow ``Timeouts.response``). A data answer is confirmed with ACK (payload ``00``); a frame
that arrives broken is answered with NAK (payload ``FF``) and the other end sends it again.
The validator repeats an unconfirmed poll answer at the next POLL, which is why counting a
stacked bill must not depend on its answer arriving only once (see ``cash``).
"""
import dataclasses
import time

SYNC = 0x02
ADDRESS_VALIDATOR = 0x03

# commands (controller -> validator)
RESET = 0x30
GET_STATUS = 0x31
SET_SECURITY = 0x32
POLL = 0x33
ENABLE_BILL_TYPES = 0x34
STACK = 0x35
RETURN = 0x36
IDENTIFICATION = 0x37
HOLD = 0x38
GET_BILL_TABLE = 0x41
ACK = 0x00
NAK = 0xFF
ILLEGAL_COMMAND = 0x30  # the validator's answer to a command it cannot take now

COMMAND_NAMES = {
    RESET: 'RESET', GET_STATUS: 'GET STATUS', SET_SECURITY: 'SET SECURITY', POLL: 'POLL',
    ENABLE_BILL_TYPES: 'ENABLE BILL TYPES', STACK: 'STACK', RETURN: 'RETURN',
    IDENTIFICATION: 'IDENTIFICATION', HOLD: 'HOLD', GET_BILL_TABLE: 'GET BILL TABLE', ACK: 'ACK', NAK: 'NAK',
}

# poll answers (first data byte)
POWER_UP = 0x10
POWER_UP_BILL_IN_VALIDATOR = 0x11
POWER_UP_BILL_IN_STACKER = 0x12
INITIALIZE = 0x13
IDLING = 0x14
ACCEPTING = 0x15
STACKING = 0x17
RETURNING = 0x18
UNIT_DISABLED = 0x19
HOLDING = 0x1A
BUSY = 0x1B
REJECTING = 0x1C
CASSETTE_FULL = 0x41
CASSETTE_OUT = 0x42
VALIDATOR_JAMMED = 0x43
CASSETTE_JAMMED = 0x44
CHEATED = 0x45
PAUSE = 0x46
FAILURE = 0x47
ESCROW = 0x80
STACKED = 0x81
RETURNED = 0x82

STATES = {
    POWER_UP: ('power_up', 'Starting the bill acceptor'),
    POWER_UP_BILL_IN_VALIDATOR: ('power_up', 'Starting the bill acceptor (a bill was left in it)'),
    POWER_UP_BILL_IN_STACKER: ('power_up', 'Starting the bill acceptor (a bill was left in the stacker)'),
    INITIALIZE: ('initialize', 'Starting the bill acceptor'),
    IDLING: ('idling', 'Insert a banknote'),
    ACCEPTING: ('accepting', 'Reading the banknote'),
    STACKING: ('stacking', 'Banknote accepted'),
    RETURNING: ('returning', 'Take back your banknote'),
    UNIT_DISABLED: ('disabled', 'The bill acceptor is closed'),
    HOLDING: ('holding', 'Banknote held'),
    BUSY: ('busy', 'Please wait'),
    REJECTING: ('rejecting', 'Banknote not accepted: take it back'),
    CASSETTE_FULL: ('cassette_full', 'Out of order: the cassette is full'),
    CASSETTE_OUT: ('cassette_removed', 'Out of order: the cassette is removed'),
    VALIDATOR_JAMMED: ('validator_jammed', 'Out of order: a banknote is jammed'),
    CASSETTE_JAMMED: ('cassette_jammed', 'Out of order: a banknote is jammed in the cassette'),
    CHEATED: ('cheated', 'Out of order: tampering detected'),
    PAUSE: ('pause', 'Insert the banknote again, one at a time'),
    FAILURE: ('failure', 'Out of order: bill acceptor failure'),
    ESCROW: ('escrow', 'Checking the banknote'),
    STACKED: ('stacked', 'Banknote accepted'),
    RETURNED: ('returned', 'Take back your banknote'),
}
# the states that keep the acceptor from taking bills until a person acts
FAULTS = (CASSETTE_FULL, CASSETTE_OUT, VALIDATOR_JAMMED, CASSETTE_JAMMED, CHEATED, FAILURE)

REJECT_REASONS = {
    0x60: 'insertion error', 0x61: 'magnetic pattern', 0x62: 'bill remains in the head',
    0x63: 'multiplying', 0x64: 'conveying error', 0x65: 'identification error',
    0x66: 'verification error', 0x67: 'optical pattern', 0x68: 'bill type inhibited',
    0x69: 'capacitance pattern', 0x6A: 'operation error', 0x6C: 'length error',
}
FAILURE_CODES = {
    0x50: 'stack motor failure', 0x51: 'transport motor speed failure', 0x52: 'transport motor failure',
    0x53: 'aligning motor failure', 0x54: 'initial cassette status failure', 0x55: 'optic canal failure',
    0x56: 'magnetic canal failure', 0x5F: 'capacitance canal failure',
}
# minor units per currency where they are not 2 (the validators' bill tables are whole units)
MINOR_DIGITS = {'JPY': 0, 'KRW': 0, 'ISK': 0, 'CLP': 0, 'HUF': 2, 'KWD': 3, 'BHD': 3}


class ProtocolError(Exception):
    """A frame could not be read or made sense of."""


class NoAnswer(ProtocolError):
    """The validator did not answer (cable, power, wrong port): after the retries."""


def crc16(data):
    """CRC-16 of CCNET: polynomial 0x8408 (0x1021 reflected), initial value 0, no final XOR."""
    crc = 0
    for byte in bytes(data):
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0x8408 if crc & 1 else crc >> 1
    return crc


def frame(payload, address=ADDRESS_VALIDATOR):
    """SYNC ADR LNG payload CRC (LNG counts the whole frame)."""
    payload = bytes(payload)
    if len(payload) + 5 > 250:
        raise ValueError('payload too long for a short CCNET frame')
    head = bytes([SYNC, address, len(payload) + 5]) + payload
    return head + crc16(head).to_bytes(2, 'little')


def parse_frame(raw, address=ADDRESS_VALIDATOR):
    """The payload of a whole frame; ProtocolError if it is not one (sync, address, length, CRC)."""
    raw = bytes(raw)
    if len(raw) < 6 or raw[0] != SYNC or raw[2] != len(raw):
        raise ProtocolError('not a CCNET frame: %s' % raw.hex(' '))
    if raw[1] != address:
        raise ProtocolError('frame for another device (address %02X)' % raw[1])
    if crc16(raw[:-2]) != int.from_bytes(raw[-2:], 'little'):
        raise ProtocolError('bad CRC in %s' % raw.hex(' '))
    return raw[3:-2]


def command(code, data=b''):
    return bytes([code]) + bytes(data)


def bill_mask(types):
    """Three bytes, bill type 23 first (bit 7 of the first byte) down to type 0."""
    mask = 0
    for bill_type in types:
        if not 0 <= bill_type <= 23:
            raise ValueError('bill type %r out of 0..23' % bill_type)
        mask |= 1 << bill_type
    return mask.to_bytes(3, 'big')


def mask_types(raw):
    mask = int.from_bytes(bytes(raw[:3]), 'big')
    return [t for t in range(24) if mask >> t & 1]


def enable_bill_types(types, escrow=None):
    """ENABLE BILL TYPES: the types to take, and those to hold in escrow (default: all of them,
    so that the bridge decides to stack or return every bill)."""
    return command(ENABLE_BILL_TYPES, bill_mask(types) + bill_mask(types if escrow is None else escrow))


def set_security(types):
    """SET SECURITY: high security level for these bill types."""
    return command(SET_SECURITY, bill_mask(types))


@dataclasses.dataclass(frozen=True)
class Bill:
    bill_type: int
    digit: int
    country: str       # three letters as the validator says them (currency code, e.g. EUR, PLN, RUS)
    exponent: int      # value = digit * 10 ** exponent

    def minor_units(self, currency=None):
        """The bill's value in cents (minor units of ``currency``, default its own code)."""
        digits = MINOR_DIGITS.get((currency or self.country).upper(), 2)
        power = self.exponent + digits
        if power >= 0:
            return self.digit * 10 ** power
        value, rest = divmod(self.digit, 10 ** -power)
        if rest:
            raise ValueError('bill %s does not fit minor units' % (self,))
        return value

    def to_dict(self, currency=None):
        return {'bill_type': self.bill_type, 'currency': self.country, 'amount': self.minor_units(currency)}


def parse_bill_table(data):
    """GET BILL TABLE answer: 24 entries of 5 bytes (digit, 3 country letters, exponent whose
    bit 7 means negative). Empty entries (digit 0) are left out."""
    data = bytes(data)
    if len(data) != 120:
        raise ProtocolError('bill table of %d bytes (expected 120)' % len(data))
    bills = []
    for bill_type in range(24):
        digit, country, exp = data[5 * bill_type], data[5 * bill_type + 1:5 * bill_type + 4], data[5 * bill_type + 4]
        if not digit:
            continue
        exponent = -(exp & 0x7F) if exp & 0x80 else exp
        bills.append(Bill(bill_type, digit, country.decode('ascii', 'replace').strip(), exponent))
    return bills


def encode_bill_table(bills):
    """The inverse of ``parse_bill_table`` (the simulator's answer)."""
    data = bytearray(120)
    for bill in bills:
        exp = (0x80 | -bill.exponent) if bill.exponent < 0 else bill.exponent
        entry = bytes([bill.digit]) + bill.country.encode('ascii')[:3].ljust(3) + bytes([exp])
        data[5 * bill.bill_type:5 * bill.bill_type + 5] = entry
    return bytes(data)


def currency_matches(bill, currency):
    # some firmware says RUS for RUB
    aliases = {'RUB': ('RUB', 'RUS')}
    return bill.country.upper() in aliases.get(currency.upper(), (currency.upper(),))


def parse_identification(data):
    data = bytes(data)
    return {'part_number': data[:15].decode('ascii', 'replace').strip(),
            'serial_number': data[15:27].decode('ascii', 'replace').strip(),
            'asset_number': data[27:34].hex()}


@dataclasses.dataclass
class State:
    """One poll answer, decoded."""
    code: int
    extra: int = None  # the second byte: bill type (escrow/stacked/returned), reason, failure code

    @classmethod
    def from_payload(cls, payload):
        if not payload:
            raise ProtocolError('empty poll answer')
        return cls(payload[0], payload[1] if len(payload) > 1 else None)

    @property
    def name(self):
        return STATES.get(self.code, ('unknown_%02x' % self.code, ''))[0]

    @property
    def is_fault(self):
        return self.code in FAULTS

    @property
    def text(self):
        """A line for the kiosk's screen (English; the page translates by ``name``)."""
        return STATES.get(self.code, ('', 'Bill acceptor state %02X' % self.code))[1]

    @property
    def detail(self):
        if self.code == REJECTING and self.extra is not None:
            return REJECT_REASONS.get(self.extra, 'reason %02X' % self.extra)
        if self.code == FAILURE and self.extra is not None:
            return FAILURE_CODES.get(self.extra, 'failure %02X' % self.extra)
        return ''

    def payload(self):
        return bytes([self.code]) + (b'' if self.extra is None else bytes([self.extra]))


@dataclasses.dataclass
class Timeouts:
    response: float = 0.2   # the validator's answer to a command (the device takes ~10 ms)
    byte: float = 0.05      # between two bytes of one frame
    retries: int = 3        # a command sent again after a timeout or a NAK
    poll: float = 0.1       # between two POLLs


def read_frame(port, first_timeout, byte_timeout):
    """One frame from a pyserial-like port (``read``, ``timeout``): its bytes, None on silence,
    or ProtocolError when it starts but is broken (the caller NAKs)."""
    deadline = time.monotonic() + first_timeout
    while True:
        port.timeout = max(deadline - time.monotonic(), 0)
        byte = port.read(1)
        if not byte:
            return None
        if byte[0] == SYNC:
            break  # anything before SYNC is line noise
    port.timeout = byte_timeout
    head = byte + port.read(2)
    if len(head) < 3 or head[2] < 6:
        raise ProtocolError('frame header broken off')
    raw = head
    while len(raw) < head[2]:
        chunk = port.read(head[2] - len(raw))
        if not chunk:
            raise ProtocolError('frame broken off after %d of %d bytes' % (len(raw), head[2]))
        raw += chunk
    return raw


class Controller:
    """The bridge's end of the line: one command, its answer, the ACK; NAK and resend on errors."""

    def __init__(self, port, timeouts=None, address=ADDRESS_VALIDATOR):
        self.port = port
        self.timeouts = timeouts or Timeouts()
        self.address = address
        self.stats = {'naks_sent': 0, 'naks_received': 0, 'resent': 0, 'timeouts': 0}

    def _write(self, raw):
        self.port.write(raw)
        if hasattr(self.port, 'flush'):
            self.port.flush()

    def _drain(self):
        self.port.timeout = 0
        while self.port.read(256):
            pass

    def request(self, payload, confirm=None):
        """Send ``payload`` (command + data); return the answer's payload. The answer is ACKed
        when it carries data (``confirm`` is called first, so that what the answer means is
        recorded before the validator learns it arrived). Raises NoAnswer after the retries."""
        raw = frame(payload, self.address)
        for attempt in range(self.timeouts.retries + 1):
            if attempt:
                self.stats['resent'] += 1
            self._drain()
            self._write(raw)
            try:
                answer = read_frame(self.port, self.timeouts.response, self.timeouts.byte)
                if answer is None:
                    self.stats['timeouts'] += 1
                    continue
                data = parse_frame(answer, self.address)
            except ProtocolError:
                self.stats['naks_sent'] += 1
                self._write(frame([NAK], self.address))
                # the validator sends the answer again after our NAK
                try:
                    answer = read_frame(self.port, self.timeouts.response, self.timeouts.byte)
                    data = parse_frame(answer, self.address) if answer else None
                except ProtocolError:
                    data = None
                if data is None:
                    continue
            if data == bytes([NAK]):
                self.stats['naks_received'] += 1
                continue
            if data == bytes([ACK]) or data == bytes([ILLEGAL_COMMAND]) and payload[0] != POLL:
                return data
            if confirm:
                confirm(data)
            self._write(frame([ACK], self.address))
            return data
        raise NoAnswer('the bill validator did not answer %s' % COMMAND_NAMES.get(payload[0], '%02X' % payload[0]))

    # -- commands
    def reset(self):
        return self.request(command(RESET))

    def poll(self, confirm=None):
        return State.from_payload(self.request(command(POLL), confirm))

    def identification(self):
        return parse_identification(self.request(command(IDENTIFICATION)))

    def bill_table(self):
        return parse_bill_table(self.request(command(GET_BILL_TABLE)))

    def enable(self, types):
        return self.request(enable_bill_types(types))

    def stack(self):
        return self.request(command(STACK))

    def return_bill(self):
        return self.request(command(RETURN))

    def hold(self):
        return self.request(command(HOLD))

    def get_status(self):
        data = self.request(command(GET_STATUS))
        return {'enabled': mask_types(data[:3]), 'security': mask_types(data[3:6])}

    def set_security(self, types):
        return self.request(set_security(types))
