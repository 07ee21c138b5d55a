"""The Poste Italiane Data Matrix of a pagoPA notice's postal bulletin ("Bollettino Postale PA").

A creditor with a postal account prints, beside the bank part of the notice, a postal
bulletin whose two-dimensional code carries a fixed-width string of 256 characters:

=======  ======================================================================
 width   content
=======  ======================================================================
    13   ``codfase=NBPA;``
    22   ``18`` + notice number (18 digits)
    14   ``12`` + postal account number (12 digits, zero-padded on the left)
    12   ``10`` + amount in euro cents (10 digits, zero-padded on the left)
     4   ``3`` + document type ``896`` (the "codeline" ends here)
     3   ``1P1``
    11   creditor fiscal code
    16   debtor fiscal code, space-padded on the right
    40   debtor name, space-padded on the right
   110   subject of the payment, space-padded on the right
    12   spaces
     1   ``A``
=======  ======================================================================

Texts are cut to their width and reduced to printable ASCII (accents dropped, anything
else a space): Poste's readers take no other characters. Pure Python; the rendering
uses ppf.datamatrix (pure Python, MIT) and Pillow.
"""
import base64
import io
import re
import unicodedata

PREFIX = 'codfase=NBPA;'
DOCUMENT_TYPE = '896'
LENGTH = 256
MAX_CENTS = 9999999999
# the postal bank (ABI code) of Poste Italiane's accounts
POSTE_ABI = '07601'
# typographic characters NFKD leaves alone, written the way a typewriter would
_PUNCTUATION = str.maketrans({'\u2013': '-', '\u2014': '-', '\u2018': "'", '\u2019': "'", '\u201c': '"',
                              '\u201d': '"', '\u00ab': '"', '\u00bb': '"', '\u20ac': 'EUR'})


class DataMatrixError(ValueError):
    """A value the Poste Data Matrix cannot carry."""


def _digits(value, length, what):
    if not isinstance(value, str) or not re.fullmatch(r'[0-9]{%d}' % length, value):
        raise DataMatrixError('%s must be %d digits, got %r' % (what, length, value))
    return value


def ascii_text(value, width):
    """``value`` cut to ``width`` printable ASCII characters and padded with spaces."""
    folded = unicodedata.normalize('NFKD', (value or '').translate(_PUNCTUATION))
    folded = ''.join(char for char in folded if not unicodedata.combining(char))
    folded = ''.join(char if ' ' <= char <= '~' else ' ' for char in folded)
    return re.sub(r'\s+', ' ', folded).strip()[:width].ljust(width)


def postal_account(iban_or_number):
    """The 12-digit postal account number of a Poste Italiane IBAN (or of a bare account number)."""
    compact = re.sub(r'\s', '', iban_or_number or '').upper()
    if re.fullmatch(r'[0-9]{1,12}', compact):
        return compact.zfill(12)
    if not re.fullmatch(r'IT[0-9]{2}[A-Z][0-9]{10}[0-9A-Z]{12}', compact):
        raise DataMatrixError('%r is neither an Italian IBAN nor a postal account number' % iban_or_number)
    if compact[5:10] != POSTE_ABI:
        raise DataMatrixError('IBAN %s is not an account of Poste Italiane (bank code %s)' % (compact, POSTE_ABI))
    account = compact[-12:]
    if not account.isdigit():
        raise DataMatrixError('the account number of IBAN %s is not numeric' % compact)
    return account


def encode(notice_number, account, amount_cents, creditor_fiscal_code, debtor_id='', debtor_name='', subject=''):
    """The 256-character Data Matrix string of a postal bulletin."""
    notice = _digits(re.sub(r'\s', '', notice_number or ''), 18, 'the notice number')
    account = postal_account(account)
    if isinstance(amount_cents, bool) or not isinstance(amount_cents, int) or not 1 <= amount_cents <= MAX_CENTS:
        raise DataMatrixError('the amount must be 1 to %d cents, got %r' % (MAX_CENTS, amount_cents))
    _digits(creditor_fiscal_code, 11, 'the creditor fiscal code')
    debtor_id = re.sub(r'\s', '', debtor_id or '').upper()
    if not re.fullmatch(r'[0-9A-Z]{0,16}', debtor_id):
        raise DataMatrixError('the debtor fiscal code is at most 16 letters or digits, got %r' % debtor_id)
    payload = ''.join([
        PREFIX,
        '18', notice,
        '12', account,
        '10', '%010d' % amount_cents,
        '3', DOCUMENT_TYPE,
        '1P1',
        creditor_fiscal_code,
        debtor_id.ljust(16),
        ascii_text(debtor_name, 40),
        ascii_text(subject, 110),
        ' ' * 12,
        'A',
    ])
    assert len(payload) == LENGTH, len(payload)
    return payload


def decode(payload):
    """The fixed fields of a Data Matrix string: ``{'notice_number', 'account', 'amount_cents',
    'fiscal_code', 'debtor_id', 'debtor_name', 'subject'}``."""
    if not isinstance(payload, str) or len(payload) != LENGTH or not payload.startswith(PREFIX):
        raise DataMatrixError('a Poste Data Matrix string is %d characters starting %s' % (LENGTH, PREFIX))
    if (payload[13:15], payload[33:35], payload[47:49], payload[59:66], payload[255]) != \
            ('18', '12', '10', '3' + DOCUMENT_TYPE + '1P1', 'A'):
        raise DataMatrixError('the field markers of the Data Matrix string are wrong')
    return {
        'notice_number': _digits(payload[15:33], 18, 'the notice number'),
        'account': _digits(payload[35:47], 12, 'the postal account'),
        'amount_cents': int(_digits(payload[49:59], 10, 'the amount')),
        'fiscal_code': _digits(payload[66:77], 11, 'the creditor fiscal code'),
        'debtor_id': payload[77:93].rstrip(),
        'debtor_name': payload[93:133].rstrip(),
        'subject': payload[133:243].rstrip(),
    }


def matrix(payload):
    """The Data Matrix (ECC 200) of ``payload``: rows of 0/1 modules, without quiet zone."""
    from ppf.datamatrix import DataMatrix  # noqa: PLC0415 (the pure tests of the payload need no renderer)
    return DataMatrix(payload).matrix


def png(payload, module_px=8, quiet_zone=2):
    """A PNG (bytes) of the Data Matrix of ``payload``, ``module_px`` pixels a module."""
    from PIL import Image  # noqa: PLC0415
    rows = matrix(payload)
    size = (len(rows[0]) + 2 * quiet_zone, len(rows) + 2 * quiet_zone)
    image = Image.new('1', size, 1)
    pixels = image.load()
    for y, row in enumerate(rows):
        for x, dark in enumerate(row):
            if dark:
                pixels[x + quiet_zone, y + quiet_zone] = 0
    image = image.resize((size[0] * module_px, size[1] * module_px), Image.NEAREST)
    buffer = io.BytesIO()
    image.save(buffer, format='PNG')
    return buffer.getvalue()


def png_data_uri(payload, module_px=8):
    return 'data:image/png;base64,' + base64.b64encode(png(payload, module_px)).decode()
