"""What a bank put in a statement line's remittance text: the references that
may identify a payment order. Pure Python, no ORM.

Banks and payers write references in every way: "RF18 5390 0754 7034",
"rf18539007547034", a pagoPA notice number in groups of four, an order number
after "Pay.", all in one unstructured line. Candidates are returned compacted
(upper case, no separators); the caller looks them up in bulk.
"""
import re

from stdnum import iso11649

# RF, two check digits, then up to 21 letters or digits, possibly spaced in groups
_RF_START = re.compile(r'RF\s?(\d{2})', re.IGNORECASE)
_RF_BODY_CHAR = re.compile(r'[0-9A-Za-z]')
_RF_CANONICAL = re.compile(r'RF(0[2-9]|[1-8]\d|9[0-8])[0-9A-Z]+')
_DIGIT_RUN = re.compile(r'\d[\d ]{10,40}\d')
_TOKEN = re.compile(r'[0-9A-Za-z][0-9A-Za-z/\-]{4,34}[0-9A-Za-z]')


def rf_references(text):
    """Valid ISO 11649 references in ``text``, compacted, in order of appearance.

    The body after the check digits may run into the next word ("RF18 5390 0754 7034
    Mario"): every prefix ending where the payer left a gap and passing the check
    digits is a candidate; the lookup of the orders decides, never a guess here.
    """
    found = []
    text = text or ''
    for match in _RF_START.finditer(text):
        body, ends, pos = [], [], match.end()
        while pos < len(text) and len(body) < 21:
            char = text[pos]
            if _RF_BODY_CHAR.match(char):
                body.append(char.upper())
            elif char in ' -':
                if body and (not ends or ends[-1] != len(body)):
                    ends.append(len(body))
            else:
                break
            pos += 1
        if body and (not ends or ends[-1] != len(body)):
            ends.append(len(body))
        for length in ends:
            candidate = 'RF' + match.group(1) + ''.join(body[:length])
            if _RF_CANONICAL.fullmatch(candidate) and iso11649.is_valid(candidate) and candidate not in found:
                found.append(candidate)
    return found


def has_broken_rf(text):
    """Does ``text`` carry something written as an RF reference that fails its check digits?"""
    for match in re.finditer(r'RF\s?\d{2}[\s\-]?[0-9A-Za-z]', text or '', re.IGNORECASE):
        if not rf_references(text[match.start():]):
            return True
    return False


def digit_references(text, lengths=(16, 17, 18)):
    """Runs of digits (spaces inside allowed) of the given lengths: pagoPA notice
    numbers (18) and IUVs (17, or 15 with the codes), Polish and Russian payment ids."""
    found = []
    for match in _DIGIT_RUN.finditer(text or ''):
        digits = match.group().replace(' ', '')
        if len(digits) in lengths and digits not in found:
            found.append(digits)
    return found


def word_tokens(text):
    """Words that contain a digit (order numbers such as PO20260000067 or 2026/V/00377), compacted."""
    found = []
    for match in _TOKEN.finditer(text or ''):
        token = match.group().upper()
        if any(ch.isdigit() for ch in token) and token not in found:
            found.append(token)
            compact = re.sub(r'[/\-]', '', token)
            if compact != token and compact not in found:
                found.append(compact)
    return found


def candidates(*texts):
    """Every candidate reference of the texts, strongest first: RF references,
    digit runs, then words carrying digits."""
    text = ' '.join(t for t in texts if t)
    seen, result = set(), []
    for value in rf_references(text) + digit_references(text) + word_tokens(text):
        if value not in seen:
            seen.add(value)
            result.append(value)
    return result


def compact_iban(value):
    return re.sub(r'[\s\-]', '', value or '').upper()
