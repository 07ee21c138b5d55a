"""QR payment payloads (munipay_documents/lib/qr_payloads.py).

Test vectors come from /work/shared/domain/QR_AND_DEVICES.md and PAGOPA.md, from the
EPC069-12 guideline's own sample, and from hand computations written out below. The
check-digit helpers at the top of this file are independent re-implementations, so that
the generated round trips do not trust the code under test to build valid inputs.
"""
import hashlib
import hmac
import random
import string
import sys
import types
from urllib.parse import parse_qsl, urlsplit

import pytest

from conftest import load_lib

SEED = 20250118

# ------------------------------------------------------------------ shared vectors

ZBP_EXAMPLE = '1234567890|PL|92124012340001567890123456|001200|Odbiorca 1|FV 1234/34/2012|||'
GOST_EXAMPLE = ('ST00012|Name=ООО «Три кита»|PersonalAcc=40702810138250123017|BankName=ПАО СБЕРБАНК'
                '|BIC=044525225|CorrespAcc=30101810400000000225|Sum=150000|Purpose=Оплата пошлины')
GOST_EXAMPLE_FIELDS = {
    'Name': 'ООО «Три кита»',
    'PersonalAcc': '40702810138250123017',
    'BankName': 'ПАО СБЕРБАНК',
    'BIC': '044525225',
    'CorrespAcc': '30101810400000000225',
    'Sum': '150000',
    'Purpose': 'Оплата пошлины',
}
# The sample of the EPC069-12 guideline (version 001, BIC mandatory, amount "EUR1").
EPC_SAMPLE_LINES = ['BCD', '001', '1', 'SCT', 'BPOTBEB1', 'Red Cross of Belgium', 'BE72000000001616',
                    'EUR1', 'CHAR', '', 'Urgency fund', 'Sample EPC QR code']
EPC_SAMPLE_DECODED = {
    'version': '001', 'charset': '1', 'bic': 'BPOTBEB1', 'name': 'Red Cross of Belgium',
    'iban': 'BE72000000001616', 'amount_cents': 100, 'purpose': 'CHAR', 'reference': None,
    'text': 'Urgency fund', 'information': 'Sample EPC QR code',
}
VALID_IBANS = ['DE89370400440532013000', 'IT60X0542811101000000123456', 'BE71096123456769',
               'AT611904300234573201', 'BE72000000001616']
VALID_NIP = '1234563218'  # 1·6+2·5+3·7+4·2+5·3+6·4+3·5+2·6+1·7 = 118; 118 mod 11 = 8 = last digit
NRB = '92124012340001567890123456'
FISCAL_CODE = '80016340245'

# ------------------------------------------------------------------ independent helpers


def mod93_by_hand(number):
    """Long division digit by digit (Horner), no int() of the whole number."""
    remainder = 0
    for digit in number:
        remainder = (remainder * 10 + ord(digit) - ord('0')) % 93
    return '%02d' % remainder


def iban_digits(text):
    out = []
    for ch in text:
        out.append(ch if ch.isdigit() else str(ord(ch) - ord('A') + 10))
    return ''.join(out)


def make_iban(country, bban):
    check = 98 - int(iban_digits(bban + country + '00')) % 97
    return '%s%02d%s' % (country, check, bban)


def nip_sum(nine):
    return sum(int(d) * w for d, w in zip(nine, (6, 5, 7, 2, 3, 4, 5, 6, 7))) % 11


def make_nip(rng):
    while True:
        nine = ''.join(rng.choice(string.digits) for _ in range(9))
        check = nip_sum(nine)
        if check != 10:
            return nine + str(check)


def make_nrb(rng):
    bban = ''.join(rng.choice(string.digits) for _ in range(24))
    return make_iban('PL', bban)[2:]


def make_notice(rng, aux=None):
    aux = aux if aux is not None else rng.choice('0123')
    code = '%02d' % rng.randrange(100)
    base = ''.join(rng.choice(string.digits) for _ in range(13))
    if aux in '03':
        check = mod93_by_hand(aux + code + base)
    else:
        check = '%02d' % rng.randrange(100)
    return aux + code + base + check


def bump_digit(text, index):
    """The same text with one digit changed (+1 mod 10)."""
    return text[:index] + str((int(text[index]) + 1) % 10) + text[index + 1:]


def assert_code(code, func, *args, **kwargs):
    with pytest.raises(ValueError) as info:
        func(*args, **kwargs)
    assert info.type.__name__ == 'PayloadError'
    assert info.value.code == code, (info.value.code, str(info.value))
    assert str(info.value)  # an explanation, not an empty message
    return info.value


# ------------------------------------------------------------------ the module itself

def test_module_is_pure_python(qr_payloads):
    imported = {value.__name__ for value in vars(qr_payloads).values() if isinstance(value, types.ModuleType)}
    assert not {m for m in imported if m == 'odoo' or m.startswith('odoo.') or m.startswith('qrcode')}
    assert 'odoo' not in sys.modules
    assert 'qrcode' not in sys.modules
    # one module per standard behind the historical import surface
    package = sys.modules[qr_payloads.encode_epc.__module__.rpartition('.')[0]]
    assert {name.rpartition('.')[2] for name in sys.modules if name.startswith(package.__name__ + '.')} >= {
        'common', 'pagopa', 'epc', 'zbp', 'gost', 'confirmation', 'detect'}
    assert set(qr_payloads.__all__) == set(package.__all__)


def test_payload_error_carries_code_and_message(qr_payloads):
    error = qr_payloads.PayloadError('length', 'the NIP must have 10 digits')
    assert isinstance(error, ValueError)
    assert error.code == 'length'
    assert str(error) == 'the NIP must have 10 digits'


def test_error_messages_name_the_field(qr_payloads):
    assert 'NIP' in str(assert_code('length', qr_payloads.encode_zbp, '123', NRB, 100, 'A', 'B'))
    assert 'IBAN' in str(assert_code('check_digits', qr_payloads.encode_epc, 'A', 'DE88370400440532013000'))
    assert 'PersonalAcc' in str(assert_code('length', qr_payloads.encode_gost,
                                            dict(GOST_EXAMPLE_FIELDS, PersonalAcc='1' * 19)))


# ------------------------------------------------------------------ pagoPA

def test_pagopa_check_digits_aux3_by_hand(qr_payloads):
    # 3 01 0000000000001 = 301·10^13 + 1.  Mod 93: 10^2 = 100 ≡ 7, 7^3 = 343 ≡ 64,
    # 7^6 ≡ 64^2 = 4096 ≡ 4, so 10^13 = 10·(10^2)^6 ≡ 40; 301 ≡ 22; 22·40 = 880 ≡ 43; +1 → 44.
    assert qr_payloads.pagopa_check_digits('3', '01', '0000000000001') == '44'


def test_pagopa_check_digits_aux0_by_hand(qr_payloads):
    # 0 01 0000000000093 = 10^13 + 93 ≡ 40 + 0 = 40 (mod 93)
    assert qr_payloads.pagopa_check_digits('0', '01', '0000000000093') == '40'
    # 0 00 0000000000005 = 5: zero padded to two digits
    assert qr_payloads.pagopa_check_digits('0', '00', '0000000000005') == '05'
    # 0 00 0000000000093 = 93 ≡ 0 → "00"
    assert qr_payloads.pagopa_check_digits('0', '00', '0000000000093') == '00'


def test_pagopa_check_digits_match_long_division(qr_payloads):
    rng = random.Random(SEED)
    for _ in range(300):
        aux = rng.choice('03')
        code = '%02d' % rng.randrange(100)
        base = ''.join(rng.choice(string.digits) for _ in range(13))
        assert qr_payloads.pagopa_check_digits(aux, code, base) == mod93_by_hand(aux + code + base)


@pytest.mark.parametrize('args, code', [
    (('3', '1', '0000000000001'), 'length'),
    (('3', '01', '000000000001'), 'length'),
    (('3', '01', '00000000000001'), 'length'),
    (('33', '01', '0000000000001'), 'length'),
    (('3', '0A', '0000000000001'), 'charset'),
    (('3', '01', '000000000000x'), 'charset'),
])
def test_pagopa_check_digits_reject_bad_parts(qr_payloads, args, code):
    assert_code(code, qr_payloads.pagopa_check_digits, *args)


def test_pagopa_payload_format_of_the_doc(qr_payloads):
    notice = '301000000000000144'  # aux 3, segregation 01, base 0000000000001, check 44 (by hand above)
    payload = qr_payloads.encode_pagopa(notice, FISCAL_CODE, 12345)
    assert payload == 'PAGOPA|002|301000000000000144|80016340245|12345'
    assert qr_payloads.decode_pagopa(payload) == {
        'notice_number': notice, 'fiscal_code': FISCAL_CODE, 'amount_cents': 12345}
    # aux 0 with application code: 0 01 0000000000093 40
    payload0 = qr_payloads.encode_pagopa('001000000000009340', FISCAL_CODE, 1)
    assert payload0 == 'PAGOPA|002|001000000000009340|80016340245|1'


def test_pagopa_notice_printed_in_groups_is_accepted_on_encode(qr_payloads):
    payload = qr_payloads.encode_pagopa('3010 0000 0000 0001 44', FISCAL_CODE, 100)
    assert payload.split('|')[2] == '301000000000000144'


@pytest.mark.parametrize('notice', ['301000000000000145', '301000000000000244', '001000000000009341'])
def test_pagopa_wrong_check_digits_rejected(qr_payloads, notice):
    assert_code('check_digits', qr_payloads.encode_pagopa, notice, FISCAL_CODE, 100)
    assert_code('check_digits', qr_payloads.decode_pagopa, 'PAGOPA|002|%s|%s|100' % (notice, FISCAL_CODE))


@pytest.mark.parametrize('notice', ['101000000000000199', '201000000000000100'])
def test_pagopa_aux_1_and_2_need_only_18_digits(qr_payloads, notice):
    payload = qr_payloads.encode_pagopa(notice, FISCAL_CODE, 100)
    assert qr_payloads.decode_pagopa(payload)['notice_number'] == notice


@pytest.mark.parametrize('args, code', [
    (('30100000000000014', FISCAL_CODE, 100), 'length'),
    (('3010000000000001444', FISCAL_CODE, 100), 'length'),
    (('30100000000000014X', FISCAL_CODE, 100), 'charset'),
    (('', FISCAL_CODE, 100), 'field_missing'),
    (('401000000000000144', FISCAL_CODE, 100), 'format'),
    (('301000000000000144', '8001634024', 100), 'length'),
    (('301000000000000144', '8001634024A', 100), 'charset'),
    (('301000000000000144', FISCAL_CODE, 0), 'amount_range'),
    (('301000000000000144', FISCAL_CODE, -5), 'amount_range'),
    (('301000000000000144', FISCAL_CODE, 100000000000), 'amount_range'),
    (('301000000000000144', FISCAL_CODE, 10.5), 'format'),
    (('301000000000000144', FISCAL_CODE, '1050'), 'format'),
    (('301000000000000144', FISCAL_CODE, True), 'format'),
])
def test_pagopa_encode_rejects(qr_payloads, args, code):
    assert_code(code, qr_payloads.encode_pagopa, *args)


def test_pagopa_largest_amount_accepted(qr_payloads):
    payload = qr_payloads.encode_pagopa('301000000000000144', FISCAL_CODE, 99999999999)
    assert qr_payloads.decode_pagopa(payload)['amount_cents'] == 99999999999


@pytest.mark.parametrize('payload, code', [
    ('PAGOPB|002|301000000000000144|80016340245|100', 'standard'),
    ('PAGOPA|001|301000000000000144|80016340245|100', 'standard'),
    ('PAGOPA|002|301000000000000144|80016340245', 'field_missing'),
    ('PAGOPA|002|301000000000000144|80016340245|100|x', 'format'),
    ('PAGOPA|002|301000000000000144|80016340245|', 'field_missing'),
    ('PAGOPA|002|301000000000000144|80016340245|10.50', 'charset'),
    ('PAGOPA|002|301000000000000144|80016340245|0', 'amount_range'),
    ('PAGOPA|002|30100000000000144|80016340245|100', 'length'),
    ('PAGOPA|002|301000000000000144|800163402456|100', 'length'),
])
def test_pagopa_decode_rejects(qr_payloads, payload, code):
    assert_code(code, qr_payloads.decode_pagopa, payload)


def test_pagopa_round_trip(qr_payloads):
    rng = random.Random(SEED)
    for _ in range(400):
        notice = make_notice(rng)
        fiscal = ''.join(rng.choice(string.digits) for _ in range(11))
        cents = rng.choice([1, 99, 100, 99999999999, rng.randrange(1, 100000000000)])
        payload = qr_payloads.encode_pagopa(notice, fiscal, cents)
        assert payload == 'PAGOPA|002|%s|%s|%d' % (notice, fiscal, cents)
        assert qr_payloads.decode_pagopa(payload) == {
            'notice_number': notice, 'fiscal_code': fiscal, 'amount_cents': cents}
        if notice[0] in '03':  # any single digit change breaks the mod-93 check
            broken = bump_digit(notice, rng.randrange(1, 18))
            assert_code('check_digits', qr_payloads.decode_pagopa, payload.replace(notice, broken))


# ------------------------------------------------------------------ EPC069-12

def test_epc_guideline_sample_decodes(qr_payloads):
    assert qr_payloads.decode_epc('\n'.join(EPC_SAMPLE_LINES)) == EPC_SAMPLE_DECODED
    assert qr_payloads.decode_epc('\r\n'.join(EPC_SAMPLE_LINES)) == EPC_SAMPLE_DECODED


def test_epc_guideline_sample_encodes(qr_payloads):
    payload = qr_payloads.encode_epc(
        'Red Cross of Belgium', 'BE72000000001616', 100, bic='BPOTBEB1', text='Urgency fund', purpose='CHAR',
        information='Sample EPC QR code', version='001')
    # same lines as the sample; munipay writes the amount with two decimals
    assert payload.split('\n') == EPC_SAMPLE_LINES[:7] + ['EUR1.00'] + EPC_SAMPLE_LINES[8:]
    assert qr_payloads.decode_epc(payload) == EPC_SAMPLE_DECODED


def test_epc_lines_follow_the_doc_layout(qr_payloads, references):
    rf = references.make_rf('2025000123')
    payload = qr_payloads.encode_epc('Comune di Bolzano', 'IT60X0542811101000000123456', 1050, bic='BPPIITRRXXX',
                                     reference=rf, purpose='GOVT', information='Tassa rifiuti')
    lines = payload.split('\n')
    assert lines == ['BCD', '002', '1', 'SCT', 'BPPIITRRXXX', 'Comune di Bolzano', 'IT60X0542811101000000123456',
                     'EUR10.50', 'GOVT', rf, '', 'Tassa rifiuti']
    assert '\r' not in payload


def test_epc_odoo_style_payload_decodes(qr_payloads):
    # account_qr_code_sepa writes all 12 lines, empty trailing ones included, and str(float) amounts
    payload = '\n'.join(['BCD', '002', '1', 'SCT', '', 'Comune di Trento', 'IT60X0542811101000000123456',
                         'EUR10.5', '', '', 'MP/2025/0001 Tassa', ''])
    data = qr_payloads.decode_epc(payload)
    assert data['amount_cents'] == 1050
    assert data['bic'] == ''
    assert data['text'] == 'MP/2025/0001 Tassa'
    assert data['reference'] is None
    assert data['information'] == ''


@pytest.mark.parametrize('amount, cents', [
    ('EUR10.5', 1050), ('EUR10.50', 1050), ('EUR10', 1000), ('EUR0.01', 1), ('EUR999999999.99', 99999999999),
    ('EUR1.1', 110), ('EUR1.01', 101),
])
def test_epc_amount_forms(qr_payloads, amount, cents):
    lines = EPC_SAMPLE_LINES[:7] + [amount]
    assert qr_payloads.decode_epc('\n'.join(lines))['amount_cents'] == cents


def test_epc_encodes_amount_with_two_decimals(qr_payloads):
    for cents, text in [(1, 'EUR0.01'), (1050, 'EUR10.50'), (100, 'EUR1.00'), (99999999999, 'EUR999999999.99')]:
        assert qr_payloads.encode_epc('A', 'BE72000000001616', cents).split('\n')[7] == text


def test_epc_trailing_empty_lines(qr_payloads):
    payload = qr_payloads.encode_epc('Comune', 'BE72000000001616')
    assert payload == 'BCD\n002\n1\nSCT\n\nComune\nBE72000000001616'  # no amount, nothing after the IBAN
    expected = qr_payloads.decode_epc(payload)
    assert expected['amount_cents'] is None
    for tail in ['\n', '\n\n\n\n\n', '\r\n\r\n', '\n' * 5 + '\n']:
        assert qr_payloads.decode_epc(payload + tail) == expected


EPC_ALPHABET = (string.ascii_letters + string.digits + ' .,-/+&()?:\'"|=' + 'àèéìòùçñßäöüÀÉŁłśżŽčř'
                + 'абвгдеёжзийклмнопрстуфхцчшщъыьэюяАБВЖЯЁ' + '€«»😀')


def random_text(rng, alphabet, low, high):
    length = rng.randint(low, high)
    text = ''.join(rng.choice(alphabet) for _ in range(length))
    if text and not text[0].strip():
        text = 'x' + text[1:]
    return text


def random_bic(rng):
    upper = string.ascii_uppercase
    alnum = upper + string.digits
    bic = ''.join(rng.choice(upper) for _ in range(6)) + ''.join(rng.choice(alnum) for _ in range(2))
    if rng.random() < 0.5:
        bic += ''.join(rng.choice(alnum) for _ in range(3))
    return bic


# account layouts (ISO 13616 registry) of countries without national check digits in the BBAN
IBAN_LAYOUTS = {'DE': 'n' * 18, 'AT': 'n' * 16, 'NL': 'aaaa' + 'n' * 10, 'MT': 'aaaa' + 'n' * 5 + 'c' * 18,
                'LU': 'nnn' + 'c' * 13, 'IE': 'aaaa' + 'n' * 14}
IBAN_CHARS = {'n': string.digits, 'a': string.ascii_uppercase, 'c': string.ascii_uppercase + string.digits}


def random_iban(rng):
    country = rng.choice(sorted(IBAN_LAYOUTS))
    bban = ''.join(rng.choice(IBAN_CHARS[kind]) for kind in IBAN_LAYOUTS[country])
    return make_iban(country, bban)


def test_iban_country_layout_is_checked(qr_payloads):
    # mod 97 holds, but a German account number has 18 digits, not letters
    assert_code('format', qr_payloads.encode_epc, 'A', make_iban('DE', 'ABCD' + '1' * 14))
    assert_code('format', qr_payloads.encode_epc, 'A', make_iban('DE', '1' * 17))
    assert_code('format', qr_payloads.encode_epc, 'A', make_iban('XK', '1' * 16 + 'ZZ'))
    assert qr_payloads.encode_epc('A', make_iban('DE', '1' * 18))


def test_epc_round_trip(qr_payloads, references):
    rng = random.Random(SEED)
    encoded = too_long = 0
    for index in range(600):
        version = rng.choice(['001', '002'])
        value = {
            'version': version,
            'name': random_text(rng, EPC_ALPHABET, 1, 70),
            'iban': random_iban(rng),
            'amount_cents': rng.choice([None, 1, 99999999999, rng.randrange(1, 100000000000)]),
            'bic': random_bic(rng) if version == '001' or rng.random() < 0.5 else '',
            'purpose': rng.choice(['', 'CHAR', 'GOVT', 'TAXS', 'OTHR', 'GDS1']),
            'information': rng.choice(['', random_text(rng, EPC_ALPHABET, 1, 70)]),
            'reference': None,
            'text': None,
        }
        choice = rng.random()
        if choice < 0.4:
            body = ''.join(rng.choice(string.ascii_uppercase + string.digits) for _ in range(rng.randint(1, 21)))
            value['reference'] = references.make_rf(body)
        elif choice < 0.8:
            value['text'] = random_text(rng, EPC_ALPHABET, 1, 140)
        # the size of the 12 lines, computed here: trailing empty lines add no byte beyond their LF
        lines = ['BCD', version, '1', 'SCT', value['bic'], value['name'], value['iban'],
                 '' if value['amount_cents'] is None else 'EUR%d.%02d' % divmod(value['amount_cents'], 100),
                 value['purpose'], value['reference'] or '', value['text'] or '', value['information']]
        while lines[-1] == '':
            lines.pop()
        size = len('\n'.join(lines).encode('utf-8'))
        if size > 331:
            assert_code('length', qr_payloads.encode_epc, **value)
            too_long += 1
            continue
        payload = qr_payloads.encode_epc(**value)
        assert payload == '\n'.join(lines)
        assert qr_payloads.decode_epc(payload) == dict(value, charset='1')
        crlf = payload.replace('\n', '\r\n')
        if len(crlf.encode('utf-8')) <= 331:  # the limit counts the bytes actually sent, CRs included
            assert qr_payloads.decode_epc(crlf) == dict(value, charset='1')
        else:
            assert_code('length', qr_payloads.decode_epc, crlf)
        encoded += 1
    assert encoded > 300 and too_long > 20  # both sides of the 331-byte limit were exercised


def test_epc_normalises_identifiers(qr_payloads):
    payload = qr_payloads.encode_epc('A', 'de89 3704 0044 0532 0130 00', bic='cobadeffxxx',
                                     reference='rf18 5390 0754 7034', purpose='char')
    data = qr_payloads.decode_epc(payload)
    assert (data['iban'], data['bic'], data['reference'], data['purpose']) == (
        'DE89370400440532013000', 'COBADEFFXXX', 'RF18539007547034', 'CHAR')


def test_epc_bytes_use_the_named_charset(qr_payloads):
    latin1 = '\n'.join(['BCD', '002', '2', 'SCT', '', 'Société Générale', 'BE72000000001616']).encode('latin-1')
    data = qr_payloads.decode_epc(latin1)
    assert data['name'] == 'Société Générale' and data['charset'] == '2'
    utf8 = qr_payloads.encode_epc('Città', 'BE72000000001616').encode('utf-8')
    assert qr_payloads.decode_epc(utf8)['name'] == 'Città'
    assert_code('charset', qr_payloads.decode_epc, b'BCD\n002\n1\nSCT\n\nCitt\xe0\nBE72000000001616')


def epc(**changes):
    """The sample's lines with some replaced (index → value), joined by LF."""
    lines = list(EPC_SAMPLE_LINES)
    for index, value in changes.items():
        lines[int(index[1:])] = value
    return '\n'.join(lines)


@pytest.mark.parametrize('payload, code', [
    (epc(l0='BCX'), 'standard'),
    (epc(l1='003'), 'standard'),
    (epc(l2='9'), 'charset'),
    (epc(l3='SCX'), 'standard'),
    (epc(l4=''), 'field_missing'),              # BIC mandatory in 001
    (epc(l4='BPOTBEB'), 'length'),
    (epc(l4='BPOT1EB1'), 'format'),
    (epc(l5=''), 'field_missing'),
    (epc(l5='   '), 'field_missing'),
    (epc(l5='N' * 71), 'field_length'),
    (epc(l6=''), 'field_missing'),
    (epc(l6='BE72000000001617'), 'check_digits'),
    (epc(l6='BE72000000001615'), 'check_digits'),
    (epc(l6='B172000000001616'), 'format'),
    (epc(l6='BE720000000'), 'length'),
    (epc(l7='EUR0.00'), 'amount_range'),
    (epc(l7='EUR1000000000.00'), 'amount_range'),
    (epc(l7='EUR10,50'), 'format'),
    (epc(l7='EUR10.505'), 'format'),
    (epc(l7='EUR10.'), 'format'),
    (epc(l7='USD10.00'), 'format'),
    (epc(l7='EUR 10.00'), 'format'),
    (epc(l8='CHARI'), 'length'),
    (epc(l8='CH-R'), 'charset'),
    (epc(l9='RF18539007547034'), 'format'),     # the sample already has a text: not both
    (epc(l9='RF18539007547035', l10=''), 'check_digits'),
    (epc(l9='RF17539007547034', l10=''), 'check_digits'),
    (epc(l9='539007547034', l10=''), 'format'),
    (epc(l9='R' * 36, l10=''), 'field_length'),
    (epc(l10='T' * 141), 'field_length'),
    (epc(l11='I' * 71), 'field_length'),
    (epc(l11='info\nmore'), 'format'),          # a 13th line
    (epc(l5='Red\rCross'), 'charset'),
    ('\n'.join(EPC_SAMPLE_LINES[:6]), 'field_missing'),
    ('BCD\n001', 'field_missing'),
    (epc(l10='T' * 140, l11='I' * 70, l5='N' * 70), 'length'),   # 345 bytes > 331
])
def test_epc_decode_rejects(qr_payloads, payload, code):
    assert_code(code, qr_payloads.decode_epc, payload)


def test_epc_size_limit_boundary(qr_payloads):
    name = 'N' + 'é' * 34 + 'e' * 35   # 70 characters, 104 bytes
    text = 'T' * 140
    # the payload with a one-byte information line, then that line grown to exactly 331 bytes
    short = qr_payloads.encode_epc(name, 'BE72000000001616', text=text, information='I')
    information = 'I' * (331 - len(short.encode('utf-8')) + 1)
    assert len(information) <= 70
    payload = qr_payloads.encode_epc(name, 'BE72000000001616', text=text, information=information)
    assert len(payload.encode('utf-8')) == 331
    assert qr_payloads.decode_epc(payload)['information'] == information
    # one more byte (a 2-byte é instead of the last I) is too much, both ways
    assert_code('length', qr_payloads.encode_epc, name, 'BE72000000001616', text=text,
                information=information[:-1] + 'é')
    assert_code('length', qr_payloads.decode_epc, payload[:-1] + 'é')


@pytest.mark.parametrize('kwargs, code', [
    ({'version': '003'}, 'standard'),
    ({'version': '001'}, 'field_missing'),
    ({'bic': 'COBADEFF1'}, 'length'),
    ({'bic': '1OBADEFF'}, 'format'),
    ({'name': ''}, 'field_missing'),
    ({'name': 'N' * 71}, 'field_length'),
    ({'name': 'Red\nCross'}, 'charset'),
    ({'iban': ''}, 'field_missing'),
    ({'iban': 'DE88370400440532013000'}, 'check_digits'),
    ({'iban': 'DE89-3704-0044-0532-0130-00'}, 'format'),
    ({'amount_cents': 0}, 'amount_range'),
    ({'amount_cents': -1}, 'amount_range'),
    ({'amount_cents': 100000000000}, 'amount_range'),
    ({'amount_cents': 10.5}, 'format'),
    ({'amount_cents': '1050'}, 'format'),
    ({'purpose': 'CHA'}, 'length'),
    ({'purpose': 'CH R'}, 'charset'),
    ({'reference': 'RF18539007547035'}, 'check_digits'),
    ({'reference': 'INV-2025-1'}, 'format'),
    ({'reference': 'RF18539007547034', 'text': 'and text'}, 'format'),
    ({'text': 'T' * 141}, 'field_length'),
    ({'text': 'one\r\ntwo'}, 'charset'),
    ({'information': 'I' * 71}, 'field_length'),
    ({'information': 'I\n'}, 'charset'),
])
def test_epc_encode_rejects(qr_payloads, kwargs, code):
    args = dict({'name': 'Comune', 'iban': 'DE89370400440532013000'}, **kwargs)
    assert_code(code, qr_payloads.encode_epc, **args)


def test_epc_bic_optional_in_002_only(qr_payloads):
    payload = qr_payloads.encode_epc('Comune', 'DE89370400440532013000', 500)
    assert payload.split('\n')[4] == ''
    assert qr_payloads.decode_epc(payload)['bic'] == ''
    assert_code('field_missing', qr_payloads.decode_epc, payload.replace('\n002\n', '\n001\n'))


# ------------------------------------------------------------------ ZBP (Poland)

def test_zbp_example_nip_fails_its_checksum_by_hand():
    # 1·6 + 2·5 + 3·7 + 4·2 + 5·3 + 6·4 + 7·5 + 8·6 + 9·7 = 230; 230 mod 11 = 10 ≠ 0
    assert nip_sum('123456789') == 10


def test_zbp_example_decodes(qr_payloads):
    assert qr_payloads.decode_zbp(ZBP_EXAMPLE) == {
        'nip': '1234567890', 'country': 'PL', 'account': NRB, 'amount_cents': 1200,
        'name': 'Odbiorca 1', 'title': 'FV 1234/34/2012'}


def test_zbp_example_nip_rejected_when_strict_and_on_encode(qr_payloads):
    assert_code('check_digits', qr_payloads.decode_zbp, ZBP_EXAMPLE, strict=True)
    assert_code('check_digits', qr_payloads.encode_zbp, '1234567890', NRB, 1200, 'Odbiorca 1', 'FV 1234/34/2012')


def test_zbp_example_layout_with_a_valid_nip(qr_payloads):
    payload = qr_payloads.encode_zbp(VALID_NIP, NRB, 1200, 'Odbiorca 1', 'FV 1234/34/2012')
    assert payload == ZBP_EXAMPLE.replace('1234567890', VALID_NIP)
    assert qr_payloads.decode_zbp(payload, strict=True)['nip'] == VALID_NIP


def test_zbp_accepts_written_forms_on_encode(qr_payloads):
    payload = qr_payloads.encode_zbp('123-456-32-18', 'PL92 1240 1234 0001 5678 9012 3456', 1200, 'Odbiorca 1', 'FV')
    assert payload.split('|')[:3] == [VALID_NIP, 'PL', NRB]


def test_zbp_amount_six_digits(qr_payloads):
    assert qr_payloads.encode_zbp(VALID_NIP, NRB, None, 'A', 'B').split('|')[3] == '000000'
    assert qr_payloads.decode_zbp(qr_payloads.encode_zbp(VALID_NIP, NRB, None, 'A', 'B'))['amount_cents'] is None
    assert qr_payloads.encode_zbp(VALID_NIP, NRB, 999999, 'A', 'B').split('|')[3] == '999999'
    assert qr_payloads.encode_zbp(VALID_NIP, NRB, 1, 'A', 'B').split('|')[3] == '000001'
    assert_code('amount_range', qr_payloads.encode_zbp, VALID_NIP, NRB, 1000000, 'A', 'B')
    assert_code('amount_range', qr_payloads.encode_zbp, VALID_NIP, NRB, 0, 'A', 'B')


ZBP_ALPHABET = string.ascii_letters + string.digits + ' .,-/()' + 'ąćęłńóśźżĄĆĘŁŃÓŚŹŻ'


def test_zbp_round_trip(qr_payloads):
    rng = random.Random(SEED)
    for _ in range(400):
        value = {
            'nip': make_nip(rng),
            'country': 'PL',
            'account': make_nrb(rng),
            'amount_cents': rng.choice([None, 1, 999999, rng.randrange(1, 1000000)]),
            'name': random_text(rng, ZBP_ALPHABET, 1, 20),
            'title': random_text(rng, ZBP_ALPHABET, 1, 32),
        }
        payload = qr_payloads.encode_zbp(**value)
        assert len(payload) <= 160 and payload.count('|') == 8 and payload.endswith('|||')
        assert qr_payloads.decode_zbp(payload, strict=True) == value
        # any single digit change in the account breaks its mod-97 check
        broken = bump_digit(value['account'], rng.randrange(26))
        assert_code('check_digits', qr_payloads.decode_zbp, payload.replace(value['account'], broken, 1))


def zbp(**changes):
    parts = ZBP_EXAMPLE.split('|')
    for index, value in changes.items():
        parts[int(index[1:])] = value
    return '|'.join(parts)


@pytest.mark.parametrize('payload, code', [
    (zbp(f0='123456789'), 'length'),
    (zbp(f0='12345678901'), 'length'),
    (zbp(f0='12345678X0'), 'charset'),
    (zbp(f0=''), 'field_missing'),
    (zbp(f1='DE'), 'format'),
    (zbp(f2='93124012340001567890123456'), 'check_digits'),
    (zbp(f2='9212401234000156789012345'), 'length'),
    (zbp(f2='92124012340001567890 23456'), 'charset'),
    (zbp(f3='1200'), 'length'),
    (zbp(f3='0012000'), 'length'),
    (zbp(f3='0012,0'), 'charset'),
    (zbp(f4=''), 'field_missing'),
    (zbp(f4='N' * 21), 'field_length'),
    (zbp(f5=''), 'field_missing'),
    (zbp(f5='T' * 33), 'field_length'),
    (zbp(f6='R' * 21), 'field_length'),
    (zbp(f7='R' * 13), 'field_length'),
    (zbp(f8='R' * 25), 'field_length'),
    (ZBP_EXAMPLE[:-1], 'field_missing'),
    (ZBP_EXAMPLE + '|', 'format'),
    (zbp(f6='R' * 20, f7='R' * 12, f8='R' * 24, f4='N' * 20, f5='T' * 32) + 'x', 'length'),
])
def test_zbp_decode_rejects(qr_payloads, payload, code):
    assert_code(code, qr_payloads.decode_zbp, payload)


def test_zbp_full_reserved_fields_fit_160(qr_payloads):
    payload = zbp(f6='R' * 20, f7='R' * 12, f8='R' * 24, f4='N' * 20, f5='T' * 32)
    assert len(payload) == 160
    assert qr_payloads.decode_zbp(payload)['title'] == 'T' * 32


@pytest.mark.parametrize('kwargs, code', [
    ({'nip': '123456321'}, 'length'),
    ({'nip': '1234563219'}, 'check_digits'),
    ({'nip': 'PL1234563218'}, 'charset'),
    ({'account': '93124012340001567890123456'}, 'check_digits'),
    ({'account': '12401234000156789012345'}, 'length'),
    ({'country': 'DE'}, 'format'),
    ({'amount_cents': 12.0}, 'format'),
    ({'name': ''}, 'field_missing'),
    ({'name': 'N' * 21}, 'field_length'),
    ({'name': 'A|B'}, 'charset'),
    ({'title': 'T' * 33}, 'field_length'),
    ({'title': 'FV|1'}, 'charset'),
    ({'title': 'FV\n1'}, 'charset'),
])
def test_zbp_encode_rejects(qr_payloads, kwargs, code):
    args = dict({'nip': VALID_NIP, 'account': NRB, 'amount_cents': 1200, 'name': 'Gmina', 'title': 'Podatek'}, **kwargs)
    assert_code(code, qr_payloads.encode_zbp, **args)


# ------------------------------------------------------------------ GOST R 56042-2014

def test_gost_example_decodes(qr_payloads):
    assert qr_payloads.decode_gost(GOST_EXAMPLE) == {'charset': '2', 'fields': GOST_EXAMPLE_FIELDS}
    assert qr_payloads.decode_gost(GOST_EXAMPLE.encode('utf-8')) == {'charset': '2', 'fields': GOST_EXAMPLE_FIELDS}


def test_gost_example_encodes_exactly(qr_payloads):
    assert qr_payloads.encode_gost(GOST_EXAMPLE_FIELDS) == GOST_EXAMPLE.encode('utf-8')
    assert qr_payloads.encode_gost(GOST_EXAMPLE_FIELDS, charset='2').decode('utf-8') == GOST_EXAMPLE


def test_gost_example_in_windows_1251(qr_payloads):
    payload = qr_payloads.encode_gost(GOST_EXAMPLE_FIELDS, charset='1')
    assert payload == ('ST00011' + GOST_EXAMPLE[7:]).encode('cp1251')
    assert 'Три кита'.encode('cp1251') in payload and 'Три кита'.encode('utf-8') not in payload
    assert qr_payloads.decode_gost(payload) == {'charset': '1', 'fields': GOST_EXAMPLE_FIELDS}


def test_gost_koi8_r_bytes(qr_payloads):
    fields = dict(GOST_EXAMPLE_FIELDS, Name='ООО Три кита')  # KOI8-R has no « »
    payload = qr_payloads.encode_gost(fields, charset='3')
    assert payload.startswith(b'ST00013|Name=')
    assert 'Оплата пошлины'.encode('koi8_r') in payload
    assert qr_payloads.decode_gost(payload) == {'charset': '3', 'fields': fields}


def test_gost_mandatory_fields_written_first(qr_payloads):
    shuffled = {'Purpose': 'Пошлина', 'BIC': '044525225', 'Sum': '100', 'Name': 'Администрация',
                'CorrespAcc': '30101810400000000225', 'BankName': 'Банк', 'PersonalAcc': '40702810138250123017'}
    text = qr_payloads.encode_gost(shuffled).decode('utf-8')
    assert [pair.split('=')[0] for pair in text.split('|')[1:]] == [
        'Name', 'PersonalAcc', 'BankName', 'BIC', 'CorrespAcc', 'Purpose', 'Sum']


GOST_CYRILLIC = 'абвгдеёжзийклмнопрстуфхцчшщъыьэюяАБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯ'
GOST_ALPHABETS = {
    '1': GOST_CYRILLIC + string.ascii_letters + string.digits + ' .,-/()"=№«»—',
    '2': GOST_CYRILLIC + string.ascii_letters + string.digits + ' .,-/()"=№«»—€😀',
    '3': GOST_CYRILLIC + string.ascii_letters + string.digits + ' .,-/()"=',
}
GOST_OPTIONAL = ['Sum', 'Purpose', 'PayeeINN', 'KPP', 'CBC', 'OKTMO', 'UIN', 'PersAcc', 'LastName', 'FirstName']


def test_gost_round_trip_in_every_charset(qr_payloads):
    rng = random.Random(SEED)
    for charset, codec in (('1', 'cp1251'), ('2', 'utf-8'), ('3', 'koi8_r')):
        alphabet = GOST_ALPHABETS[charset]
        for _ in range(250):
            fields = {
                'Name': random_text(rng, alphabet, 1, 160),
                'PersonalAcc': ''.join(rng.choice(string.digits) for _ in range(20)),
                'BankName': random_text(rng, alphabet, 1, 45),
                'BIC': ''.join(rng.choice(string.digits) for _ in range(9)),
                'CorrespAcc': ''.join(rng.choice(string.digits) for _ in range(20)),
            }
            for key in rng.sample(GOST_OPTIONAL, rng.randint(0, len(GOST_OPTIONAL))):
                if key == 'Sum':
                    fields[key] = str(rng.randrange(1, 10 ** 12))
                else:
                    fields[key] = random_text(rng, alphabet, 0, 200)
            items = list(fields.items())
            rng.shuffle(items)
            fields = dict(items)
            payload = qr_payloads.encode_gost(fields, charset=charset)
            assert isinstance(payload, bytes)
            assert payload.startswith(('ST0001' + charset + '|Name=').encode('ascii'))
            payload.decode(codec)  # really in the charset it names
            decoded = qr_payloads.decode_gost(payload)
            assert decoded == {'charset': charset, 'fields': fields}
            assert list(decoded['fields'])[:5] == ['Name', 'PersonalAcc', 'BankName', 'BIC', 'CorrespAcc']
            # a scanner that already decoded the text gives the same result
            assert qr_payloads.decode_gost(payload.decode(codec)) == decoded


def gost(**changes):
    fields = dict(GOST_EXAMPLE_FIELDS, **changes)
    return 'ST00012' + ''.join('|%s=%s' % item for item in fields.items() if item[1] is not None)


@pytest.mark.parametrize('payload, code', [
    (GOST_EXAMPLE.replace('ST0001', 'ST0002'), 'standard'),
    ('BCD|Name=x', 'standard'),
    (GOST_EXAMPLE.replace('ST00012', 'ST00014'), 'charset'),
    (GOST_EXAMPLE.replace('ST00012|', 'ST00012;'), 'format'),
    (gost(BIC=None), 'field_missing'),
    (gost(Name=None), 'field_missing'),
    (gost(CorrespAcc=None), 'field_missing'),
    (gost(Name=''), 'field_missing'),
    (gost(PersonalAcc='4070281013825012301'), 'length'),
    (gost(PersonalAcc='407028101382501230170'), 'length'),
    (gost(BIC='04452522'), 'length'),
    (gost(BIC='04452522X'), 'charset'),
    (gost(CorrespAcc='3010181040000000022'), 'length'),
    (gost(Sum='1500.00'), 'charset'),
    (gost(Sum=''), 'field_missing'),
    (gost(Name='Н' * 161), 'field_length'),
    (gost(BankName='Б' * 46), 'field_length'),
    (gost(Purpose='П' * 211), 'field_length'),
    (GOST_EXAMPLE + '|Sum=1', 'format'),                      # duplicate key
    (GOST_EXAMPLE + '|Purpose', 'format'),                    # no '='
    (GOST_EXAMPLE + '|', 'format'),                           # empty pair
    (GOST_EXAMPLE.replace('|BankName=ПАО СБЕРБАНК|BIC=044525225', '|BIC=044525225|BankName=ПАО СБЕРБАНК'), 'format'),
    ('ST00012|Sum=1' + GOST_EXAMPLE[7:], 'format'),           # mandatory fields must come first
])
def test_gost_decode_rejects(qr_payloads, payload, code):
    assert_code(code, qr_payloads.decode_gost, payload)


def test_gost_decode_rejects_bad_bytes(qr_payloads):
    assert_code('charset', qr_payloads.decode_gost, b'ST00012|Name=\xff\xfe' + GOST_EXAMPLE.encode('utf-8')[20:])
    assert_code('charset', qr_payloads.decode_gost, b'ST00015' + GOST_EXAMPLE.encode('utf-8')[7:])
    assert_code('standard', qr_payloads.decode_gost, b'\xef\xbb\xbfST00012|Name=x')


@pytest.mark.parametrize('changes, charset, code', [
    ({'Name': 'ООО «Три кита»'}, '3', 'charset'),              # « is not in KOI8-R
    ({'Purpose': 'Оплата 😀'}, '1', 'charset'),                  # nor emoji in Windows-1251
    ({'Purpose': 'a|b'}, '2', 'charset'),
    ({'Purpose': 'a\nb'}, '2', 'charset'),
    ({'BIC': ''}, '2', 'field_missing'),
    ({'BankName': '   '}, '2', 'field_missing'),
    ({'PersonalAcc': '4070281013825012301A'}, '2', 'charset'),
    ({'Sum': 150000}, '2', 'format'),
    ({'Sum': '-1'}, '2', 'charset'),
    ({'Bad Key': 'x'}, '2', 'format'),
    ({'Key=': 'x'}, '2', 'format'),
    ({}, '4', 'charset'),
    ({}, 2, 'charset'),
])
def test_gost_encode_rejects(qr_payloads, changes, charset, code):
    assert_code(code, qr_payloads.encode_gost, dict(GOST_EXAMPLE_FIELDS, **changes), charset=charset)


def test_gost_missing_mandatory_on_encode(qr_payloads):
    for key in ('Name', 'PersonalAcc', 'BankName', 'BIC', 'CorrespAcc'):
        fields = {k: v for k, v in GOST_EXAMPLE_FIELDS.items() if k != key}
        assert key in str(assert_code('field_missing', qr_payloads.encode_gost, fields))


# ------------------------------------------------------------------ signed confirmation

SECRET = 'b6f1c0de' * 8
BASE = 'https://comune.example.it/'
RECEIPT = ('R2025000042', 'RF18539007547034', 1050, '2025-03-14T09:26:53')


def test_confirmation_url_shape(qr_payloads):
    url = qr_payloads.confirmation_url(BASE, *RECEIPT, SECRET)
    split = urlsplit(url)
    assert (split.scheme, split.netloc, split.path) == ('https', 'comune.example.it', '/munipay/verify/R2025000042')
    query = parse_qsl(split.query)
    assert [key for key, _value in query] == ['r', 'a', 'd', 's']
    assert dict(query) == {'r': 'RF18539007547034', 'a': '1050', 'd': '2025-03-14T09:26:53',
                           's': qr_payloads.sign_confirmation(SECRET, *RECEIPT)}
    assert url.count('//') == 1  # base URL's trailing slash not doubled


def test_confirmation_signature_is_hmac_sha256(qr_payloads):
    signature = qr_payloads.sign_confirmation(SECRET, *RECEIPT)
    assert len(signature) == 64 and set(signature) <= set('0123456789abcdef')
    assert signature == qr_payloads.sign_confirmation(SECRET, *RECEIPT)  # deterministic
    assert signature != qr_payloads.sign_confirmation(SECRET + 'x', *RECEIPT)
    # a plain concatenation of the values would collide on these; the canonical message does not
    assert (qr_payloads.sign_confirmation(SECRET, 'R1', '23', 45, '2025-01-01')
            != qr_payloads.sign_confirmation(SECRET, 'R12', '3', 45, '2025-01-01'))
    assert (qr_payloads.sign_confirmation(SECRET, 'R1', 'A1', 5, '2025-01-01')
            != qr_payloads.sign_confirmation(SECRET, 'R1', 'A', 15, '2025-01-01'))
    # the key really is the secret: HMAC with a different key is different from ours
    assert signature != hmac.new(b'', SECRET.encode(), hashlib.sha256).hexdigest()


def test_confirmation_round_trip_verifies(qr_payloads):
    url = qr_payloads.confirmation_url(BASE, *RECEIPT, SECRET)
    parsed = qr_payloads.parse_confirmation_url(url)
    assert parsed == {'receipt_id': 'R2025000042', 'reference': 'RF18539007547034', 'amount_cents': 1050,
                      'date': '2025-03-14T09:26:53', 'signature': qr_payloads.sign_confirmation(SECRET, *RECEIPT)}
    assert qr_payloads.verify_confirmation(SECRET, parsed) is True
    assert qr_payloads.verify_confirmation('another secret', parsed) is False


def test_confirmation_awkward_values_round_trip(qr_payloads):
    rng = random.Random(SEED)
    alphabet = string.ascii_letters + string.digits + ' /?&=#%+.:;àéЖ€😀'
    for _ in range(200):
        receipt_id = random_text(rng, alphabet, 1, 20)
        reference = random_text(rng, alphabet, 0, 30)
        cents = rng.randrange(0, 10 ** 10)
        date = '2025-%02d-%02dT%02d:%02d:00' % (rng.randint(1, 12), rng.randint(1, 28), rng.randint(0, 23),
                                                 rng.randint(0, 59))
        url = qr_payloads.confirmation_url('https://x.example/odoo', receipt_id, reference, cents, date, SECRET)
        assert url.startswith('https://x.example/odoo/munipay/verify/')
        assert '#' not in url and ' ' not in url
        parsed = qr_payloads.parse_confirmation_url(url)
        assert (parsed['receipt_id'], parsed['reference'], parsed['amount_cents'], parsed['date']) == (
            receipt_id, reference, cents, date)
        assert qr_payloads.verify_confirmation(SECRET, parsed)


def test_confirmation_receipt_id_is_one_path_segment(qr_payloads):
    url = qr_payloads.confirmation_url(BASE, 'R/2025/7 b', 'REF', 5, '2025-01-01', SECRET)
    assert urlsplit(url).path == '/munipay/verify/R%2F2025%2F7%20b'
    assert qr_payloads.parse_confirmation_url(url)['receipt_id'] == 'R/2025/7 b'


def test_confirmation_empty_reference_is_allowed(qr_payloads):
    url = qr_payloads.confirmation_url(BASE, 'R1', '', 0, '2025-01-01T00:00:00', SECRET)
    parsed = qr_payloads.parse_confirmation_url(url)
    assert parsed['reference'] == '' and parsed['amount_cents'] == 0
    assert qr_payloads.verify_confirmation(SECRET, parsed)


def tampered_urls(url):
    """Every URL obtained by changing one character of one of the five values."""
    split = urlsplit(url)
    prefix, receipt_id = split.path.rsplit('/', 1)
    query = parse_qsl(split.query)
    values = [('id', receipt_id)] + query
    for position, (key, value) in enumerate(values):
        for index in range(len(value)):
            ch = value[index]
            replacement = {'9': '0', 'f': '0', 'z': 'a', 'Z': 'A', '-': '+', 'T': 'X', ':': '-'}.get(
                ch, chr(ord(ch) + 1))
            changed = value[:index] + replacement + value[index + 1:]
            new_values = list(values)
            new_values[position] = (key, changed)
            new_query = '&'.join('%s=%s' % item for item in new_values[1:])
            yield key, '%s://%s%s/%s?%s' % (split.scheme, split.netloc, prefix, new_values[0][1], new_query)


def test_confirmation_tampering_any_value_fails(qr_payloads):
    url = qr_payloads.confirmation_url(BASE, *RECEIPT, SECRET)
    seen = set()
    count = 0
    for key, forged in tampered_urls(url):
        assert forged != url
        try:
            parsed = qr_payloads.parse_confirmation_url(forged)
        except qr_payloads.PayloadError:
            seen.add(key)
            count += 1
            continue
        assert qr_payloads.verify_confirmation(SECRET, parsed) is False, forged
        seen.add(key)
        count += 1
    assert seen == {'id', 'r', 'a', 'd', 's'}
    assert count > 100


def test_confirmation_tampered_signature_case_and_hex(qr_payloads):
    parsed = qr_payloads.parse_confirmation_url(qr_payloads.confirmation_url(BASE, *RECEIPT, SECRET))
    signature = parsed['signature']
    for index in (0, 31, 63):
        other = '0' if signature[index] != '0' else '1'
        forged = dict(parsed, signature=signature[:index] + other + signature[index + 1:])
        assert qr_payloads.verify_confirmation(SECRET, forged) is False
    assert qr_payloads.verify_confirmation(SECRET, dict(parsed, signature='')) is False
    assert qr_payloads.verify_confirmation(SECRET, dict(parsed, signature='é' * 64)) is False
    assert qr_payloads.verify_confirmation(SECRET, dict(parsed, amount_cents=1051)) is False
    assert qr_payloads.verify_confirmation(SECRET, dict(parsed, amount_cents='1050')) is False
    assert qr_payloads.verify_confirmation(SECRET, dict(parsed, reference='RF18539007547034\n')) is False


def test_confirmation_controller_style_dict(qr_payloads):
    # the public page builds the dict from the route and the query string itself
    signature = qr_payloads.sign_confirmation(SECRET, *RECEIPT)
    parsed = {'receipt_id': RECEIPT[0], 'reference': RECEIPT[1], 'amount_cents': int('1050'),
              'date': RECEIPT[3], 'signature': signature}
    assert qr_payloads.verify_confirmation(SECRET, parsed) is True
    assert qr_payloads.verify_confirmation(SECRET, dict(parsed, receipt_id='')) is False
    assert_code('field_missing', qr_payloads.verify_confirmation, SECRET, {'receipt_id': 'R1'})
    assert_code('field_missing', qr_payloads.verify_confirmation, '', parsed)


@pytest.mark.parametrize('url, code', [
    ('https://comune.example.it/munipay/check/R1?r=&a=1&d=2025&s=' + 'a' * 64, 'format'),
    ('ftp://comune.example.it/munipay/verify/R1?r=&a=1&d=2025&s=' + 'a' * 64, 'format'),
    ('munipay/verify/R1?r=&a=1&d=2025&s=' + 'a' * 64, 'format'),
    ('https://comune.example.it/munipay/verify/?r=&a=1&d=2025&s=' + 'a' * 64, 'field_missing'),
    ('https://comune.example.it/munipay/verify/R1?r=&a=1&d=2025', 'field_missing'),
    ('https://comune.example.it/munipay/verify/R1?a=1&d=2025&s=' + 'a' * 64, 'field_missing'),
    ('https://comune.example.it/munipay/verify/R1', 'field_missing'),
    ('https://comune.example.it/munipay/verify/R1?r=&a=1&a=2&d=2025&s=' + 'a' * 64, 'format'),
    ('https://comune.example.it/munipay/verify/R1?r=&a=01&d=2025&s=' + 'a' * 64, 'format'),
    ('https://comune.example.it/munipay/verify/R1?r=&a=-1&d=2025&s=' + 'a' * 64, 'format'),
    ('https://comune.example.it/munipay/verify/R1?r=&a=1.5&d=2025&s=' + 'a' * 64, 'format'),
    ('https://comune.example.it/munipay/verify/R1?r=&a=1&d=2025&s=' + 'A' * 64, 'format'),
    ('https://comune.example.it/munipay/verify/R1?r=&a=1&d=2025&s=' + 'a' * 63, 'format'),
    ('https://comune.example.it/munipay/verify/R1?r=&a=1&d=2025&x=1&s=' + 'a' * 64, 'format'),
    ('https://comune.example.it/munipay/verify/R%0A1?r=&a=1&d=2025&s=' + 'a' * 64, 'charset'),
    ('https://comune.example.it/munipay/verify/R%FF1?r=&a=1&d=2025&s=' + 'a' * 64, 'charset'),
])
def test_parse_confirmation_url_rejects(qr_payloads, url, code):
    assert_code(code, qr_payloads.parse_confirmation_url, url)


@pytest.mark.parametrize('args, code', [
    (('R1', 'REF', 5, '2025-01-01\n'), 'charset'),
    (('R\n1', 'REF', 5, '2025-01-01'), 'charset'),
    (('R1', 'RE\nF', 5, '2025-01-01'), 'charset'),
    (('', 'REF', 5, '2025-01-01'), 'field_missing'),
    (('R1', 'REF', 5, ''), 'field_missing'),
    (('R1', 'REF', -5, '2025-01-01'), 'amount_range'),
    (('R1', 'REF', 5.0, '2025-01-01'), 'format'),
])
def test_sign_confirmation_rejects(qr_payloads, args, code):
    assert_code(code, qr_payloads.sign_confirmation, SECRET, *args)


def test_confirmation_url_rejects_bad_base(qr_payloads):
    assert_code('format', qr_payloads.confirmation_url, 'comune.example.it', *RECEIPT, SECRET)
    assert_code('format', qr_payloads.confirmation_url, 'https://comune.example.it/?x=1', *RECEIPT, SECRET)


# ------------------------------------------------------------------ detect

def test_detect_each_kind(qr_payloads):
    pagopa = qr_payloads.encode_pagopa('301000000000000144', FISCAL_CODE, 100)
    epc_payload = '\n'.join(EPC_SAMPLE_LINES)
    confirmation = qr_payloads.confirmation_url(BASE, *RECEIPT, SECRET)
    cases = [
        (pagopa, 'pagopa'), (pagopa.encode(), 'pagopa'),
        (epc_payload, 'epc'), ('\r\n'.join(EPC_SAMPLE_LINES), 'epc'), (epc_payload.encode(), 'epc'),
        (ZBP_EXAMPLE, 'zbp'), (ZBP_EXAMPLE.encode(), 'zbp'),
        (GOST_EXAMPLE, 'gost'), (GOST_EXAMPLE.encode('utf-8'), 'gost'),
        (qr_payloads.encode_gost(GOST_EXAMPLE_FIELDS, charset='1'), 'gost'),
        (confirmation, 'confirmation'), (confirmation.encode(), 'confirmation'),
    ]
    for payload, kind in cases:
        assert qr_payloads.detect(payload) == kind, payload


def test_detect_names_broken_payloads_of_a_known_kind(qr_payloads):
    broken = '\n'.join(EPC_SAMPLE_LINES).replace('BE72000000001616', 'BE72000000001617')
    assert qr_payloads.detect(broken) == 'epc'
    assert_code('check_digits', qr_payloads.decode_epc, broken)
    assert qr_payloads.detect('PAGOPA|002|301000000000000145|80016340245|100') == 'pagopa'


@pytest.mark.parametrize('payload', [
    '', 'hello', 'BCD', 'BCD\n002\n1', 'PAGOPA', 'ST0001', 'ST00019|Name=x', 'https://example.com/shop?x=1',
    'https://example.com/my/munipay/orders/7', 'a|b|c|d|e|f|g|h|i', '1234567890|PL|9212|001200|A|B|||',
    'WIFI:T:WPA;S:net;P:pw;;', b'\xff\xfe\x00junk', b'', 'munipay/verify/R1', None, 42,
])
def test_detect_junk(qr_payloads, payload):
    assert qr_payloads.detect(payload) is None


def test_detected_kinds_decode(qr_payloads):
    """What detect() names, the matching decoder reads (the wizard relies on it)."""
    decoders = {'pagopa': qr_payloads.decode_pagopa, 'epc': qr_payloads.decode_epc, 'zbp': qr_payloads.decode_zbp,
                'gost': qr_payloads.decode_gost, 'confirmation': qr_payloads.parse_confirmation_url}
    payloads = [qr_payloads.encode_pagopa('001000000000009340', FISCAL_CODE, 1), '\n'.join(EPC_SAMPLE_LINES),
                ZBP_EXAMPLE, GOST_EXAMPLE, qr_payloads.confirmation_url(BASE, *RECEIPT, SECRET)]
    kinds = [qr_payloads.detect(payload) for payload in payloads]
    assert kinds == ['pagopa', 'epc', 'zbp', 'gost', 'confirmation']
    for kind, payload in zip(kinds, payloads):
        assert decoders[kind](payload)


def test_lib_loads_standalone_without_odoo():
    lib = load_lib('munipay_documents', 'qr_payloads')
    assert lib.encode_epc('A', 'BE72000000001616', reference='RF18539007547034')
    assert 'odoo' not in sys.modules
