"""SWIFT MT940 customer statements, as German, Italian and Polish banks deliver
them. Pure Python, no ORM: ``parse(data)`` returns the statements of a file, each
checked (opening balance plus movements is the closing balance), or raises
:class:`MT940Error` saying where the file is damaged.

A file holds one or more statements, each a message of tagged fields, bare or in
SWIFT blocks (``{1:...}{2:...}{4:`` ... ``-}``)::

    :20:  reference            :25:  account (IBAN, or bank code/account number)
    :28C: statement/page       :60F: opening balance (:60M: of a continued page)
    :61:  a movement, its :86: details follow
    :62F: closing balance (:62M:)   :64: available balance   :86: (after :62:) notes

The details (:86:) come in the German structured form of the DFÜ agreement
(``166?00GUTSCHRIFT?20EREF+...?21SVWZ+...?30BIC?31IBAN?32NAME``), the same with
``~`` as Polish banks write it, or as free text (Italian banks, pagoPA's
``/RFB/<IUV>/<amount>``). Amounts are :class:`~decimal.Decimal`, never floats.
"""
import dataclasses
import datetime
import hashlib
import re
from decimal import Decimal

from stdnum import iban as stdnum_iban
from stdnum.iso7064 import mod_97_10


class MT940Error(ValueError):
    """The file is not a well-formed MT940 statement file; ``line`` is where it broke (1-based)."""

    def __init__(self, reason, line=None):
        super().__init__('line %s: %s' % (line, reason) if line else reason)
        self.reason = reason
        self.line = line


class MT940BalanceError(MT940Error):
    """A statement whose movements do not lead from its opening to its closing balance."""

    def __init__(self, statement, movements, line=None):
        self.statement = statement
        self.movements = movements
        super().__init__('statement %s of account %s: opening balance %s plus movements %s is not the closing '
                         'balance %s' % (statement.number or statement.reference, statement.account,
                                         statement.opening.amount, movements, statement.closing.amount), line)


@dataclasses.dataclass
class Balance:
    kind: str          # 'F' final/first, 'M' intermediate (a statement continued on another page)
    date: datetime.date
    currency: str
    amount: Decimal    # signed: debit balances are negative


@dataclasses.dataclass
class Transaction:
    value_date: datetime.date
    entry_date: datetime.date   # the booking date (the value date when the bank gave none)
    amount: Decimal             # signed: credits positive, debits and reversed credits negative
    mark: str                   # C, D, RC or RD
    type_code: str              # e.g. NTRF, NMSC, S103
    customer_reference: str = ''
    bank_reference: str = ''
    supplementary: str = ''
    gvc: str = ''               # German business transaction code (Geschäftsvorfallcode), or the Polish one
    booking_text: str = ''
    purpose: str = ''           # what the payer wrote (SVWZ, or the free text)
    end_to_end: str = ''        # EREF
    customer_ref: str = ''      # KREF
    mandate: str = ''           # MREF
    creditor_id: str = ''       # CRED
    counterparty_bic: str = ''
    counterparty_account: str = ''
    counterparty_name: str = ''
    details: str = ''           # the :86: text as one line
    raw: str = ''               # the :61: and :86: fields as written
    import_id: str = ''         # the same in every file the movement appears in, unique in the account

    def fingerprint(self):
        """What identifies the movement in any file it appears in (the statement's
        number and page may differ between a daily and a re-exported file)."""
        key = '|'.join([self.value_date.isoformat(), self.entry_date.isoformat(), self.mark, str(self.amount),
                        self.type_code, self.customer_reference, self.bank_reference,
                        re.sub(r'\s+', '', self.details)])
        return hashlib.sha1(key.encode('utf-8')).hexdigest()[:20]


@dataclasses.dataclass
class Statement:
    reference: str                   # :20:
    account: str = ''                # :25: as written
    iban: str = ''                   # the account as IBAN, when it is one or can be made one
    number: str = ''                 # :28C:
    opening: Balance = None
    closing: Balance = None
    available: Balance = None
    transactions: list = dataclasses.field(default_factory=list)
    info: str = ''                   # :86: about the whole statement
    line: int = 0

    @property
    def currency(self):
        return self.opening.currency

    @property
    def account_number(self):
        return self.iban or self.account


_TAG = re.compile(r'^:([0-9A-Z]{2}[A-Z]?):(.*)$')
# the SWIFT blocks around the text block {4: (basic, application, user header; trailer)
_BLOCK = re.compile(r'\{[1235S]:(?:[^{}]|\{[^{}]*\})*\}')
_BALANCE = re.compile(r'^([CD])(\d{6})([A-Z]{3})(\d{1,15},\d{0,3})$')
_MOVEMENT = re.compile(
    r'^(?P<value>\d{6})(?P<entry>\d{4})?(?P<mark>R?[CD])(?P<funds>[A-Z])?(?P<amount>\d{1,15},\d{0,3})'
    r'(?P<type>[NFS][0-9A-Z]{3})(?P<refs>.*)$')
_STRUCTURED = re.compile(r'^(\d{3})?([?~^])(\d{2})')
_SEPA_KEYWORD = re.compile(r'(EREF|KREF|MREF|CRED|DEBT|COAM|OAMT|SVWZ|ABWA|ABWE|IBAN|BIC)\+')
_NOT_PROVIDED = {'NOTPROVIDED', 'NONREF', ''}
# subfields of the structured form that carry the remittance text, in order
_PURPOSE_FIELDS = ['%02d' % n for n in list(range(20, 30)) + list(range(60, 64))]
_FIELD_WIDTH = 27   # a subfield of the structured form, full when the text goes on in the next one
_LINE_WIDTH = 65    # a line of :86:, full when the text goes on in the next one


def decode(data):
    """The file's text: UTF-8 when it is, else the Windows code page of the account's country."""
    if isinstance(data, str):
        return data
    data = data.removeprefix(b'\xef\xbb\xbf')
    try:
        return data.decode('utf-8')
    except UnicodeDecodeError:
        pass
    # Polish banks write names in CP1250, the others in CP1252/Latin-1
    encoding = 'cp1250' if re.search(rb':25:/?(PL|\d{26})', data) else 'cp1252'
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        return data.decode('latin-1')


def looks_like_mt940(data):
    """Is this an MT940 file at all (as opposed to CAMT, OFX, CSV...)?"""
    head = decode(data[:4096] if isinstance(data, bytes) else data[:4096]).lstrip('\ufeff \t\r\n')
    if head.startswith('<'):
        return False
    return bool(re.search(r'(^|\n|\{4:\s*):20:', head)) and ':25:' in head


def parse(data):
    """The statements of an MT940 file, in file order. Raises :class:`MT940Error`."""
    text = decode(data).replace('\r\n', '\n').replace('\r', '\n').replace('\x01', '').replace('\x03', '')
    statements = []
    field = None         # [tag, first line number, [lines]]
    in_block = None      # line number where a {4: block opened and is not closed yet
    header = None        # line number of SWIFT header blocks still waiting for their {4: block
    fields = []

    def flush_field():
        nonlocal field
        if field:
            fields.append(field)
            field = None

    def flush_statement():
        flush_field()
        if fields:
            statements.append(_statement_from_fields(fields))
            fields.clear()

    for number, line in enumerate(text.split('\n'), start=1):
        stripped = line.strip()
        if stripped.startswith('-}') or (stripped == '-' and not in_block):
            # end of a message: "-}", "-}{5:...}", or a bare "-" between bare messages
            flush_statement()
            in_block = None
            line = stripped = stripped[2:].strip()
        if stripped.startswith('{'):
            if stripped[:3] in ('{1:', '{2:', '{3:'):
                header = header or number
            line = stripped = _BLOCK.sub('', stripped).strip()
            if stripped.startswith('{4:'):
                if in_block:
                    raise MT940Error('a message starts before the previous one ended: the file is truncated', number)
                flush_statement()
                in_block, header = number, None
                line = stripped = stripped[3:].strip()
        if not stripped:
            continue
        match = _TAG.match(stripped)
        if match:
            if match.group(1) == '20':
                flush_statement()
            flush_field()
            field = [match.group(1), number, [match.group(2)]]
        elif field:
            field[2].append(line)
        else:
            raise MT940Error('text outside of any field: %r' % stripped[:40], number)
    if in_block or header:
        raise MT940Error('the message that starts here never ends (no "-}"): the file is truncated',
                         in_block or header)
    flush_statement()
    if not statements:
        raise MT940Error('no statement (:20: ... :62F:) in the file')
    seen = {}
    for statement in statements:
        for transaction in statement.transactions:
            key = (statement.account_number, transaction.fingerprint())
            seen[key] = seen.get(key, 0) + 1
            transaction.import_id = '%s-%d' % (key[1], seen[key])
    return statements


def _statement_from_fields(fields):
    tag, line, lines = fields[0]
    if tag != '20':
        raise MT940Error('a statement starts with :20:, not :%s:' % tag, line)
    statement = Statement(reference=lines[0].strip(), line=line)
    last = None  # the transaction a :86: describes
    for tag, line, lines in fields[1:]:
        value = lines[0].strip()
        if tag == '25':
            statement.account, statement.iban = value, ''
        elif tag in ('28C', '28'):
            statement.number = value
        elif tag in ('60F', '60M'):
            if statement.opening:
                raise MT940Error('a second opening balance in one statement', line)
            statement.opening = _balance(tag, value, line)
        elif tag == '61':
            if not statement.opening or statement.closing:
                raise MT940Error('a movement (:61:) outside of the opening and closing balances', line)
            last = _movement(lines, line)
            statement.transactions.append(last)
        elif tag == '86':
            if last is not None:
                _details(last, lines)
            else:
                statement.info = ' '.join(l.strip() for l in ([statement.info] + lines) if l.strip())
        elif tag in ('62F', '62M'):
            if not statement.opening:
                raise MT940Error('a closing balance before the opening balance (:60F:)', line)
            if statement.closing:
                raise MT940Error('a second closing balance in one statement', line)
            statement.closing = _balance(tag, value, line)
            last = None
        elif tag == '64':
            statement.available = _balance(tag, value, line)
        # other fields (:21:, :65:, :34F:, banks' own :NS:) say nothing the ledger needs
    end = fields[-1][1]
    if not statement.account:
        raise MT940Error('statement %s has no account (:25:)' % statement.reference, statement.line)
    if not statement.opening:
        raise MT940Error('statement %s has no opening balance (:60F:)' % statement.reference, statement.line)
    if not statement.closing:
        raise MT940Error('statement %s ends without its closing balance (:62F:): the file is truncated'
                         % statement.reference, end)
    for balance in (statement.closing, statement.available):
        if balance and balance.currency != statement.opening.currency:
            raise MT940Error('statement %s mixes currencies %s and %s'
                             % (statement.reference, statement.opening.currency, balance.currency), end)
    movements = sum((t.amount for t in statement.transactions), Decimal(0))
    if statement.opening.amount + movements != statement.closing.amount:
        raise MT940BalanceError(statement, movements, end)
    statement.iban = account_iban(statement.account, statement.currency)
    return statement


def _amount(text, line):
    if text.count(',') != 1:
        raise MT940Error('amount %r has no decimal comma' % text, line)
    whole, cents = text.split(',')
    return Decimal('%s.%s' % (whole or '0', cents or '0'))


def _date(yymmdd, line):
    try:
        year = int(yymmdd[:2])
        return datetime.date(2000 + year if year < 80 else 1900 + year, int(yymmdd[2:4]), int(yymmdd[4:6]))
    except ValueError:
        raise MT940Error('%r is not a date (YYMMDD)' % yymmdd, line) from None


def _balance(tag, value, line):
    match = _BALANCE.match(value.replace(' ', ''))
    if not match:
        raise MT940Error('balance :%s: %r is not C/D, date, currency and amount' % (tag, value), line)
    mark, date, currency, amount = match.groups()
    amount = _amount(amount, line)
    return Balance(tag[2:] or 'F', _date(date, line), currency, -amount if mark == 'D' else amount)


def _entry_date(mmdd, value_date, line):
    """The booking date carries no year: the one nearest to the value date."""
    candidates = []
    for year in (value_date.year - 1, value_date.year, value_date.year + 1):
        try:
            candidates.append(datetime.date(year, int(mmdd[:2]), int(mmdd[2:])))
        except ValueError:
            continue
    if not candidates:
        raise MT940Error('%r is not a booking date (MMDD)' % mmdd, line)
    return min(candidates, key=lambda d: abs((d - value_date).days))


def _movement(lines, line):
    match = _MOVEMENT.match(lines[0].strip())
    if not match:
        raise MT940Error('movement :61: %r is not value date, C/D, amount, type and reference' % lines[0][:60], line)
    value_date = _date(match.group('value'), line)
    entry_date = _entry_date(match.group('entry'), value_date, line) if match.group('entry') else value_date
    amount = _amount(match.group('amount'), line)
    mark = match.group('mark')
    customer, _sep, bank = match.group('refs').partition('//')
    return Transaction(
        value_date=value_date, entry_date=entry_date, mark=mark, type_code=match.group('type'),
        amount=amount if mark in ('C', 'RD') else -amount,
        customer_reference=customer.strip(), bank_reference=bank.strip(),
        supplementary=' '.join(l.strip() for l in lines[1:] if l.strip()),
        raw=':61:' + '\n'.join(lines))


def _join(pieces, width):
    """Join pieces of text cut at ``width``: a full piece goes on in the next one."""
    text = previous = ''
    for piece in pieces:
        if text and len(previous) < width and not text.endswith(' ') and not piece.startswith(' '):
            text += ' '
        text += piece
        previous = piece
    return text.strip()


def _details(transaction, lines):
    transaction.raw += '\n:86:' + '\n'.join(lines)
    structured = _STRUCTURED.match(lines[0])
    if not structured:
        transaction.details = _join([l.strip() for l in lines], _LINE_WIDTH)
        transaction.purpose = transaction.details
        return
    separator = structured.group(2)
    body = ''.join(lines)       # line breaks are no part of the structured form
    transaction.gvc = structured.group(1) or ''
    parts = re.split(re.escape(separator) + r'(\d{2})', body[len(transaction.gvc):])
    subfields = {}
    for code, value in zip(parts[1::2], parts[2::2]):
        subfields.setdefault(code, []).append(value)

    def get(*codes):
        return ''.join(''.join(subfields.get(code, [])) for code in codes).strip()

    transaction.booking_text = get('00')
    text = _join([v for code in _PURPOSE_FIELDS for v in subfields.get(code, [])], _FIELD_WIDTH)
    keywords = _sepa_keywords(text)
    transaction.purpose = (keywords.pop('', '') + ' ' + keywords.get('SVWZ', '')).strip() or text
    transaction.end_to_end = '' if keywords.get('EREF', '') in _NOT_PROVIDED else keywords['EREF']
    transaction.customer_ref = '' if keywords.get('KREF', '') in _NOT_PROVIDED else keywords['KREF']
    transaction.mandate = keywords.get('MREF', '')
    transaction.creditor_id = keywords.get('CRED', '')
    transaction.counterparty_bic = get('30') or keywords.get('BIC', '')
    transaction.counterparty_account = (get('38') or get('31') or keywords.get('IBAN', '')).replace(' ', '')
    transaction.counterparty_name = _join(subfields.get('32', []) + subfields.get('33', []), _FIELD_WIDTH) \
        or keywords.get('ABWA', '')
    transaction.details = ' '.join(v for v in (transaction.booking_text, text) if v)


def _sepa_keywords(text):
    """{keyword: value} of the SEPA remittance keywords (EREF+, SVWZ+...); '' holds text before the first."""
    pieces = _SEPA_KEYWORD.split(text)
    if len(pieces) == 1:
        return {}
    found = {'': pieces[0].strip()} if pieces[0].strip() else {}
    for keyword, value in zip(pieces[1::2], pieces[2::2]):
        found[keyword] = (found.get(keyword, '') + ' ' + value.strip()).strip()
    return found


def account_iban(account, currency=''):
    """The IBAN of a :25: account, when it is one or can be made one: German bank
    code/account number, a Polish 26-digit NRB; else ''."""
    value = re.sub(r'[\s\-]', '', account or '').upper().lstrip('/')
    if currency and value.endswith(currency):
        value = value[:-len(currency)]
    if stdnum_iban.is_valid(value):
        return value
    german = re.fullmatch(r'(\d{8})/(\d{1,10})', value)
    if german:
        bban = german.group(1) + german.group(2).zfill(10)
        candidate = 'DE' + mod_97_10.calc_check_digits(bban + 'DE') + bban
        return candidate if stdnum_iban.is_valid(candidate) else ''
    if re.fullmatch(r'\d{26}', value) and stdnum_iban.is_valid('PL' + value):
        return 'PL' + value
    return ''
