"""The Poste Data Matrix string of a pagoPA notice's postal bulletin (munipay_pagopa/lib/poste_datamatrix.py).

Layout from pagoPA's notice specification (PAGOPA.md): 256 characters,
``codfase=NBPA;18<notice>12<account 12>10<cents 10>3896`` then ``1P1``, creditor
fiscal code (11), debtor fiscal code (16), name (40), subject (110), 12 spaces and
``A``. The expected string below is written out by hand, field by field.
"""
import io

import pytest

from conftest import load_lib


@pytest.fixture(scope='module')
def dm():
    return load_lib('munipay_pagopa', 'poste_datamatrix')


NOTICE = '301000000000000144'
POSTAL_IBAN = 'IT88N0760103200000010123456'


def test_layout_field_by_field(dm):
    payload = dm.encode(NOTICE, POSTAL_IBAN, 4290, '02438750586', 'rssmra70c03h501d', 'Mario Rossi',
                        'Sanzione CdS – verbale 7/2026')
    expected = ('codfase=NBPA;' + '18' + NOTICE + '12' + '000010123456' + '10' + '0000004290' + '3' + '896'
                + '1P1' + '02438750586' + 'RSSMRA70C03H501D' + 'Mario Rossi'.ljust(40)
                + 'Sanzione CdS - verbale 7/2026'.ljust(110) + ' ' * 12 + 'A')
    assert payload == expected
    assert len(payload) == 256
    # where pagoPA's app reads the notice, amount and creditor
    assert (payload[15:33], payload[49:59], payload[66:77]) == (NOTICE, '0000004290', '02438750586')
    assert dm.decode(payload) == {
        'notice_number': NOTICE, 'account': '000010123456', 'amount_cents': 4290, 'fiscal_code': '02438750586',
        'debtor_id': 'RSSMRA70C03H501D', 'debtor_name': 'Mario Rossi', 'subject': 'Sanzione CdS - verbale 7/2026'}


def test_texts_are_ascii_cut_and_padded(dm):
    payload = dm.encode(NOTICE, '10123456', 1, '02438750586', '', 'Niccolò Dell’Àcqua ' * 5, 'x' * 200)
    fields = dm.decode(payload)
    assert fields['account'] == '000010123456'
    assert fields['debtor_id'] == ''
    assert fields['debtor_name'] == ("Niccolo Dell'Acqua " * 5)[:40].rstrip()
    assert fields['subject'] == 'x' * 110
    assert all(' ' <= char <= '~' for char in payload)


@pytest.mark.parametrize('args, message', [
    (('30100000000000014', POSTAL_IBAN, 1, '02438750586'), 'notice number'),
    ((NOTICE, 'IT60X0542811101000000123456', 1, '02438750586'), 'not an account of Poste'),
    ((NOTICE, 'DE89370400440532013000', 1, '02438750586'), 'neither an Italian IBAN'),
    ((NOTICE, POSTAL_IBAN, 0, '02438750586'), 'amount'),
    ((NOTICE, POSTAL_IBAN, 10 ** 10, '02438750586'), 'amount'),
    ((NOTICE, POSTAL_IBAN, 4.2, '02438750586'), 'amount'),
    ((NOTICE, POSTAL_IBAN, 1, '2438750586'), 'creditor fiscal code'),
    ((NOTICE, POSTAL_IBAN, 1, '02438750586', 'RSS-MRA'), 'debtor fiscal code'),
])
def test_refuses_what_it_cannot_carry(dm, args, message):
    with pytest.raises(dm.DataMatrixError, match=message):
        dm.encode(*args)


def test_decode_refuses_other_strings(dm):
    good = dm.encode(NOTICE, POSTAL_IBAN, 1, '02438750586')
    for bad in (good[:-1], 'PAGOPA|002|' + good[11:], good[:13] + '19' + good[15:]):
        with pytest.raises(dm.DataMatrixError):
            dm.decode(bad)


def test_rendered_symbol_reads_back(dm):
    pytest.importorskip('ppf.datamatrix')
    zxingcpp = pytest.importorskip('zxingcpp')
    from PIL import Image
    payload = dm.encode(NOTICE, POSTAL_IBAN, 5550, '02438750586', 'RSSMRA70C03H501D', 'Mario Rossi', 'Sanzione')
    rows = dm.matrix(payload)
    assert len(rows) == len(rows[0]) == 52  # a square ECC 200 symbol of 52 × 52 modules holds the 256 characters
    image = Image.open(io.BytesIO(dm.png(payload)))
    results = zxingcpp.read_barcodes(image.convert('L'))
    assert [(result.format, result.text) for result in results] == [(zxingcpp.BarcodeFormat.DataMatrix, payload)]
