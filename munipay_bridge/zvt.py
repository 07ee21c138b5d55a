"""ZVT, the ECR interface of German/European card terminals: the bytes only.

An APDU is a class byte, an instruction byte, a length (one byte, or ``FF`` and two bytes
little-endian) and the data. Data is mostly a sequence of BMP fields: a one-byte tag and a
value that is either fixed-length, LLVAR/LLLVAR (length in ``Fx Fy [Fz]`` bytes) or the TLV
container (BMP 06, BER-TLV). Amounts are 6 bytes of BCD in cents, currency codes 2 bytes of
BCD (``09 78`` = EUR), passwords 3 bytes of BCD.

No I/O here: see ``link`` for the transports and ``ecr`` for the dialogues.
"""
import dataclasses

# ---------------------------------------------------------------- checksums


def crc16_kermit(data, crc=0):
    """CRC-16/KERMIT (polynomial 0x8408 reflected, initial 0, no final XOR)."""
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0x8408 if crc & 1 else crc >> 1
    return crc

# ---------------------------------------------------------------- BCD


def bcd_encode(number, size):
    """``number`` (non-negative int) as ``size`` bytes of packed BCD, left-padded with zeros."""
    if number < 0:
        raise ValueError('BCD cannot hold a negative number')
    digits = '%0*d' % (size * 2, number)
    if len(digits) > size * 2:
        raise ValueError('%d does not fit in %d BCD bytes' % (number, size))
    return bytes.fromhex(digits)


def bcd_digits(data):
    """The nibbles of ``data`` as text: digits, ``x`` for a masked nibble (E), padding (F) dropped."""
    out = []
    for nibble in data.hex().upper():
        if nibble.isdigit():
            out.append(nibble)
        elif nibble == 'E':
            out.append('x')
        elif nibble == 'F':
            continue
        else:
            raise ValueError('not BCD: %s' % data.hex())
    return ''.join(out)


def bcd_decode(data):
    digits = bcd_digits(data)
    if not digits.isdigit():
        raise ValueError('not a BCD number: %s' % data.hex())
    return int(digits)

# ---------------------------------------------------------------- currencies

CURRENCIES = {
    'EUR': 978, 'PLN': 985, 'CHF': 756, 'GBP': 826, 'USD': 840, 'CZK': 203, 'HUF': 348,
    'SEK': 752, 'DKK': 208, 'NOK': 578, 'RON': 946, 'BGN': 975, 'RUB': 643,
}
CURRENCY_CODES = {number: code for code, number in CURRENCIES.items()}


def currency_number(code):
    """ISO 4217 numeric code of an alphabetic one (``EUR`` → 978); numbers pass through."""
    if isinstance(code, int):
        return code
    if isinstance(code, str) and code.isdigit():
        return int(code)
    try:
        return CURRENCIES[str(code).upper()]
    except KeyError:
        raise ValueError('unsupported currency %r' % (code,)) from None

# ---------------------------------------------------------------- APDU


class ApduError(ValueError):
    pass


@dataclasses.dataclass(frozen=True)
class Apdu:
    cls: int
    ins: int
    data: bytes = b''

    @property
    def command(self):
        return (self.cls, self.ins)

    def encode(self):
        size = len(self.data)
        if size < 0xFF:
            length = bytes([size])
        elif size <= 0xFFFF:
            length = b'\xff' + size.to_bytes(2, 'little')
        else:
            raise ApduError('APDU data too long (%d bytes)' % size)
        return bytes([self.cls, self.ins]) + length + bytes(self.data)

    def __str__(self):
        return '%02X %02X [%d] %s' % (self.cls, self.ins, len(self.data), self.data.hex(' ').upper())


def apdu_header_size(head):
    """Given the first 3 bytes of an APDU, the size of its whole header (3 or 5)."""
    return 5 if head[2] == 0xFF else 3


def apdu_data_size(header):
    if header[2] == 0xFF:
        return int.from_bytes(header[3:5], 'little')
    return header[2]


def decode_apdu(raw):
    """An APDU from exactly its bytes (length checked)."""
    raw = bytes(raw)
    if len(raw) < 3:
        raise ApduError('APDU shorter than 3 bytes')
    header = apdu_header_size(raw)
    if len(raw) < header:
        raise ApduError('APDU header truncated')
    size = apdu_data_size(raw[:header])
    if len(raw) != header + size:
        raise ApduError('APDU length byte says %d data bytes, got %d' % (size, len(raw) - header))
    return Apdu(raw[0], raw[1], raw[header:])

# ---------------------------------------------------------------- BMP fields

LLVAR, LLLVAR, TLV = 'LL', 'LLL', 'TLV'
# tag → fixed size or variable-length kind (ZVT's BMP table; the ones terminals send)
BMP_FORMATS = {
    0x01: 1, 0x02: 1, 0x03: 1, 0x04: 6, 0x05: 1, 0x06: TLV, 0x0B: 3, 0x0C: 3, 0x0D: 2,
    0x0E: 2, 0x17: 2, 0x19: 1, 0x22: LLVAR, 0x23: LLVAR, 0x24: LLLVAR, 0x27: 1, 0x29: 4,
    0x2A: 15, 0x2D: LLVAR, 0x2E: LLLVAR, 0x37: 3, 0x3A: 2, 0x3B: 8, 0x3C: LLLVAR, 0x3D: 3,
    0x49: 2, 0x4C: LLVAR, 0x60: LLLVAR, 0x87: 2, 0x88: 3, 0x8A: 1, 0x8B: LLVAR, 0x8C: 1,
    0x92: LLLVAR, 0x9A: LLLVAR, 0xA0: 1, 0xA7: LLVAR, 0xAF: LLLVAR, 0xBA: 5, 0xD0: 1,
    0xD1: LLVAR, 0xD2: 1, 0xD3: 1, 0xE0: 1, 0xE1: LLVAR, 0xE2: LLVAR, 0xE3: LLVAR,
    0xE4: LLVAR, 0xE5: LLVAR, 0xE6: LLVAR, 0xE7: LLVAR, 0xE8: LLVAR, 0xE9: LLVAR,
    0xEA: 1, 0xEB: 8, 0xF0: 1, 0xF1: LLVAR, 0xF2: LLVAR, 0xF3: LLVAR, 0xF4: LLVAR,
    0xF5: LLVAR, 0xF6: LLVAR, 0xF7: LLVAR, 0xF8: LLVAR, 0xF9: LLVAR,
}


def var_length(size, digits):
    """LLVAR/LLLVAR length bytes: each decimal digit d as ``F d``."""
    text = '%0*d' % (digits, size)
    if len(text) > digits:
        raise ApduError('field of %d bytes too long for a %d-digit length' % (size, digits))
    return bytes(0xF0 | int(d) for d in text)


def encode_bmp(tag, value):
    kind = BMP_FORMATS.get(tag)
    value = bytes(value)
    if kind is None:
        raise ApduError('unknown BMP %02X' % tag)
    if kind == LLVAR:
        return bytes([tag]) + var_length(len(value), 2) + value
    if kind == LLLVAR:
        return bytes([tag]) + var_length(len(value), 3) + value
    if kind == TLV:
        return bytes([tag]) + ber_length(len(value)) + value
    if len(value) != kind:
        raise ApduError('BMP %02X holds %d bytes, not %d' % (tag, kind, len(value)))
    return bytes([tag]) + value


def parse_bmps(data, strict=True):
    """``[(tag, value), ...]`` of a BMP sequence; raises ApduError on an unknown tag or
    truncation, or (``strict=False``) stops there and returns the fields read so far: an
    unknown BMP's length is unknown, so nothing after it can be read."""
    fields, pos, data = [], 0, bytes(data)
    while pos < len(data):
        tag = data[pos]
        pos += 1
        kind = BMP_FORMATS.get(tag)
        if kind is None:
            if not strict:
                return fields
            raise ApduError('unknown BMP %02X at byte %d' % (tag, pos - 1))
        if kind in (LLVAR, LLLVAR):
            digits = 2 if kind == LLVAR else 3
            raw = data[pos:pos + digits]
            if len(raw) < digits or any(b >> 4 != 0xF or b & 0x0F > 9 for b in raw):
                raise ApduError('bad length of BMP %02X' % tag)
            size = int(''.join(str(b & 0x0F) for b in raw))
            pos += digits
        elif kind == TLV:
            size, pos = read_ber_length(data, pos)
        else:
            size = kind
        value = data[pos:pos + size]
        if len(value) != size:
            raise ApduError('BMP %02X truncated' % tag)
        fields.append((tag, value))
        pos += size
    return fields

# ---------------------------------------------------------------- TLV (BER)


def ber_length(size):
    if size < 0x80:
        return bytes([size])
    if size <= 0xFF:
        return bytes([0x81, size])
    if size <= 0xFFFF:
        return b'\x82' + size.to_bytes(2, 'big')
    raise ApduError('TLV value too long')


def read_ber_length(data, pos):
    if pos >= len(data):
        raise ApduError('TLV length missing')
    first = data[pos]
    if first < 0x80:
        return first, pos + 1
    count = first & 0x7F
    if count not in (1, 2) or pos + 1 + count > len(data):
        raise ApduError('bad TLV length')
    return int.from_bytes(data[pos + 1:pos + 1 + count], 'big'), pos + 1 + count


def encode_tag(tag):
    return tag.to_bytes(max(1, (tag.bit_length() + 7) // 8), 'big')


def encode_tlv(tag, value):
    return encode_tag(tag) + ber_length(len(value)) + bytes(value)


def parse_tlv(data):
    """``[(tag, value), ...]``; a tag is an int of its bytes (``0x1F07``); constructed
    values (tag's first byte has bit 0x20) are left as bytes: parse them again."""
    items, pos, data = [], 0, bytes(data)
    while pos < len(data):
        start = pos
        pos += 1
        if data[start] & 0x1F == 0x1F:  # multi-byte tag: continues while bit 7 is set
            while pos < len(data) and data[pos] & 0x80:
                pos += 1
            pos += 1
        if pos > len(data):
            raise ApduError('TLV tag truncated')
        tag = int.from_bytes(data[start:pos], 'big')
        size, pos = read_ber_length(data, pos)
        value = data[pos:pos + size]
        if len(value) != size:
            raise ApduError('TLV value of tag %X truncated' % tag)
        items.append((tag, value))
        pos += size
    return items

# ---------------------------------------------------------------- commands (ECR → PT)

ACK = Apdu(0x80, 0x00)
CONFIG_DEFAULT = 0xBA  # ECR prints the receipts, controls payment and admin, wants intermediate status


def nack(code):
    return Apdu(0x84, code)


def registration(password, config_byte=CONFIG_DEFAULT, currency=None):
    data = bcd_encode(password, 3) + bytes([config_byte])
    if currency is not None:
        data += bcd_encode(currency_number(currency), 2)
    return Apdu(0x06, 0x00, data)


def authorisation(amount_cents, currency=None):
    data = encode_bmp(0x04, bcd_encode(amount_cents, 6))
    if currency is not None:
        data += encode_bmp(0x49, bcd_encode(currency_number(currency), 2))
    return Apdu(0x06, 0x01, data)


def reversal(password, receipt_no):
    return Apdu(0x06, 0x30, bcd_encode(password, 3) + encode_bmp(0x87, bcd_encode(receipt_no, 2)))


def end_of_day(password):
    return Apdu(0x06, 0x50, bcd_encode(password, 3))


def repeat_receipt(password):
    """06 20: the terminal repeats its last transaction's result (04 0F) and slip."""
    return Apdu(0x06, 0x20, bcd_encode(password, 3))


ABORT = Apdu(0x06, 0xB0)

# ---------------------------------------------------------------- messages (PT → ECR)

INTERMEDIATE_STATUS = (0x04, 0xFF)
STATUS_INFORMATION = (0x04, 0x0F)
COMPLETION = (0x06, 0x0F)
PT_ABORT = (0x06, 0x1E)
PRINT_LINE = (0x06, 0xD1)
PRINT_TEXT_BLOCK = (0x06, 0xD3)

RECEIPT_TYPES = {1: 'merchant', 2: 'customer', 3: 'admin'}


def intermediate_status(code):
    return Apdu(0x04, 0xFF, bytes([code]))


def print_line(text, last=False):
    return Apdu(0x06, 0xD1, bytes([0x80 if last else 0x00]) + text.encode('cp437', 'replace'))


def print_text_block(receipt_type, lines):
    body = encode_tlv(0x1F07, bytes([receipt_type]))
    body += b''.join(encode_tlv(0x07, line.encode('cp437', 'replace')) for line in lines)
    return Apdu(0x06, 0xD3, encode_bmp(0x06, encode_tlv(0x25, body)))


def completion(terminal_id=None):
    return Apdu(0x06, 0x0F, encode_bmp(0x29, bcd_encode(terminal_id, 4)) if terminal_id else b'')


def pt_abort(result_code):
    return Apdu(0x06, 0x1E, bytes([result_code]))


def status_information(result_code=0, amount=None, currency=None, trace_no=None, receipt_no=None,
                       terminal_id=None, card_type=None, card_name=None, pan=None, expiry=None,
                       auth_code=None, date=None, time=None):
    parts = [encode_bmp(0x27, bytes([result_code]))]
    if amount is not None:
        parts.append(encode_bmp(0x04, bcd_encode(amount, 6)))
    if currency is not None:
        parts.append(encode_bmp(0x49, bcd_encode(currency_number(currency), 2)))
    if trace_no is not None:
        parts.append(encode_bmp(0x0B, bcd_encode(trace_no, 3)))
    if time is not None:
        parts.append(encode_bmp(0x0C, bytes.fromhex(time)))
    if date is not None:
        parts.append(encode_bmp(0x0D, bytes.fromhex(date)))
    if expiry is not None:
        parts.append(encode_bmp(0x0E, bytes.fromhex(expiry)))
    if pan is not None:
        nibbles = pan.upper().replace('X', 'E')
        parts.append(encode_bmp(0x22, bytes.fromhex(nibbles + ('F' if len(nibbles) % 2 else ''))))
    if terminal_id is not None:
        parts.append(encode_bmp(0x29, bcd_encode(terminal_id, 4)))
    if auth_code is not None:
        parts.append(encode_bmp(0x3B, auth_code.encode('ascii').ljust(8, b'\x00')[:8]))
    if receipt_no is not None:
        parts.append(encode_bmp(0x87, bcd_encode(receipt_no, 2)))
    if card_type is not None:
        parts.append(encode_bmp(0x8A, bytes([card_type])))
    if card_name is not None:
        parts.append(encode_bmp(0x8B, card_name.encode('cp437', 'replace')))
    return Apdu(0x04, 0x0F, b''.join(parts))

# ---------------------------------------------------------------- parsers


def _text(value):
    return value.rstrip(b'\x00').decode('cp437').strip()


def parse_status_information(data):
    """Result data of a 04 0F message as a plain dict (keys absent when not sent)."""
    out = {}
    for tag, value in parse_bmps(data, strict=False):
        if tag == 0x27:
            out['result_code'] = value[0]
        elif tag == 0x04:
            out['amount'] = bcd_decode(value)
        elif tag == 0x49:
            out['currency'] = CURRENCY_CODES.get(bcd_decode(value), str(bcd_decode(value)))
        elif tag == 0x0B:
            out['trace_no'] = bcd_decode(value)
        elif tag == 0x37:
            out['original_trace_no'] = bcd_decode(value)
        elif tag == 0x0C:
            out['time'] = value.hex()
        elif tag == 0x0D:
            out['date'] = value.hex()
        elif tag == 0x0E:
            out['expiry'] = value.hex()
        elif tag == 0x22:
            out['pan'] = bcd_digits(value)
        elif tag == 0x29:
            out['terminal_id'] = bcd_digits(value)
        elif tag == 0x2A:
            out['vu_number'] = _text(value)
        elif tag == 0x3B:
            out['auth_code'] = _text(value)
        elif tag == 0x87:
            out['receipt_no'] = bcd_decode(value)
        elif tag == 0x88:
            out['turnover_no'] = bcd_decode(value)
        elif tag == 0x8A:
            out['card_type'] = value[0]
        elif tag == 0x8B:
            out['card_name'] = _text(value)
        elif tag == 0x19:
            out['payment_type'] = value[0]
        elif tag == 0x3C:
            out['text'] = _text(value)
    return out


def parse_print_line(data):
    """``(last_line, text)`` of a 06 D1 message (attribute byte: bit 7 = last line of a receipt)."""
    if not data:
        return False, ''
    return bool(data[0] & 0x80), data[1:].decode('cp437').rstrip()


def parse_print_text_block(data):
    """``(receipt type name, [lines])`` of a 06 D3 message (TLV 06 → 25 → 1F07 type, 07 lines)."""
    receipt_type, lines = 'unknown', []
    for tag, value in parse_bmps(data):
        if tag != 0x06:
            continue
        for outer, content in parse_tlv(value):
            if outer != 0x25:
                continue
            for inner, item in parse_tlv(content):
                if inner == 0x1F07 and item:
                    receipt_type = RECEIPT_TYPES.get(item[0], 'unknown')
                elif inner == 0x07:
                    lines.append(item.decode('cp437').rstrip())
    return receipt_type, lines

# ---------------------------------------------------------------- texts

# 04 FF intermediate status byte → what the cashier sees while the card holder acts
STATUS_TEXTS = {
    0x00: 'Waiting for amount confirmation', 0x01: 'Please watch PIN pad',
    0x02: 'Please watch PIN pad', 0x03: 'Not accepted', 0x04: 'Waiting for response from host',
    0x05: 'Sending auto-reversal', 0x06: 'Sending post-bookings', 0x07: 'Card not admitted',
    0x08: 'Card unknown', 0x09: 'Card expired', 0x0A: 'Insert card', 0x0B: 'Please remove card',
    0x0C: 'Card not readable', 0x0D: 'Processing error', 0x0E: 'Please wait...',
    0x0F: 'Automatic end of day', 0x10: 'Invalid card', 0x11: 'Balance display',
    0x12: 'System malfunction', 0x13: 'Payment not possible', 0x14: 'Credit not sufficient',
    0x15: 'Incorrect PIN', 0x16: 'Limit not sufficient', 0x17: 'Please wait...',
    0x18: 'PIN try limit exceeded', 0x19: 'Card data incorrect', 0x1A: 'Service mode',
    0x1B: 'Approved, please fill up', 0x1C: 'Approved, please take goods', 0x1D: 'Declined',
    0x26: 'Waiting for the mobile number', 0x27: 'Waiting for the mobile number again',
    0x28: 'Currency selection, please wait...', 0x29: 'Language selection, please wait...',
    0x2A: 'For loading please insert card', 0x2B: 'Emergency transaction, please wait',
    0x2C: 'Application selection, please wait', 0x41: 'Please watch PIN pad, remove card',
    0x43: 'Not accepted, please remove card', 0xD2: 'Connecting to host',
    0xD3: 'Connected to host', 0xE0: 'Waiting for application selection',
    0xE1: 'Waiting for language selection', 0xE2: 'Please use the cleaning card',
    0xF1: 'Offline', 0xF2: 'Online', 0xF3: 'Offline transaction',
}

# result codes of 04 0F (BMP 27), 06 1E and 84 xx; 01–63 are the authorisation host's own
RESULT_TEXTS = {
    0x00: 'Approved', 0x05: 'Declined by the card issuer', 0x64: 'Card not readable',
    0x65: 'Card data not present', 0x66: 'Processing error', 0x67: 'Function not permitted for this card',
    0x68: 'Function not permitted for credit and fuel cards', 0x6A: 'Turnover file full',
    0x6B: 'Function deactivated', 0x6C: 'Aborted (timeout or abort key)', 0x6E: 'Card blocked',
    0x6F: 'Wrong currency', 0x71: 'Credit not sufficient', 0x72: 'Chip error',
    0x73: 'Card data incorrect', 0x77: 'End of day not possible', 0x78: 'Card expired',
    0x79: 'Card not yet valid', 0x7A: 'Card unknown', 0x7D: 'Communication error',
    0x83: 'Function not possible', 0x85: 'Key missing', 0x89: 'Wrong PIN',
    0x9A: 'ZVT protocol error', 0x9B: 'Communication error with the host',
    0x9C: 'Please wait (repeat later)', 0xA0: 'Receiver not ready', 0xA1: 'Remote station does not respond',
    0xA3: 'No connection', 0xB1: 'Memory full', 0xB2: 'Merchant journal full',
    0xB4: 'Already reversed', 0xB5: 'Reversal not possible', 0xB7: 'Pre-authorisation incorrect',
    0xBF: 'Voltage too low', 0xC1: 'Merchant card locked', 0xC2: 'Diagnosis required',
    0xC3: 'Maximum amount exceeded', 0xC4: 'Card profile invalid', 0xC5: 'Payment method not supported',
    0xC6: 'Currency not applicable', 0xC8: 'Amount too small', 0xC9: 'Maximum transaction amount too small',
    0xCB: 'Function only allowed in EURO', 0xCC: 'Printer not ready', 0xDC: 'Card inserted',
    0xE0: 'Remote maintenance activated', 0xE2: 'Card reader defective', 0xE3: 'Shutter closed',
    0xE4: 'Terminal activation required', 0xEC: 'PIN processing not possible', 0xED: 'PIN pad defective',
    0xF0: 'Open end-of-day batch present', 0xFC: 'Necessary device not present',
    0xFE: 'Register unknown', 0xFF: 'System error',
}
REPEAT = 0x9C  # 84 9C: the terminal is busy, the ECR repeats the command


def status_text(code):
    return STATUS_TEXTS.get(code, 'Terminal status %02X' % code)


def result_text(code):
    if code in RESULT_TEXTS:
        return RESULT_TEXTS[code]
    if 0x01 <= code <= 0x63:
        return 'Declined by the authorisation host (code %d)' % code
    return 'Terminal error %02X' % code
