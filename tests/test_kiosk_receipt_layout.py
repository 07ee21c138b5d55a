"""The kiosk receipt laid out for the bridge's receipt printer (munipay_kiosk/lib/receipt_layout.py)."""
import pytest

from conftest import load_lib

lib = load_lib('munipay_kiosk', 'receipt_layout')


def texts(lines):
    return [line['text'] if isinstance(line, dict) else line for line in lines]


def test_a_row_puts_the_value_at_the_right_edge():
    line, = lib.columns('Inserted', '30,00\u00a0€')
    assert len(line) == 42
    assert line.startswith('Inserted ')
    assert line.endswith(' 30,00 €'), "the no-break space of the amount prints as a space"


def test_a_long_label_wraps_and_the_value_keeps_its_column():
    lines = lib.columns('Credited to your account (no change given), to be refunded or set off', '7,79 €')
    assert all(len(line) <= 42 for line in lines)
    assert len(lines) == 2
    assert lines[-1].endswith(' 7,79 €')
    assert len(lines[-1]) == 42


def test_a_value_that_does_not_fit_goes_on_its_own_line():
    lines = lib.columns('x' * 40, '1.234,56 €')
    assert lines == ['x' * 40, '1.234,56 €'.rjust(42)]


def test_a_value_longer_than_a_line_wraps_whole():
    # a wallet's service and masked PAN: the PAN's last digits must not be cut off
    lines = lib.columns('Wallet', 'Mensa scolastica (pasti prepagati) ******3459')
    assert lines == ['Wallet', 'Mensa scolastica (pasti prepagati)'.rjust(42), '******3459'.rjust(42)]


def test_words_longer_than_the_paper_are_cut_and_control_characters_dropped():
    assert lib.wrap('a' * 50) == ['a' * 42, 'a' * 8]
    assert lib.wrap('Comune\x1b@ di\nValfiorita') == ['Comune @ di Valfiorita']
    assert lib.wrap('') == ['']


def test_layout_of_each_kind():
    lines = lib.layout([('title', 'Kiosk receipt'), ('center', 'Comune di Valfiorita'), ('rule',),
                        ('row', 'Kiosk', 'Atrio'), ('total', 'Paid', '22,21 €'), ('blank',), ('text', 'Thank you')],
                       width=32)
    assert lines[0] == {'text': 'Kiosk receipt', 'bold': True, 'size': 'double_height', 'align': 'center'}
    assert lines[1] == {'text': 'Comune di Valfiorita', 'bold': True, 'align': 'center'}
    assert texts(lines)[2:] == ['-' * 32, 'Kiosk' + ' ' * 22 + 'Atrio', 'Paid' + ' ' * 21 + '22,21 €', '',
                                'Thank you']
    assert lines[4]['bold'] is True
    with pytest.raises(ValueError):
        lib.layout([('bogus', 'x')])


def test_receipt_job_follows_the_bridge_contract():
    job = lib.receipt_job('k1-0001', [('row', 'Kiosk', 'Atrio')], qr='https://example.org/v?s=1')
    assert job == {
        'receipt_id': 'k1-0001', 'lines': ['Kiosk' + ' ' * 32 + 'Atrio'], 'cut': True, 'feed': 3,
        'qr': {'payload': 'https://example.org/v?s=1', 'size': 6, 'error': 'M', 'model': 2, 'align': 'center'},
    }
    assert 'qr' not in lib.receipt_job('k1-0001', [('text', 'no QR yet')])
    with pytest.raises(ValueError):
        lib.receipt_job('', [('text', 'x')])
    with pytest.raises(ValueError):
        lib.receipt_job('k', [('text', 'x')] * 201)
