"""ZVT bytes (munipay_bridge.zvt) and the serial link over a real pseudo-terminal pair."""
import os
import pathlib
import sys
import threading
import time
import tty

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from munipay_bridge import link as links  # noqa: E402
from munipay_bridge import zvt  # noqa: E402

serial = pytest.importorskip('serial')


# ---------------------------------------------------------------- CRC and frames

def test_crc16_kermit_check_value():
    assert zvt.crc16_kermit(b'123456789') == 0x2189


def test_crc_vector_low_byte_first():
    raw = links.frame(bytes.fromhex('0600060000 0000BA'.replace(' ', '')))
    assert zvt.crc16_kermit(bytes.fromhex('06000600000000BA03')) == 0x0957
    assert raw.endswith(bytes.fromhex('10035709'))


def test_registration_frame_of_the_reference():
    apdu = zvt.registration(123456, 0xBA, 'EUR')
    assert apdu.encode().hex(' ') == '06 00 06 12 34 56 ba 09 78'
    assert links.frame(apdu.encode()) == bytes.fromhex('10 02 06 00 06 12 34 56 BA 09 78 10 03 24 C3')


def test_authorisation_frame_doubles_dle():
    apdu = zvt.authorisation(1050, 'EUR')
    assert apdu.encode() == bytes.fromhex('06 01 0A 04 00 00 00 00 10 50 49 09 78')
    # the amount's 10 is doubled in the frame; the CRC is over the unstuffed bytes
    assert links.frame(apdu.encode()) == bytes.fromhex(
        '10 02 06 01 0A 04 00 00 00 00 10 10 50 49 09 78 10 03 45 15')


def test_other_commands():
    assert zvt.reversal(123456, 17).encode() == bytes.fromhex('06 30 06 12 34 56 87 00 17')
    assert zvt.end_of_day(0).encode() == bytes.fromhex('06 50 03 00 00 00')
    assert zvt.ABORT.encode() == bytes.fromhex('06 B0 00')
    assert zvt.ACK.encode() == bytes.fromhex('80 00 00')
    assert zvt.nack(zvt.REPEAT).encode() == bytes.fromhex('84 9C 00')
    assert zvt.authorisation(1, 'PLN').encode() == bytes.fromhex('06 01 0A 04 00 00 00 00 00 01 49 09 85')


# ---------------------------------------------------------------- APDU, BCD, BMP, TLV

def test_extended_length_round_trip():
    apdu = zvt.Apdu(0x06, 0xD3, bytes(300))
    raw = apdu.encode()
    assert raw[:5] == bytes.fromhex('06 D3 FF 2C 01')
    assert zvt.apdu_header_size(raw) == 5 and zvt.apdu_data_size(raw[:5]) == 300
    assert zvt.decode_apdu(raw) == apdu
    assert zvt.Apdu(0x06, 0xD1, bytes(254)).encode()[2] == 254  # 254 still fits one byte
    with pytest.raises(zvt.ApduError):
        zvt.decode_apdu(raw[:-1])


def test_bcd():
    assert zvt.bcd_encode(1050, 6) == bytes.fromhex('000000001050')
    assert zvt.bcd_decode(bytes.fromhex('000000001050')) == 1050
    assert zvt.bcd_digits(bytes.fromhex('6725EEEE1234F0'.replace('F0', 'FF'))) == '6725xxxx1234'
    with pytest.raises(ValueError):
        zvt.bcd_encode(10 ** 12, 6)
    with pytest.raises(ValueError):
        zvt.bcd_decode(bytes.fromhex('1A'))


def test_llvar_and_lllvar():
    assert zvt.encode_bmp(0x8B, b'girocard') == bytes.fromhex('8B F0 F8') + b'girocard'
    assert zvt.encode_bmp(0x3C, b'x' * 123)[:4] == bytes.fromhex('3C F1 F2 F3')
    fields = zvt.parse_bmps(zvt.encode_bmp(0x3C, b'x' * 123) + zvt.encode_bmp(0x27, b'\x00'))
    assert fields == [(0x3C, b'x' * 123), (0x27, b'\x00')]
    with pytest.raises(zvt.ApduError):
        zvt.parse_bmps(bytes.fromhex('8B F0 F8') + b'giro')  # truncated
    with pytest.raises(zvt.ApduError):
        zvt.parse_bmps(bytes.fromhex('FE 00'))  # unknown BMP
    with pytest.raises(zvt.ApduError):
        zvt.encode_bmp(0x04, b'\x00')  # amount is 6 bytes


def test_status_information_parsed():
    apdu = zvt.status_information(result_code=0, amount=1050, currency='EUR', trace_no=231, receipt_no=17,
                                  terminal_id=52500038, card_type=5, card_name='girocard',
                                  pan='6725xxxxxxxxxx1234', expiry='2812', auth_code='123456',
                                  date='1122', time='133501')
    info = zvt.parse_status_information(zvt.decode_apdu(apdu.encode()).data)
    assert info == {'result_code': 0, 'amount': 1050, 'currency': 'EUR', 'trace_no': 231, 'receipt_no': 17,
                    'terminal_id': '52500038', 'card_type': 5, 'card_name': 'girocard',
                    'pan': '6725xxxxxxxxxx1234', 'expiry': '2812', 'auth_code': '123456',
                    'date': '1122', 'time': '133501'}


def test_status_information_with_a_bmp_we_do_not_know():
    data = zvt.status_information(result_code=0, amount=1050, receipt_no=3).data + bytes.fromhex('FE 01 02')
    assert zvt.parse_status_information(data) == {'result_code': 0, 'amount': 1050, 'receipt_no': 3}


def test_print_text_block_tlv():
    lines = ['KUNDENBELEG'] + ['line %03d ' % i + '-' * 20 for i in range(10)]  # > 127 bytes: 81/82 lengths
    apdu = zvt.print_text_block(2, lines)
    data = zvt.decode_apdu(apdu.encode()).data
    assert data[0] == 0x06 and data[1] in (0x81, 0x82)
    assert zvt.parse_print_text_block(data) == ('customer', lines)
    assert zvt.parse_tlv(bytes.fromhex('1F 07 01 02')) == [(0x1F07, b'\x02')]


def test_print_line_and_texts():
    assert zvt.parse_print_line(zvt.print_line('Betrag EUR 10,50', last=True).data) == (True, 'Betrag EUR 10,50')
    assert zvt.parse_print_line(zvt.print_line('x').data) == (False, 'x')
    assert zvt.status_text(0x0A) == 'Insert card'
    assert zvt.status_text(0x99) == 'Terminal status 99'
    assert zvt.result_text(0x6C).startswith('Aborted')
    assert 'host' in zvt.result_text(0x05).lower() or 'issuer' in zvt.result_text(0x05).lower()


# ---------------------------------------------------------------- serial link on a pty pair

class FaultyLink(links.SerialLink):
    def __init__(self, port, timeouts, corrupt=0, nak=0):
        super().__init__(port, timeouts)
        self.corrupt, self.nak = corrupt, nak

    def _send_frame(self, raw):
        if self.corrupt:
            self.corrupt -= 1
            raw = raw[:-1] + bytes([raw[-1] ^ 0x55])
        super()._send_frame(raw)

    def _read_frame_body(self):
        if self.nak:
            self.nak -= 1
            while self._read(self.timeouts.byte):
                pass
            return self._nak()
        return super()._read_frame_body()


@pytest.fixture
def pty_pair():
    master, slave = os.openpty()
    tty.setraw(slave)
    port = serial.Serial(os.ttyname(slave), baudrate=9600, stopbits=serial.STOPBITS_TWO, timeout=0.1)
    assert (port.bytesize, port.parity, port.stopbits) == (8, 'N', 2)
    yield port, links.FdPort(master)
    port.close()
    os.close(master)
    os.close(slave)


def exchange(sender, receiver, apdu):
    got = []
    thread = threading.Thread(target=lambda: got.append(receiver.receive(3.0)))
    thread.start()
    sender.send(apdu)
    thread.join(5)
    return got[0]


def test_serial_round_trip_with_dle(pty_pair):
    bridge_port, terminal_port = pty_pair
    timeouts = links.Timeouts(ack=1.0, byte=0.5)
    ecr, pt = links.SerialLink(bridge_port, timeouts), links.SerialLink(terminal_port, timeouts)
    apdu = zvt.authorisation(1010, 'EUR')  # 10 10 in the amount: doubled twice
    assert exchange(ecr, pt, apdu) == apdu
    big = zvt.print_text_block(2, ['\x10 line %d' % i for i in range(40)])
    assert len(big.data) > 255
    assert exchange(pt, ecr, big) == big


def test_serial_nak_then_retransmit(pty_pair):
    bridge_port, terminal_port = pty_pair
    timeouts = links.Timeouts(ack=1.0, byte=0.3)
    ecr, pt = links.SerialLink(bridge_port, timeouts), FaultyLink(terminal_port, timeouts, nak=1)
    apdu = zvt.authorisation(500, 'EUR')
    assert exchange(ecr, pt, apdu) == apdu
    assert ecr.stats['naks_received'] == 1 and ecr.stats['retransmissions'] == 1


def test_serial_corrupted_crc_is_naked_and_repeated(pty_pair):
    bridge_port, terminal_port = pty_pair
    timeouts = links.Timeouts(ack=1.0, byte=0.3)
    ecr, pt = links.SerialLink(bridge_port, timeouts), FaultyLink(terminal_port, timeouts, corrupt=1)
    apdu = zvt.intermediate_status(0x0A)
    assert exchange(pt, ecr, apdu) == apdu
    assert ecr.stats['naks_sent'] == 1 and pt.stats['retransmissions'] == 1


def test_serial_gives_up_after_three_repetitions(pty_pair):
    bridge_port, _terminal = pty_pair  # nobody answers on the terminal side
    ecr = links.SerialLink(bridge_port, links.Timeouts(ack=0.1, byte=0.1, retries=3))
    start = time.monotonic()
    with pytest.raises(links.NotAcknowledged):
        ecr.send(zvt.ABORT)
    assert ecr.stats['retransmissions'] == 3
    assert 0.35 < time.monotonic() - start < 2.0


def test_serial_every_nak_means_not_taken(pty_pair):
    bridge_port, terminal_port = pty_pair
    timeouts = links.Timeouts(ack=0.5, byte=0.2)
    ecr, pt = links.SerialLink(bridge_port, timeouts), FaultyLink(terminal_port, timeouts, nak=4)
    thread = threading.Thread(target=lambda: pt.receive(1.0))
    thread.start()
    with pytest.raises(links.NotAcknowledged):
        ecr.send(zvt.ABORT)
    thread.join(3)
    assert ecr.stats['naks_received'] == 4
