"""ESC/POS (munipay_bridge.escpos): the bytes of a receipt, its validation, the status bytes,
and the simulator's parser reading back what the renderer wrote."""
import pathlib
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from munipay_bridge import escpos  # noqa: E402
from munipay_bridge.escpos_simulator import Behaviour, Parser, Simulator  # noqa: E402

KNOWN_RECEIPT = {
    'lines': [
        {'text': 'Comune di Valfiorita', 'bold': True, 'size': 'double', 'align': 'center'},
        {'text': 'Ricevuta K-0042', 'align': 'center'},
        'Carta identità        22,21 €',
        {'text': 'Totale               22,21 €', 'bold': True},
        {'text': 'Zapłacono', 'align': 'right'},
    ],
    'qr': {'payload': 'MP1|K-0042|2221', 'size': 5, 'error': 'Q'},
    'cut': True,
}


def test_the_bytes_of_a_known_receipt():
    expected = bytes.fromhex(
        '1b40'                                  # ESC @ initialise
        '1b7413' '1b6101' '1b4501' '1d2111'     # PC858, centred, bold, double width and height
        + 'Comune di Valfiorita'.encode().hex() + '0a'
        '1b4500' '1d2100'                       # bold off, normal size (still centred)
        + 'Ricevuta K-0042'.encode().hex() + '0a'
        '1b6100'                                # left
        + 'Carta identit'.encode().hex() + '85' + '2020202020202020' + '32322c323120' + 'd5' + '0a'  # à, € in PC858
        '1b4501'
        + 'Totale               22,21 '.encode().hex() + 'd5' + '0a'
        '1b7412' '1b6102' '1b4500'              # PC852 for the Polish ł, right-aligned, bold off
        '5a6170' '88' '61636f6e6f' '0a'
        '1b6101'                                # the QR code centred
        '1d286b0400314132 00'                   # fn 165: model 2
        '1d286b0300314305'                      # fn 167: module size 5 dots
        '1d286b0300314532'                      # fn 169: error correction Q
        '1d286b1200315030' + 'MP1|K-0042|2221'.encode().hex() +  # fn 180: store 15 bytes (pL = 15 + 3)
        '1d286b0300315130'                      # fn 181: print the symbol
        '0a'
        '1d564103'                              # GS V 65 3: feed 3 lines and cut
        .replace(' ', ''))
    assert escpos.render(escpos.parse_receipt(KNOWN_RECEIPT)) == expected


def test_single_commands():
    assert escpos.initialise() == b'\x1b@'
    assert escpos.code_page('cp858') == b'\x1bt\x13'
    assert escpos.bold(True) == b'\x1bE\x01' and escpos.bold(False) == b'\x1bE\x00'
    assert escpos.size('double_height') == b'\x1d!\x01'
    assert escpos.size('double_width') == b'\x1d!\x10'
    assert escpos.align('right') == b'\x1ba\x02'
    assert escpos.cut(partial=True, feed_lines=0) == b'\x1dVB\x00'
    assert escpos.status_request(4) == b'\x10\x04\x04'
    assert escpos.paper_sensor_request() == b'\x1dr\x01'


def test_qr_code_length_counts_cn_fn_and_m():
    payload = 'x' * 300
    store = escpos.qr_code(payload)[9 + 8 + 8:]  # after model, size, error level
    assert store[:7] == bytes([0x1D, 0x28, 0x6B, (300 + 3) & 0xFF, (300 + 3) >> 8, 0x31, 0x50])
    assert store[7] == 0x30 and store[8:308] == payload.encode()


def test_no_command_smuggled_in_a_line():
    receipt = escpos.parse_receipt({'lines': ['A\x1b@\x1dV\x00B\nC\x10\x04\x01'], 'cut': False, 'feed': 0})
    data = escpos.render(receipt)
    assert data == b'\x1b@\x1bt\x13A@VBC\n', "control characters are dropped, not sent"


def test_line_in_no_code_page_gets_question_marks():
    page, data = escpos.encode_line('a中b')
    assert (page, data) == ('cp858', b'a?b')
    assert escpos.encode_line('Спасибо')[0] == 'cp866'


def test_typography_prints_as_its_plain_look_alike():
    # an Odoo fee name "TARI – tassa" or a quoted text must not print as "TARI ? tassa"
    assert escpos.encode_line('TARI \u2013 tassa \u201cprima\u201d rata\u2026 l\u2019anno') == (
        'cp858', b'TARI - tassa "prima" rata... l\'anno')
    assert escpos.encode_line('1\u202f234,00 z\u0142 \u2013 op\u0142ata') == ('cp852', '1 234,00 zł - opłata'.encode('cp852'))
    assert escpos.encode_line('2 \u00d7 10,00 \u20ac')[1] == '2 × 10,00 €'.encode('cp858'), "× is in PC858"


@pytest.mark.parametrize('body, message', [
    ([], 'JSON object'),
    ({'lines': 'text'}, 'lines must be a list'),
    ({'lines': [{'text': 5}]}, 'line 1 must be'),
    ({'lines': [{'text': 'a', 'size': 'huge'}]}, 'line 1: size'),
    ({'lines': [{'text': 'a', 'align': 'middle'}]}, 'line 1: align'),
    ({'lines': [{'text': 'a', 'bold': 'yes'}]}, 'bold must be'),
    ({'lines': ['x' * 121]}, 'longer than 120'),
    ({'lines': ['a'] * 201}, 'at most 200'),
    ({'qr': {'payload': ''}}, 'qr must be'),
    ({'qr': {'payload': 'a', 'size': 17}}, 'qr size'),
    ({'qr': {'payload': 'a', 'error': 'X'}}, 'qr error'),
    ({'qr': 'x' * 2001}, 'longer than 2000 bytes'),
    ({'lines': ['a'], 'cut': 'yes'}, 'cut must be'),
    ({'lines': ['a'], 'feed': 11}, 'feed must be'),
    ({'lines': []}, 'neither lines nor a QR'),
])
def test_bad_receipts_are_refused(body, message):
    with pytest.raises(escpos.ReceiptError, match=message):
        escpos.parse_receipt(body)


def test_realtime_status_bytes():
    assert escpos.read_realtime(0x12, 0x12, 0x12).state == 'ready'
    assert escpos.read_realtime(0x12, 0x12, 0x1E).state == 'paper_near_end'
    out = escpos.read_realtime(0x1A, 0x32, 0x72)
    assert (out.state, out.paper, out.online) == ('paper_out', 'out', False)
    assert escpos.read_realtime(0x1A, 0x16, 0x12).state == 'cover_open'
    assert escpos.read_realtime(0x12, 0x52, 0x12).state == 'error'
    assert escpos.is_realtime_answer(0x12) and not escpos.is_realtime_answer(0x00)


def test_paper_sensor_bytes():
    assert escpos.read_paper_sensor(0x00).state == 'ready'
    assert escpos.read_paper_sensor(0x03).state == 'paper_near_end'
    assert escpos.read_paper_sensor(0x0F).state == 'paper_out'


def test_the_parser_reads_back_the_known_receipt_in_any_chunks():
    data = escpos.render(escpos.parse_receipt(KNOWN_RECEIPT))
    for chunk in (1, 3, 7, len(data)):
        parser = Parser()
        events = []
        for start in range(0, len(data), chunk):
            events += parser.feed(data[start:start + chunk])
        lines = [value for event, value in events if event == 'line' and value['text']]
        assert [line['text'] for line in lines] == [
            'Comune di Valfiorita', 'Ricevuta K-0042', 'Carta identità        22,21 €',
            'Totale               22,21 €', 'Zapłacono']
        assert (lines[0]['bold'], lines[0]['size'], lines[0]['align']) == (True, 'double', 'center')
        assert (lines[1]['bold'], lines[1]['size']) == (False, 'normal')
        assert lines[4]['align'] == 'right'
        [qr] = [value for event, value in events if event == 'qr']
        assert qr == {'model': 2, 'size': 5, 'error': 'Q', 'payload': 'MP1|K-0042|2221', 'align': 'center'}
        assert events[-1] == ('cut', None)


def test_simulator_answers_status_and_runs_out_of_paper():
    printer = Simulator(Behaviour(paper_lines=25, near_end_lines=20))
    assert printer.handle(b'\x10\x04\x04') == b'\x12'
    printer.handle(b'line\n' * 6)
    assert printer.handle(b'\x10\x04\x04') == b'\x1e', "19 lines left: near end"
    assert printer.handle(b'\x1dr\x01') == b'\x03'
    printer.handle(b'line\n' * 30)
    assert len(printer.current['lines']) == 25, "the rest of the receipt is lost"
    assert printer.handle(b'\x10\x04\x01\x10\x04\x02\x10\x04\x04') == b'\x1a\x32\x7e', "offline, paper end stop, paper end (and near end)"
    assert printer.handle(b'\x1dr\x01') == b'', "a stopped printer never reaches GS r"
