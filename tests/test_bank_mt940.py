"""MT940 statements (munipay_bank/lib/mt940.py), written by hand after the SWIFT
MT940 field specifications and the examples of the German DFÜ agreement."""
import datetime
from decimal import Decimal

import pytest

from conftest import load_lib


@pytest.fixture(scope='module')
def mt940():
    return load_lib('munipay_bank', 'mt940')


# Two messages in SWIFT blocks, CRLF: a German statement with the structured
# details (?20 SEPA keywords over 27-character subfields), then a second day.
GERMAN = (
    '{1:F01COBADEFFAXXX0000000000}{2:O9401800260302COBADEFFAXXX00000000002603021800N}{4:\r\n'
    ':20:STARTUMS\r\n'
    ':25:37040044/532013000\r\n'
    ':28C:00042/001\r\n'
    ':60F:C260227EUR1000,00\r\n'
    ':61:2603020302CR42,90NTRFNONREF//0302-000017\r\n'
    ':86:166?00SEPA-GUTSCHRIFT?109310?20EREF+RF18539007547034?21SVWZ+Hundesteuer 2026 Fido \r\n'
    '?22RF18 5390 0754 7034?30COBADEFFXXX?31DE89370400440532013000?32Mustermann, Maximilian Alex?33ander\r\n'
    ':61:2603020302DR12,50NDDTKREF-77//0302-000018\r\n'
    'SEPA Lastschrift\r\n'
    ':86:105?00SEPA-BASIS-LASTSCHRIFT?20EREF+NOTPROVIDED?21KREF+KREF-77?22MREF+M-2019-11 CRED+DE98ZZZ\r\n'
    '?2309999999999 SVWZ+Strom Febr?24uar?32Stadtwerke Eichenfeld\r\n'
    ':62F:C260302EUR1030,40\r\n'
    ':64:C260302EUR1030,40\r\n'
    '-}\r\n'
    '{1:F01COBADEFFAXXX0000000000}{2:O9401800260303COBADEFFAXXX00000000002603031800N}{4:\r\n'
    ':20:STARTUMS\r\n'
    ':25:37040044/532013000\r\n'
    ':28C:00043/001\r\n'
    ':60F:C260302EUR1030,40\r\n'
    ':61:260303C100,00NTRFNONREF\r\n'
    ':86:166?00SEPA-GUTSCHRIFT?20SVWZ+Spende Stadtbibliothek?32Erika Musterfrau\r\n'
    ':62F:C260303EUR1130,40\r\n'
    '-}{5:{CHK:123456789ABC}}\r\n'
)

# An Italian bank's MT940 (LF, no blocks): free-text details over several lines,
# a pagoPA bank transfer with its /RFB/<IUV>/<amount> remittance.
ITALIAN = (
    ':20:ESTRATTO260115\n'
    ':25:IT60X0542811101000000123456\n'
    ':28C:15/1\n'
    ':60F:C260114EUR1000,00\n'
    ':61:2601150115C55,50NTRFNONREF//1501260001234\n'
    ':86:BONIFICO SEPA DA ROSSI MARIO /RFB/01000000000012345/55.50/TXT/\n'
    'VERBALE PO20260000067 TARGA AB123CD\n'
    ':61:2601150115C15,00NTRFNONREF\n'
    ':86:BONIFICO DA VERDI ANNA DONAZIONE BIBLIOTECA\n'
    ':62F:C260115EUR1070,50\n'
    '-\n'
)


def polish():
    """A Polish bank's MT940 with ~ subfields, in CP1250."""
    return (
        ':20:MT940\r\n'
        ':25:/PL61109010140000071219812874\r\n'
        ':28C:00007\r\n'
        ':60F:C260115PLN2500,00\r\n'
        ':61:2601150115CN120,00S034NONREF//OR2601150001\r\n'
        ':86:034~00VE02~20Opłata za wywóz odpadów ~21PO20260000067~3010901014~310000071219812874\r\n'
        '~32Józef Wiśniewski~38PL27114020040000300201355387\r\n'
        ':62F:C260115PLN2620,00\r\n'
    ).encode('cp1250')


def test_german_structured_details(mt940):
    first, second = mt940.parse(GERMAN.encode())
    assert (first.reference, first.number, first.account) == ('STARTUMS', '00042/001', '37040044/532013000')
    assert first.iban == 'DE89370400440532013000', "bank code and account number make the IBAN"
    assert (first.currency, first.opening.amount, first.closing.amount) == ('EUR', Decimal('1000.00'),
                                                                            Decimal('1030.40'))
    assert first.available.amount == Decimal('1030.40')
    credit, debit = first.transactions
    assert credit.amount == Decimal('42.90') and credit.mark == 'C'
    assert (credit.value_date, credit.entry_date) == (datetime.date(2026, 3, 2), datetime.date(2026, 3, 2))
    assert (credit.type_code, credit.customer_reference, credit.bank_reference) == ('NTRF', 'NONREF', '0302-000017')
    assert (credit.gvc, credit.booking_text) == ('166', 'SEPA-GUTSCHRIFT')
    assert credit.end_to_end == 'RF18539007547034'
    assert credit.purpose == 'Hundesteuer 2026 Fido RF18 5390 0754 7034'
    assert (credit.counterparty_bic, credit.counterparty_account) == ('COBADEFFXXX', 'DE89370400440532013000')
    assert credit.counterparty_name == 'Mustermann, Maximilian Alexander', "a full subfield goes on in the next"
    assert debit.amount == Decimal('-12.50')
    assert debit.supplementary == 'SEPA Lastschrift'
    assert (debit.end_to_end, debit.customer_ref, debit.mandate) == ('', 'KREF-77', 'M-2019-11')
    assert debit.creditor_id == 'DE98ZZZ09999999999', "a value cut across subfields is joined"
    assert debit.purpose == 'Strom Februar'
    assert debit.counterparty_name == 'Stadtwerke Eichenfeld'
    assert second.number == '00043/001' and second.transactions[0].purpose == 'Spende Stadtbibliothek'
    assert second.transactions[0].entry_date == datetime.date(2026, 3, 3), "no booking date: the value date"


def test_line_endings_do_not_matter(mt940):
    crlf = mt940.parse(GERMAN.encode())
    lf = mt940.parse(GERMAN.replace('\r\n', '\n').encode())
    cr = mt940.parse(GERMAN.replace('\r\n', '\r').encode())
    assert crlf == lf == cr


def test_italian_free_text(mt940):
    (statement,) = mt940.parse(ITALIAN.encode())
    assert statement.iban == 'IT60X0542811101000000123456'
    pagopa, donation = statement.transactions
    assert pagopa.purpose == ('BONIFICO SEPA DA ROSSI MARIO /RFB/01000000000012345/55.50/TXT/ '
                              'VERBALE PO20260000067 TARGA AB123CD')
    assert pagopa.gvc == '' and pagopa.counterparty_name == ''
    assert donation.amount == Decimal('15.00')


def test_polish_tilde_form_in_cp1250(mt940):
    (statement,) = mt940.parse(polish())
    assert (statement.iban, statement.currency) == ('PL61109010140000071219812874', 'PLN')
    (line,) = statement.transactions
    assert line.type_code == 'S034' and line.amount == Decimal('120.00'), "N is the funds code"
    assert line.purpose == 'Opłata za wywóz odpadów PO20260000067'
    assert line.counterparty_name == 'Józef Wiśniewski'
    assert line.counterparty_account == 'PL27114020040000300201355387', "~38 (IBAN) before ~31"


def test_reversals_debit_balances_and_booking_date_over_new_year(mt940):
    data = (':20:X\n:25:DE89370400440532013000\n:28C:1/1\n:60F:D251230EUR100,00\n'
            ':61:2512310102RC30,00NTRFNONREF\n'      # a credit reversed: money out, booked on 2 January
            ':61:2601020102RD10,00NDDTNONREF\n'      # a debit reversed: money in
            ':61:2601020102C200,NTRFNONREF\n'        # no decimals after the comma
            ':62F:C260102EUR80,00\n')
    (statement,) = mt940.parse(data)
    assert statement.opening.amount == Decimal('-100.00')
    assert [t.amount for t in statement.transactions] == [Decimal('-30.00'), Decimal('10.00'), Decimal('200')]
    assert statement.transactions[0].value_date == datetime.date(2025, 12, 31)
    assert statement.transactions[0].entry_date == datetime.date(2026, 1, 2)


def test_statement_on_two_pages(mt940):
    data = (':20:P\n:25:DE89370400440532013000\n:28C:00005/001\n:60F:C260301EUR0,00\n'
            ':61:260301C10,00NTRFNONREF\n:62M:C260301EUR10,00\n-\n'
            ':20:P\n:25:DE89370400440532013000\n:28C:00005/002\n:60M:C260301EUR10,00\n'
            ':61:260301C5,00NTRFNONREF\n:62F:C260301EUR15,00\n-\n')
    first, second = mt940.parse(data)
    assert (first.closing.kind, second.opening.kind) == ('M', 'M')
    assert [s.number for s in (first, second)] == ['00005/001', '00005/002']


def test_balance_mismatch_is_refused(mt940):
    with pytest.raises(mt940.MT940BalanceError) as error:
        mt940.parse(GERMAN.replace(':62F:C260302EUR1030,40', ':62F:C260302EUR1030,41'))
    assert error.value.movements == Decimal('30.40')
    assert error.value.statement.number == '00042/001'


@pytest.mark.parametrize('text, reason', [
    ('', 'no statement'),
    ('hello\n', 'outside of any field'),
    (':25:DE89370400440532013000\n:60F:C260101EUR1,00\n:62F:C260101EUR1,00\n', 'starts with :20:'),
    (':20:X\n:60F:C260101EUR1,00\n:62F:C260101EUR1,00\n', 'no account'),
    (':20:X\n:25:A\n:61:260101C1,00NTRFNONREF\n:62F:C260101EUR1,00\n', 'outside of the opening'),
    (':20:X\n:25:A\n:60F:C260101EUR1,00\n', 'truncated'),
    (':20:X\n:25:A\n:60F:C260101EUR1,00\n:62F:C260101PLN1,00\n', 'mixes currencies'),
    (':20:X\n:25:A\n:60F:C261301EUR1,00\n:62F:C260101EUR1,00\n', 'not a date'),
    (':20:X\n:25:A\n:60F:C260101EUR1.00\n:62F:C260101EUR1,00\n', 'balance'),
    (':20:X\n:25:A\n:60F:C260101EUR1,00\n:61:260101X1,00NTRFNONREF\n:62F:C260101EUR1,00\n', 'movement'),
    (':20:X\n:25:A\n:60F:C260101EUR1,00\n:60F:C260101EUR1,00\n:62F:C260101EUR1,00\n', 'second opening'),
    ('{1:F01COBADEFFAXXX0000000000}{2:O940}\n', 'never ends'),
    ('{4:\n:20:X\n:25:A\n:60F:C260101EUR1,00\n:62F:C260101EUR1,00\n{4:\n', 'before the previous one ended'),
])
def test_malformed_files_say_why(mt940, text, reason):
    with pytest.raises(mt940.MT940Error, match=reason):
        mt940.parse(text.encode())


def test_every_truncation_of_a_block_file_is_refused(mt940):
    """Cut anywhere, the file is refused, except right after a whole message
    (then it holds the messages before the cut, each balanced)."""
    data = GERMAN.encode()
    end = len(data.rstrip())
    for cut in range(end):
        head = data[:cut]
        whole = b'-}' in head and not head.rsplit(b'-}', 1)[1].strip()
        if whole:
            assert len(mt940.parse(head)) == head.count(b'-}'), cut
        else:
            with pytest.raises(mt940.MT940Error):
                mt940.parse(head)


@pytest.mark.parametrize('cut', [':62F:C260115EUR1070,', ':62F:C260115EUR10', ':86:BONIFICO DA VE',
                                 ':61:2601150115C15,00NTRF', ':61:2601150115C1'])
def test_truncated_bare_file_is_refused(mt940, cut):
    with pytest.raises(mt940.MT940Error):
        mt940.parse(ITALIAN[:ITALIAN.index(cut) + len(cut)])


def test_import_ids_are_stable_and_unique(mt940):
    ids = [t.import_id for s in mt940.parse(GERMAN) for t in s.transactions]
    assert len(set(ids)) == 3
    assert ids == [t.import_id for s in mt940.parse(GERMAN.replace('\r\n', '\n')) for t in s.transactions]
    # the same movements exported again under another statement number
    renumbered = GERMAN.replace(':28C:00042/001', ':28C:00001/001').replace(':20:STARTUMS', ':20:EXPORT')
    assert ids == [t.import_id for s in mt940.parse(renumbered) for t in s.transactions]
    # two identical transfers on one day are two movements
    twice = ITALIAN.replace(':62F:C260115EUR1070,50', ':61:2601150115C15,00NTRFNONREF\n'
                            ':86:BONIFICO DA VERDI ANNA DONAZIONE BIBLIOTECA\n:62F:C260115EUR1085,50')
    (statement,) = mt940.parse(twice)
    assert len({t.import_id for t in statement.transactions}) == 3


def test_looks_like_mt940(mt940):
    assert mt940.looks_like_mt940(GERMAN.encode())
    assert mt940.looks_like_mt940(ITALIAN.encode())
    assert mt940.looks_like_mt940(polish())
    assert mt940.looks_like_mt940(b'\xef\xbb\xbf' + ITALIAN.encode())
    assert not mt940.looks_like_mt940(b'<?xml version="1.0"?><Document>:20:x :25:y</Document>')
    assert not mt940.looks_like_mt940(b'date;amount;text\n2026-01-01;1,00;x\n')
    assert not mt940.looks_like_mt940(b'')


@pytest.mark.parametrize('account, iban', [
    ('37040044/532013000', 'DE89370400440532013000'),
    ('DE89 3704 0044 0532 0130 00', 'DE89370400440532013000'),
    ('DE89370400440532013000EUR', 'DE89370400440532013000'),
    ('/PL61109010140000071219812874', 'PL61109010140000071219812874'),
    ('61109010140000071219812874', 'PL61109010140000071219812874'),
    ('3704004/532013000', ''),  # not a German bank code
    ('12345678', ''),
])
def test_account_iban(mt940, account, iban):
    assert mt940.account_iban(account, 'EUR') == iban


def test_damaged_bytes_raise_only_mt940_errors(mt940):
    """Whatever a damaged file holds, the parser says MT940Error, never crashes otherwise."""
    import random
    rng = random.Random(940)
    data = bytearray(GERMAN.encode() + ITALIAN.encode() + polish())
    for _i in range(2000):
        damaged = bytearray(data)
        for _j in range(rng.randint(1, 4)):
            damaged[rng.randrange(len(damaged))] = rng.choice(b'0123456789:,?~/{}-CDRNX\r\n\xa0\xff')
        try:
            statements = mt940.parse(bytes(damaged))
        except mt940.MT940Error:
            continue
        for statement in statements:
            assert statement.opening.amount + sum(t.amount for t in statement.transactions) == \
                statement.closing.amount
