"""Parsing of a bulk-issue CSV: payer identifier, amount, origin.

Pure Python; returns rows and per-row refusals (reason codes the ORM translates).
"""
import csv
import io
import re
from decimal import Decimal, InvalidOperation

HEADER_ALIASES = {
    'identifier': {'identifier', 'payer', 'payer_identifier', 'national_id', 'vat', 'codice_fiscale', 'pesel'},
    'amount': {'amount', 'importo', 'betrag', 'kwota'},
    'origin': {'origin', 'case', 'reference', 'riferimento'},
    'fee_code': {'fee', 'fee_code', 'fee_type', 'code'},
}


def _column_map(header):
    mapping = {}
    for index, name in enumerate(header):
        key = (name or '').strip().lower()
        for field, aliases in HEADER_ALIASES.items():
            if key in aliases:
                mapping[field] = index
    return mapping


# at most twelve digits before the point: a longer number is a typing error, not an amount
_AMOUNT = re.compile(r'^-?[0-9]{1,12}(\.[0-9]+)?$')
# characters that cannot be stored (NUL, lone surrogates) or have no place in a value
_CONTROL = re.compile('[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]')
_CONTROL_OR_BREAK = re.compile('[\x00-\x1f\x7f\ud800-\udfff]')

REASONS = ('no_identifier', 'bad_amount', 'non_positive_amount', 'unreadable_line', 'control_character')


def _delimiter(text):
    """';', tab or ',': whichever occurs most (outside quotes) in the first non-blank line."""
    head = re.sub(r'"[^"]*"', '', text[:65536])  # quoted text may hold delimiters and line breaks
    first = next((line for line in head.split('\n') if line.strip()), '')
    counts = {d: first.count(d) for d in (';', '\t', ',')}
    best = max(counts, key=counts.get)  # ties: ';' before tab before ','
    return best if counts[best] else ','


def printable(text):
    """``text`` on one line, control characters replaced: safe to store and show."""
    return _CONTROL_OR_BREAK.sub('\ufffd', re.sub(r'[\t\r\n]+', ' ', text)).strip()


def _records(data, delimiter):
    """Yield (first physical line, cells or None, raw text) of each record.

    A record the csv module cannot read (a carriage return inside an unquoted
    field, a quote left open until the end of the file, text after a closing
    quote, a field above the size limit) comes with cells None instead of
    stopping the whole file.
    """
    lines = data.split('\n')
    reader = csv.reader(io.StringIO(data), delimiter=delimiter, strict=True)
    while True:
        line_no = reader.line_num + 1  # first physical line of the next record
        try:
            record = next(reader)
        except StopIteration:
            return
        except csv.Error:
            yield line_no, None, '\n'.join(lines[line_no - 1:max(reader.line_num, line_no)])
            continue
        yield line_no, record, ';'.join(record)


def parse(data):
    """Parse CSV bytes/str. Returns (rows, refusals).

    rows: list of dicts {line, identifier, amount (str, normalised), origin, fee_code}
    refusals: list of dicts {line, raw, reason} with reason in :data:`REASONS`;
    ``raw`` holds no control character.
    """
    if isinstance(data, bytes):
        data = data.decode('utf-8-sig')
    data = data.lstrip('\ufeff')
    if '\r' in data and '\n' not in data:
        data = data.replace('\r', '\n')  # classic Mac line ends
    delimiter = _delimiter(data)
    records = _records(data, delimiter)
    rows, refusals = [], []
    first = next(records, None)
    if first is None:
        return rows, refusals
    mapping = _column_map(first[1] or [])
    if 'identifier' not in mapping or 'amount' not in mapping:
        # no header: identifier, amount, origin by position
        mapping = {'identifier': 0, 'amount': 1, 'origin': 2}
        records = _records(data, delimiter)
    for line_no, record, raw in records:
        if record is None:
            refusals.append({'line': line_no, 'raw': printable(raw), 'reason': 'unreadable_line'})
            continue
        if not any(cell.strip() for cell in record):
            continue

        def cell(field):
            index = mapping.get(field)
            return record[index].strip() if index is not None and index < len(record) else ''

        def refuse(reason):
            refusals.append({'line': line_no, 'raw': printable(raw), 'reason': reason})

        identifier = cell('identifier').upper().replace(' ', '')
        if not identifier:
            refuse('no_identifier')
            continue
        if (_CONTROL_OR_BREAK.search(identifier + cell('amount') + cell('fee_code'))
                or _CONTROL.search(cell('origin'))):
            refuse('control_character')
            continue
        amount_text = cell('amount').replace(' ', '')
        if ',' in amount_text and '.' in amount_text:
            amount_text = amount_text.replace('.', '').replace(',', '.')
        else:
            amount_text = amount_text.replace(',', '.')
        try:
            if not _AMOUNT.match(amount_text):
                raise InvalidOperation
            amount = Decimal(amount_text)
        except InvalidOperation:
            refuse('bad_amount')
            continue
        if not amount.is_finite() or amount <= 0:
            refuse('non_positive_amount')
            continue
        if amount.as_tuple().exponent < -2:
            refuse('bad_amount')
            continue
        rows.append({'line': line_no, 'identifier': identifier, 'amount': str(amount),
                     'origin': ' '.join(cell('origin').split()), 'fee_code': cell('fee_code').upper()})
    return rows, refusals
