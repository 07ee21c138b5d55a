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


_AMOUNT = re.compile(r'^-?[0-9]+(\.[0-9]+)?$')


def _delimiter(text):
    """';', tab or ',': whichever occurs most (outside quotes) in the first non-blank line."""
    first = next((line for line in text.splitlines() if line.strip()), '')
    first = re.sub(r'"[^"]*"', '', first)
    counts = {d: first.count(d) for d in (';', '\t', ',')}
    best = max(counts, key=counts.get)  # ties: ';' before tab before ','
    return best if counts[best] else ','


def parse(data):
    """Parse CSV bytes/str. Returns (rows, refusals).

    rows: list of dicts {line, identifier, amount (str, normalised), origin, fee_code}
    refusals: list of dicts {line, raw, reason} with reason in
    'no_identifier', 'bad_amount', 'non_positive_amount', 'bad_header'.
    """
    if isinstance(data, bytes):
        data = data.decode('utf-8-sig')
    data = data.lstrip('\ufeff')
    delimiter = _delimiter(data)
    reader = csv.reader(io.StringIO(data), delimiter=delimiter)
    rows, refusals = [], []
    header = next(reader, None)
    if header is None:
        return rows, refusals
    mapping = _column_map(header)
    if 'identifier' not in mapping or 'amount' not in mapping:
        # no header: identifier, amount, origin by position
        mapping = {'identifier': 0, 'amount': 1, 'origin': 2}
        reader = csv.reader(io.StringIO(data), delimiter=delimiter)
    while True:
        line_no = reader.line_num + 1  # first physical line of the next record
        record = next(reader, None)
        if record is None:
            break
        if not any(cell.strip() for cell in record):
            continue
        raw = ';'.join(record)

        def cell(field):
            index = mapping.get(field)
            return record[index].strip() if index is not None and index < len(record) else ''

        identifier = cell('identifier').upper().replace(' ', '')
        if not identifier:
            refusals.append({'line': line_no, 'raw': raw, 'reason': 'no_identifier'})
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
            refusals.append({'line': line_no, 'raw': raw, 'reason': 'bad_amount'})
            continue
        if not amount.is_finite() or amount <= 0:
            refusals.append({'line': line_no, 'raw': raw, 'reason': 'non_positive_amount'})
            continue
        if amount.as_tuple().exponent < -2:
            refusals.append({'line': line_no, 'raw': raw, 'reason': 'bad_amount'})
            continue
        rows.append({'line': line_no, 'identifier': identifier, 'amount': str(amount), 'origin': cell('origin'),
                     'fee_code': cell('fee_code').upper()})
    return rows, refusals
