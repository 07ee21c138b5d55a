"""Tell the standards apart by their envelope."""
import re

from .common import PayloadError
from .confirmation import CONFIRMATION_PATH, split_url
from .epc import EPC_CHARSETS


def detect(payload):
    """Which standard a scanned payload claims to be: ``'pagopa'``, ``'epc'``, ``'zbp'``,
    ``'gost'``, ``'confirmation'`` or None.

    It looks at the envelope only (header, field layout, URL path) and does not validate:
    a recognised but broken payload is still named, so that the matching ``decode_*`` can
    say what is wrong with it.
    """
    if isinstance(payload, (bytes, bytearray)):
        raw = bytes(payload)
        if raw.startswith(b'ST0001') and raw[6:7] in (b'1', b'2', b'3'):
            return 'gost'
        head = raw.split(b'\n', 3)
        codec = EPC_CHARSETS.get(head[2].strip(b'\r').decode('ascii', 'replace')) if len(head) > 2 else None
        try:
            payload = raw.decode(codec or 'utf-8')
        except UnicodeDecodeError:
            return None
    if not isinstance(payload, str):
        return None
    text = payload.lstrip('\ufeff')
    if text.startswith('PAGOPA|'):
        return 'pagopa'
    if re.match(r'ST0001[123]\|', text):
        return 'gost'
    lines = re.split(r'\r?\n', text)
    if lines[0] == 'BCD' and len(lines) >= 4 and lines[3] == 'SCT':
        return 'epc'
    parts = text.split('|')
    if len(parts) == 9 and re.fullmatch(r'[A-Z]{2}', parts[1]) and re.fullmatch(r'[0-9]{26}', parts[2]):
        return 'zbp'
    try:
        split = split_url(text.strip())
    except PayloadError:
        return None
    if split.scheme in ('http', 'https') and split.netloc and CONFIRMATION_PATH in split.path:
        return 'confirmation'
    return None
