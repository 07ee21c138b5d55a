"""CCNET bytes (munipay_bridge.ccnet) and the controller over a real pseudo-terminal pair
against the validator simulator (pyserial on the controller's side)."""
import pathlib
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from munipay_bridge import ccnet  # noqa: E402
from munipay_bridge.ccnet_simulator import Behaviour, Simulator  # noqa: E402

serial = pytest.importorskip('serial')


# ---------------------------------------------------------------- CRC and frames

def test_crc_vectors_of_the_shared_docs():
    assert ccnet.frame(ccnet.command(ccnet.POLL)) == bytes.fromhex('02 03 06 33 DA 81')
    assert ccnet.frame([ccnet.ACK]) == bytes.fromhex('02 03 06 00 C2 82')
    assert ccnet.crc16(bytes.fromhex('02 03 06 33')) == 0x81DA  # sent low byte first
    assert ccnet.crc16(b'123456789') == 0x2189  # the 0x8408 reflected polynomial, initial value 0


def test_frame_length_counts_the_whole_frame():
    raw = ccnet.frame(ccnet.enable_bill_types([0, 1, 2]))
    assert raw[:4] == bytes([0x02, 0x03, 12, 0x34])
    assert len(raw) == raw[2] == 12
    assert raw[4:10] == bytes.fromhex('000007 000007')
    assert ccnet.parse_frame(raw) == raw[3:-2]


@pytest.mark.parametrize('raw, why', [
    ('02 03 06 33 DA 80', 'bad CRC'),
    ('02 03 07 33 DA 81', 'not a CCNET frame'),
    ('03 03 06 33 DA 81', 'not a CCNET frame'),
    ('02 01 06 33 00 00', 'another device'),
])
def test_bad_frames_are_refused(raw, why):
    with pytest.raises(ccnet.ProtocolError, match=why):
        ccnet.parse_frame(bytes.fromhex(raw))


def test_bill_masks():
    assert ccnet.bill_mask([0]) == b'\x00\x00\x01'
    assert ccnet.bill_mask([23, 8]) == b'\x80\x01\x00'
    assert ccnet.mask_types(b'\x80\x01\x05') == [0, 2, 8, 23]
    with pytest.raises(ValueError):
        ccnet.bill_mask([24])


def test_bill_table_parsing():
    table = bytearray(120)
    table[0:5] = b'\x05EUR\x00'      # 5 EUR
    table[10:15] = b'\x02EUR\x01'    # 20 EUR
    table[15:20] = b'\x05RUS\x02'    # 500 RUB (the validator's own code)
    table[20:25] = b'\x05XXX\x81'    # 0.5 of a unit: negative exponent (bit 7)
    bills = ccnet.parse_bill_table(bytes(table))
    assert [(b.bill_type, b.country, b.minor_units()) for b in bills] == [
        (0, 'EUR', 500), (2, 'EUR', 2000), (3, 'RUS', 50000), (4, 'XXX', 50)]
    assert bills[3].exponent == -1
    assert ccnet.currency_matches(bills[2], 'RUB') and not ccnet.currency_matches(bills[2], 'EUR')
    assert ccnet.parse_bill_table(ccnet.encode_bill_table(bills)) == bills
    assert ccnet.Bill(0, 1, 'JPY', 3).minor_units() == 1000  # no minor units
    with pytest.raises(ccnet.ProtocolError):
        ccnet.parse_bill_table(bytes(119))


def test_poll_states_and_texts():
    assert ccnet.State.from_payload(b'\x14').name == 'idling'
    reject = ccnet.State.from_payload(b'\x1c\x68')
    assert (reject.name, reject.detail, reject.is_fault) == ('rejecting', 'bill type inhibited', False)
    failure = ccnet.State.from_payload(b'\x47\x50')
    assert (failure.name, failure.detail, failure.is_fault) == ('failure', 'stack motor failure', True)
    for code, name in [(0x41, 'cassette_full'), (0x42, 'cassette_removed'), (0x43, 'validator_jammed'),
                       (0x44, 'cassette_jammed'), (0x45, 'cheated')]:
        state = ccnet.State(code)
        assert state.name == name and state.is_fault and state.text.startswith('Out of order')
    escrow = ccnet.State.from_payload(b'\x80\x03')
    assert (escrow.name, escrow.extra, escrow.is_fault) == ('escrow', 3, False)
    assert ccnet.State(0x81, 1).name == 'stacked' and ccnet.State(0x82, 1).name == 'returned'
    assert ccnet.State(0x10).name == 'power_up' and ccnet.State(0x13).name == 'initialize'
    assert ccnet.State(0x46).name == 'pause' and ccnet.State(0x1B).name == 'busy'
    assert ccnet.State(0x99).name == 'unknown_99'


# ---------------------------------------------------------------- over a pty pair

@pytest.fixture
def line():
    sim = Simulator(Behaviour()).start_pty()
    port = serial.serial_for_url(sim.target, baudrate=9600, timeout=0.1)
    controller = ccnet.Controller(port, ccnet.Timeouts(response=0.2, byte=0.05, retries=2, poll=0.05))
    yield sim, controller
    port.close()
    sim.stop()


def test_reset_initialise_identify_and_enable(line):
    sim, c = line
    assert c.poll().name == 'power_up'
    assert c.reset() == bytes([ccnet.ACK])
    names = [c.poll().name for _ in range(4)]
    assert names[0] == 'initialize' and names[-1] == 'disabled'
    assert c.identification()['part_number'] == 'SM-EU1315'
    bills = c.bill_table()
    assert [b.minor_units() for b in bills if b.country == 'EUR'] == [500, 1000, 2000, 5000, 10000, 20000, 50000]
    c.enable([0, 1, 2])
    assert c.get_status()['enabled'] == [0, 1, 2]
    assert c.poll().name == 'idling'
    assert c.set_security([0]) == bytes([ccnet.ACK])
    assert c.request(ccnet.command(0x3F)) == bytes([ccnet.ILLEGAL_COMMAND])


def test_escrow_stack_and_the_ack_of_the_event(line):
    sim, c = line
    c.reset()
    while c.poll().name != 'disabled':
        pass
    c.enable([1])
    sim.insert(1)
    states = []
    while not states or states[-1].name != 'escrow':
        states.append(c.poll())
    assert states[-1].extra == 1
    assert c.hold() == bytes([ccnet.ACK]) and c.poll().name == 'escrow'  # held: still waiting
    c.stack()
    seen = []
    while not seen or seen[-1].name != 'stacked':
        seen.append(c.poll(confirm=lambda payload: None))
    assert seen[-1].extra == 1 and sim.cassette == [1]
    assert c.poll().name == 'idling'  # the event was ACKed: not repeated


def test_nak_and_corrupted_crc_are_retried(line):
    sim, c = line
    sim.behaviour.nak_next = True
    assert c.poll().name == 'power_up'
    assert c.stats['naks_received'] == 1 and c.stats['resent'] == 1
    sim.behaviour.corrupt_next_crc = True
    assert c.poll().name == 'power_up'
    assert c.stats['naks_sent'] == 1  # we NAKed the broken answer; the validator sent it again
    assert sim.faults_played == ['nak', 'corrupted crc']


def test_silence_is_no_answer(line):
    sim, c = line
    sim.behaviour.silent = True
    with pytest.raises(ccnet.NoAnswer):
        c.poll()
    assert c.stats['timeouts'] == 3  # the first attempt and two retries
    sim.behaviour.silent = False
    assert c.poll().name == 'power_up'
