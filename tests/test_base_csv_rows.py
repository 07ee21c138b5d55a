"""Bulk-issue CSV parser (munipay_base/lib/csv_rows.py)."""
import pytest

CF1 = 'RSSMRA80A01H501U'
CF2 = 'VRDGPP80A01H501U'


def reasons(refusals):
    return [(r['line'], r['reason']) for r in refusals]


def row(line, identifier, amount, origin='', fee_code=''):
    """An expected parsed row (keeps the row shape in one place)."""
    return {'line': line, 'identifier': identifier, 'amount': amount, 'origin': origin, 'fee_code': fee_code}


# ------------------------------------------------------------------ headers

def test_header_with_english_names(csv_rows):
    rows, refusals = csv_rows.parse('identifier,amount,origin\n%s,12.50,V-1\n' % CF1)
    assert rows == [row(2, CF1, '12.50', 'V-1')]
    assert refusals == []


@pytest.mark.parametrize('header', [
    'codice_fiscale;importo;riferimento',
    'PESEL;Kwota;Reference',
    ' Payer ; Betrag ; Case ',
    'vat;amount;origin',
    'national_id;AMOUNT;riferimento',
])
def test_header_aliases(csv_rows, header):
    rows, refusals = csv_rows.parse('%s\n%s;12,50;V-1\n%s;7;V-2\n' % (header, CF1, CF2))
    assert refusals == []
    assert [(r['line'], r['identifier'], r['amount'], r['origin']) for r in rows] == [
        (2, CF1, '12.50', 'V-1'),
        (3, CF2, '7', 'V-2'),
    ]


def test_header_columns_in_any_order_extra_columns_ignored(csv_rows):
    data = 'notes;importo;name;riferimento;codice_fiscale\nx;5,00;Mario;V-9;%s\n' % CF1.lower()
    rows, refusals = csv_rows.parse(data)
    assert refusals == []
    assert rows == [row(2, CF1, '5.00', 'V-9')]


def test_header_without_origin_column(csv_rows):
    rows, refusals = csv_rows.parse('payer;amount\n%s;3\n' % CF1)
    assert refusals == []
    assert rows == [row(2, CF1, '3', '')]


@pytest.mark.parametrize('fee_header', ['fee', 'fee_code', 'Fee_Type', 'code'])
def test_fee_code_column(csv_rows, fee_header):
    data = 'identifier;amount;origin;%s\n%s;40;V-1; cds-202 \n%s;5;V-2;\n' % (fee_header, CF1, CF2)
    rows, refusals = csv_rows.parse(data)
    assert refusals == []
    assert rows == [row(2, CF1, '40', 'V-1', 'CDS-202'), row(3, CF2, '5', 'V-2', '')]


def test_no_header_has_no_fee_code(csv_rows):
    # by position only identifier, amount, origin are read; a 4th column is ignored
    rows, refusals = csv_rows.parse('%s;40;V-1;CDS-202\n' % CF1)
    assert refusals == []
    assert rows == [row(1, CF1, '40', 'V-1', '')]


def test_semicolon_csv_keeps_commas_inside_fields(csv_rows):
    data = 'identifier;amount;origin\n%s;10;Verbale 12, via Roma\n%s;2;x\n' % (CF1, CF2)
    rows, refusals = csv_rows.parse(data)
    assert refusals == []
    assert rows[0]['origin'] == 'Verbale 12, via Roma'
    assert rows[1]['identifier'] == CF2


def test_tab_separated(csv_rows):
    rows, refusals = csv_rows.parse('identifier\tamount\n%s\t5,5\n' % CF1)
    assert refusals == []
    assert rows == [row(2, CF1, '5.5', '')]


def test_comma_csv_with_quoted_comma_decimal(csv_rows):
    rows, refusals = csv_rows.parse('identifier,amount\n"%s","1.234,50"\n' % CF1)
    assert refusals == []
    assert rows == [row(2, CF1, '1234.50', '')]


# ------------------------------------------------------------------ no header

def test_no_header_by_position(csv_rows):
    rows, refusals = csv_rows.parse('%s;12;V-1\n%s;7;V-2\n' % (CF1, CF2))
    assert refusals == []
    assert rows == [
        row(1, CF1, '12', 'V-1'),
        row(2, CF2, '7', 'V-2'),
    ]


def test_no_header_comma_csv_two_columns(csv_rows):
    rows, refusals = csv_rows.parse('%s,12.50\n' % CF1)
    assert refusals == []
    assert rows == [row(1, CF1, '12.50', '')]


def test_unrecognised_header_is_read_as_data(csv_rows):
    # without identifier+amount names, the first line is a data line and is refused
    rows, refusals = csv_rows.parse('who;how much\n%s;12\n' % CF1)
    assert reasons(refusals) == [(1, 'bad_amount')]
    assert refusals[0]['raw'] == 'who;how much'
    assert rows == [row(2, CF1, '12', '')]


# ------------------------------------------------------------------ amounts

@pytest.mark.parametrize('text, expected', [
    ('1.234,50', '1234.50'),
    ('1 234,50', '1234.50'),
    ('12,5', '12.5'),
    ('12.50', '12.50'),
    ('0,01', '0.01'),
    ('1000', '1000'),
])
def test_amount_normalisation(csv_rows, text, expected):
    rows, refusals = csv_rows.parse('identifier;amount\n%s;%s\n' % (CF1, text))
    assert refusals == []
    assert rows[0]['amount'] == expected


@pytest.mark.parametrize('text, reason', [
    ('abc', 'bad_amount'),
    ('', 'bad_amount'),
    ('12,50 EUR', 'bad_amount'),
    ('0', 'non_positive_amount'),
    ('0,00', 'non_positive_amount'),
    ('-5', 'non_positive_amount'),
    ('-0,01', 'non_positive_amount'),
    ('1,234', 'bad_amount'),       # three decimals
    ('10.505', 'bad_amount'),
])
def test_amount_refusals(csv_rows, text, reason):
    rows, refusals = csv_rows.parse('identifier;amount;origin\n%s;%s;V-1\n' % (CF1, text))
    assert rows == []
    assert refusals == [{'line': 2, 'raw': '%s;%s;V-1' % (CF1, text), 'reason': reason}]


# ------------------------------------------------------------------ identifiers

@pytest.mark.parametrize('identifier', ['', '   '])
def test_missing_identifier_refused(csv_rows, identifier):
    rows, refusals = csv_rows.parse('identifier;amount\n%s;12\n%s;5\n' % (identifier, CF1))
    assert reasons(refusals) == [(2, 'no_identifier')]
    assert [r['line'] for r in rows] == [3]


def test_missing_identifier_wins_over_bad_amount(csv_rows):
    _rows, refusals = csv_rows.parse('identifier;amount\n;abc\n')
    assert reasons(refusals) == [(2, 'no_identifier')]


def test_identifier_uppercased_and_spaces_removed(csv_rows):
    rows, _refusals = csv_rows.parse('identifier;amount\n rss mra 80a01 h501u ;12\n')
    assert rows[0]['identifier'] == CF1


def test_short_record_missing_amount_column_comma_csv(csv_rows):
    rows, refusals = csv_rows.parse('identifier,amount,origin\n%s,1,a\n%s\n' % (CF1, CF2))
    assert [r['line'] for r in rows] == [2]
    assert reasons(refusals) == [(3, 'bad_amount')]


# ------------------------------------------------------------------ lines, blanks, encoding

def test_blank_lines_skipped_and_line_numbers_kept(csv_rows):
    data = (
        'identifier;amount;origin\n'   # 1
        '%s;10;a\n'                    # 2
        '\n'                           # 3
        'X;abc;b\n'                    # 4
        ';;\n'                         # 5 (empty cells only)
        '\n'                           # 6
        '%s;0;c\n'                     # 7
        '%s;20;d\n'                    # 8
        '\n'                           # 9 trailing blank line
    ) % (CF1, CF2, CF2)
    rows, refusals = csv_rows.parse(data)
    assert [(r['line'], r['identifier'], r['amount']) for r in rows] == [(2, CF1, '10'), (8, CF2, '20')]
    assert reasons(refusals) == [(4, 'bad_amount'), (7, 'non_positive_amount')]


def test_line_numbers_without_header(csv_rows):
    rows, refusals = csv_rows.parse('%s;10\n\nX;-1\n%s;3\n' % (CF1, CF2))
    assert [r['line'] for r in rows] == [1, 4]
    assert reasons(refusals) == [(3, 'non_positive_amount')]


def test_utf8_bom_bytes(csv_rows):
    data = '\ufeffcodice_fiscale;importo;riferimento\n%s;1.234,50;Località Rovereto\n' % CF1
    rows, refusals = csv_rows.parse(data.encode('utf-8'))
    assert refusals == []
    assert rows == [row(2, CF1, '1234.50', 'Località Rovereto')]


def test_utf8_bytes_without_bom(csv_rows):
    rows, refusals = csv_rows.parse('identifier;amount;origin\nA1;5;Łódź\n'.encode('utf-8'))
    assert refusals == []
    assert rows[0]['origin'] == 'Łódź'


def test_crlf_line_endings(csv_rows):
    rows, refusals = csv_rows.parse(b'identifier;amount\r\nA1;5\r\nB2;6,50\r\n')
    assert refusals == []
    assert [(r['line'], r['identifier'], r['amount']) for r in rows] == [(2, 'A1', '5'), (3, 'B2', '6.50')]


@pytest.mark.parametrize('data', ['', b'', '\n\n', b'\xef\xbb\xbf'])
def test_empty_input(csv_rows, data):
    assert csv_rows.parse(data) == ([], [])


def test_header_only(csv_rows):
    assert csv_rows.parse('identifier;amount;origin\n') == ([], [])


def test_raw_joins_cells_with_semicolons(csv_rows):
    _rows, refusals = csv_rows.parse('identifier,amount,origin\nA1,zero,"V, 1"\n')
    assert refusals == [{'line': 2, 'raw': 'A1;zero;V, 1', 'reason': 'bad_amount'}]


# ------------------------------------------------------------------ known bugs (see the report)

def test_crlf_with_blank_line(csv_rows):
    rows, refusals = csv_rows.parse(b'identifier;amount\r\nA1;5\r\n\r\n')
    assert refusals == []
    assert rows == [row(2, 'A1', '5', '')]


def test_no_header_semicolon_with_decimal_commas(csv_rows):
    rows, refusals = csv_rows.parse('%s;12,50;V-1\n%s;7,00;V-2\n' % (CF1, CF2))
    assert refusals == []
    assert [r['amount'] for r in rows] == ['12.50', '7.00']


def test_line_numbers_after_multiline_field(csv_rows):
    rows, _refusals = csv_rows.parse('identifier,amount,origin\nA1,1,"multi\nline"\nB2,3,x\n')
    assert [r['line'] for r in rows] == [2, 4]


def test_utf8_bom_in_str(csv_rows):
    rows, refusals = csv_rows.parse('\ufeffidentifier;amount\nA1;5\n')
    assert refusals == []
    assert [r['line'] for r in rows] == [2]


@pytest.mark.parametrize('text', ['1e3', 'NaN', 'Infinity'])
def test_non_decimal_notations_are_bad_amounts(csv_rows, text):
    rows, refusals = csv_rows.parse('identifier;amount\nA1;%s\n' % text)
    assert rows == []
    assert reasons(refusals) == [(2, 'bad_amount')]


def test_semicolon_file_with_a_short_record(csv_rows):
    rows, refusals = csv_rows.parse('identifier;amount;origin\n%s;1;a\n%s;2\nX;abc;c\n' % (CF1, CF2))
    assert [(r['line'], r['identifier'], r['origin']) for r in rows] == [(2, CF1, 'a'), (3, CF2, '')]
    assert reasons(refusals) == [(4, 'bad_amount')]


def test_semicolon_file_with_whitespace_only_line(csv_rows):
    rows, refusals = csv_rows.parse('identifier;amount\n%s;1\n   \n%s;2\n' % (CF1, CF2))
    assert refusals == []
    assert [r['line'] for r in rows] == [2, 4]


# ------------------------------------------------------------------ damaged files: refused, never csv.Error

def test_stray_carriage_return_refuses_the_row(csv_rows):
    rows, refusals = csv_rows.parse('identifier;amount\n%s;5\rX;1\n%s;7\n' % (CF1, CF2))
    assert rows == [row(3, CF2, '7')]
    assert refusals == [{'line': 2, 'raw': '%s;5 X;1' % CF1, 'reason': 'unreadable_line'}]


def test_stray_carriage_return_in_crlf_file(csv_rows):
    rows, refusals = csv_rows.parse(b'identifier;amount\r\nA1;5\rX\r\nB2;6\r\n')
    assert rows == [row(3, 'B2', '6')]
    assert reasons(refusals) == [(2, 'unreadable_line')]


def test_stray_carriage_return_in_the_first_line(csv_rows):
    rows, refusals = csv_rows.parse('A1;5\rX\nB2;6\n')
    assert rows == [row(2, 'B2', '6')]
    assert reasons(refusals) == [(1, 'unreadable_line')]


def test_carriage_return_inside_quotes_is_kept_out_of_the_origin(csv_rows):
    rows, refusals = csv_rows.parse('identifier;amount;origin\nA1;5;"V-1\r\nsecond line"\n')
    assert refusals == []
    assert rows == [row(2, 'A1', '5', 'V-1 second line')]


def test_classic_mac_line_ends(csv_rows):
    rows, refusals = csv_rows.parse('identifier;amount\rA1;5\rB2;6\r')
    assert refusals == []
    assert [(r['line'], r['identifier']) for r in rows] == [(2, 'A1'), (3, 'B2')]


def test_quote_left_open_refuses_the_rest_instead_of_swallowing_it(csv_rows):
    rows, refusals = csv_rows.parse('A1,5,"V-1\nB2,3,x\n')
    assert rows == []
    assert refusals == [{'line': 1, 'raw': 'A1,5,"V-1 B2,3,x', 'reason': 'unreadable_line'}]


def test_text_after_a_closing_quote_refuses_the_row(csv_rows):
    rows, refusals = csv_rows.parse('A1,5,"V"x\nB2,3\n')
    assert rows == [row(2, 'B2', '3')]
    assert reasons(refusals) == [(1, 'unreadable_line')]


def test_field_above_the_size_limit_refuses_the_row(csv_rows):
    rows, refusals = csv_rows.parse('A1;5;"%s"\nB2;3\n' % ('x' * 200000))
    assert rows == [row(2, 'B2', '3')]
    assert reasons(refusals) == [(1, 'unreadable_line')]
    assert len(refusals[0]['raw']) > 100000  # the ORM keeps only its start


@pytest.mark.parametrize('line', [
    'A\x001;5', 'A1;5\x00', 'A1;5;V\x00-1', 'A1;5;V\x1b-1', 'A\x071;5', '"A\n1";5', 'A1;"5\n0"',
])
def test_control_characters_refuse_the_row(csv_rows, line):
    rows, refusals = csv_rows.parse('%s\nB2;3\n' % line)
    assert [r['identifier'] for r in rows] == ['B2']
    assert [r['reason'] for r in refusals] == ['control_character']
    assert not any(c in refusals[0]['raw'] for c in '\x00\x07\x1b\n\r')


def test_tabs_and_line_breaks_in_the_origin_become_spaces(csv_rows):
    rows, refusals = csv_rows.parse('identifier;amount;origin\nA1;5;"V-1\n\tRoma"\n')
    assert refusals == []
    assert rows[0]['origin'] == 'V-1 Roma'


def test_absurdly_long_amount_is_refused(csv_rows):
    rows, refusals = csv_rows.parse('A1;%s\nB2;999999999999,99\n' % ('9' * 400))
    assert [r['amount'] for r in rows] == ['999999999999.99']
    assert reasons(refusals) == [(1, 'bad_amount')]


# ------------------------------------------------------------------ fuzzing

FUZZ_SEED = 20261122
FUZZ_CASES = 1500
SAMPLE = (
    'codice_fiscale;importo;riferimento;fee\n'
    '%s;1.234,50;Verbale 12, via Roma;CDS7\n'
    '%s;12,5;"quoted; origin";\n'
    '\n'
    'X;abc;b;\n'
) % (CF1, CF2)
NASTY = ['\r', '\n', '\r\n', '"', ';', ',', '\t', '\x00', '\x1b', '\x7f', '\ufeff', '\u2028', 'ß', '€',
         '-', '.', '0', '9', ' ', '""', '\\', "'", 'x' * 50]


def _mutate(rng, text):
    chars = list(text)
    for _i in range(rng.randint(1, 8)):
        position = rng.randrange(len(chars) + 1)
        action = rng.random()
        if action < 0.5:
            chars[position:position] = list(rng.choice(NASTY))
        elif action < 0.75 and chars:
            del chars[min(position, len(chars) - 1)]
        elif chars:
            start = rng.randrange(len(chars))
            chars[position:position] = chars[start:start + rng.randint(1, 20)]
    return ''.join(chars)


def _check_result(text, rows, refusals):
    physical_lines = text.count('\n') + text.count('\r') + 1
    for item in rows + refusals:
        assert 1 <= item['line'] <= physical_lines
    for refusal in refusals:
        assert refusal['reason'] in ('no_identifier', 'bad_amount', 'non_positive_amount',
                                     'unreadable_line', 'control_character')
        assert not any(ord(c) < 32 or c == '\x7f' for c in refusal['raw'])
    for parsed in rows:
        for key in ('identifier', 'amount', 'origin', 'fee_code'):
            assert not any(ord(c) < 32 or c == '\x7f' for c in parsed[key]), (key, parsed)
        assert parsed['identifier']
        whole, _sep, decimals = parsed['amount'].partition('.')
        assert whole.isdigit() and len(decimals) <= 2 and float(parsed['amount']) > 0


def test_fuzzed_csv_never_crashes(csv_rows):
    import random
    rng = random.Random(FUZZ_SEED)
    for _case in range(FUZZ_CASES):
        text = _mutate(rng, SAMPLE)
        rows, refusals = csv_rows.parse(text)
        _check_result(text, rows, refusals)
        data = text.encode('utf-8')
        if rng.random() < 0.3:  # damaged bytes: only a decoding error may come out (the ORM answers it)
            data = bytearray(data)
            data[rng.randrange(len(data))] = rng.randrange(256)
            data = bytes(data)
        try:
            decoded = data.decode('utf-8-sig')
        except UnicodeDecodeError:
            with pytest.raises(UnicodeDecodeError):
                csv_rows.parse(data)
            continue
        rows, refusals = csv_rows.parse(data)
        _check_result(decoded, rows, refusals)
