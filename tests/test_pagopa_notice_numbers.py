"""pagoPA IUV and notice numbers (munipay_pagopa/lib/notice_numbers.py).

Rules from PAGOPA.md: notice = aux digit + 17 digits; aux 3 = 3 + segregation code (2)
+ IUV base (13) + check (2), IUV = segregation code + base + check; aux 0 = 0 +
application code (2) + base + check, IUV = base + check; check = (aux + code + base)
mod 93, two digits. The vectors below are worked out by hand (long division by 93),
not by the code under test; official example notice numbers carry no valid check
digits, so they are not used.
"""
import random

import pytest

from conftest import load_lib


@pytest.fixture(scope='module')
def nn():
    return load_lib('munipay_pagopa', 'notice_numbers')


# (aux, code, base, check digits): 3010000000000001 = 93 * 32366666666666 + 44, ...
VECTORS = [
    ('3', '01', '0000000000001', '44'),   # the notice of munipay_documents' scan test: 301000000000000144
    ('3', '47', '0000000000001', '24'),
    ('3', '12', '0000000012345', '87'),
    ('3', '01', '9999999999999', '82'),
    ('0', '01', '0000000000001', '41'),
    ('0', '99', '0000000001234', '79'),
]


def mod93(digits):
    """Long division by 93, digit by digit (independent of int())."""
    rest = 0
    for digit in digits:
        rest = (rest * 10 + ord(digit) - 48) % 93
    return rest


@pytest.mark.parametrize('aux, code, base, check', VECTORS)
def test_check_digit_vectors(nn, aux, code, base, check):
    assert mod93(aux + code + base) == int(check)
    assert nn.check_digits(aux, code, base) == check


@pytest.mark.parametrize('aux, code, base, check', VECTORS)
def test_parse_vectors(nn, aux, code, base, check):
    notice = aux + code + base + check
    parsed = nn.parse_notice_number(notice)
    assert (parsed.aux, parsed.code, parsed.base, parsed.check) == (aux, code, base, check)
    assert parsed.iuv == (code + base + check if aux == '3' else base + check)
    assert len(parsed.iuv) == (17 if aux == '3' else 15)
    # printed in groups of four, read back the same
    assert nn.parse_notice_number(nn.format_in_groups(notice)) == parsed


def test_make_aux3_segregation_code_in_iuv(nn):
    notice, iuv = nn.make_notice_number('3', '01', 1)
    assert notice == '301000000000000144'
    assert iuv == '01000000000000144'
    assert nn.format_in_groups(notice) == '3010 0000 0000 0001 44'


def test_make_aux0_application_code_not_in_iuv(nn):
    notice, iuv = nn.make_notice_number('0', '99', 1234)
    assert notice == '099000000000123479'
    assert iuv == '000000000123479'


def test_make_aux1_has_no_check_digits(nn):
    notice, iuv = nn.make_notice_number('1', '', 42)
    assert notice == '100000000000000042'
    assert iuv == '00000000000000042'
    assert nn.parse_notice_number(notice).iuv == iuv


def test_round_trip_and_agreement_with_documents_qr(nn):
    """Every generated number passes the pagoPA QR code's own check in munipay_documents."""
    qr = load_lib('munipay_documents', 'qr_payloads')
    rng = random.Random(8)
    for _i in range(300):
        aux = rng.choice('03')
        code = '%02d' % rng.randrange(100)
        if aux == '3' and code in nn.RESERVED_SEGREGATION_CODES:
            continue
        number = rng.randrange(10 ** 13)
        notice, iuv = nn.make_notice_number(aux, code, number)
        assert len(notice) == 18 and notice.startswith(aux + code)
        assert nn.parse_notice_number(notice).iuv == iuv
        assert notice[16:] == '%02d' % mod93(notice[:16])
        assert qr.pagopa_check_digits(aux, code, notice[3:16]) == notice[16:]
        assert qr.decode_pagopa(qr.encode_pagopa(notice, '00940120546', 100))['notice_number'] == notice


@pytest.mark.parametrize('notice', [
    '301000000000000145',   # check digits off by one
    '301000000000000154',   # swapped
    '311000000000000144',   # segregation code changed, check digits not
    '099000000000123497',
])
def test_bad_check_digits_refused(nn, notice):
    with pytest.raises(nn.NoticeNumberError, match='check digits'):
        nn.parse_notice_number(notice)


@pytest.mark.parametrize('notice', ['30100000000000014', '3010000000000001444', '30100000000000014a', '', None,
                                    '201000000000000144', '901000000000000144'])
def test_malformed_notice_numbers_refused(nn, notice):
    with pytest.raises(nn.NoticeNumberError):
        nn.parse_notice_number(notice)


def test_make_refuses_what_does_not_fit(nn):
    with pytest.raises(nn.NoticeNumberError):
        nn.make_notice_number('3', '01', 10 ** 13)
    with pytest.raises(nn.NoticeNumberError):
        nn.make_notice_number('3', '1', 5)
    with pytest.raises(nn.NoticeNumberError):
        nn.make_notice_number('2', '01', 5)
    with pytest.raises(nn.NoticeNumberError):
        nn.make_notice_number('3', '01', -1)
    assert nn.make_notice_number('3', '01', 10 ** 13 - 1)[0] == '301999999999999982'


def test_segregation_codes(nn):
    assert nn.check_segregation_code('01') == '01'
    for reserved in ('99', '98', '97', '96', '85', '81', '47'):
        with pytest.raises(nn.NoticeNumberError, match='reserved'):
            nn.check_segregation_code(reserved)
    with pytest.raises(nn.NoticeNumberError):
        nn.check_segregation_code('1')


@pytest.mark.parametrize('code', ['00940120546', '80015010723', '02438750586', '15376371009'])
def test_creditor_fiscal_codes(nn, code):
    assert nn.check_creditor_fiscal_code(code) == code


@pytest.mark.parametrize('code', ['00940120547', '01234567890', '0094012054', 'IT00940120546', '009401205460'])
def test_bad_creditor_fiscal_codes(nn, code):
    with pytest.raises(nn.NoticeNumberError):
        nn.check_creditor_fiscal_code(code)
