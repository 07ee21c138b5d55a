"""Payloads of payment QR codes: build them, read them back, tell them apart.

Pure Python (the standard library and python-stdnum): no ORM and no QR rendering
here; the add-on renders the strings these modules return, and the project's fast
tests load this package by path (through ``lib/qr_payloads.py``).

Standards, one module each
==========================
* ``pagopa``  — Italian payment notice: ``PAGOPA|002|<notice 18>|<fiscal code 11>|<cents>``.
* ``epc``     — EPC069-12 SEPA credit transfer ("GiroCode"), versions 001 and 002.
* ``zbp``     — Polish bank-transfer code (ZBP 2013 recommendation).
* ``gost``    — Russian payment code (GOST R 56042-2014), ``ST0001`` header.
* ``confirmation`` — munipay's own signed receipt confirmation (a URL with an HMAC-SHA256).
* ``detect``  — which of these a scanned payload claims to be.

Check digits come from python-stdnum where it has them (IBAN and NRB mod 97, ISO 11649
RF references, Polish NIP); pagoPA's mod 93 has no library.

Errors
======
Every violated rule raises :class:`PayloadError` (a ``ValueError``) whose ``code`` is one of:

``standard``      the payload is not of the expected standard, or uses a version / service
                  this module does not support (wrong header, EPC version 003, service ≠ SCT);
``format``        the structure is wrong: number of fields, amount syntax, BIC or IBAN shape,
                  a non-integer amount, a reference that is not ``RF…``, both an EPC
                  reference and an EPC text, a country other than PL in a ZBP code, a
                  malformed confirmation URL;
``field_missing`` a mandatory field is empty or absent;
``length``        the whole payload is too long (EPC 331 bytes, ZBP 160 characters) or a
                  fixed-length identifier has the wrong number of characters (notice number,
                  fiscal code, NIP, NRB, BIC, accounts, EPC purpose, ZBP amount);
``field_length``  a free-text field is longer than its maximum;
``charset``       a character that the field or the chosen character set cannot carry
                  (a letter in a numeric field, a line break, ``|`` in a GOST value, a
                  Cyrillic letter missing from KOI8-R, invalid UTF-8, an unknown charset code);
``check_digits``  a checksum does not hold (pagoPA mod 93, IBAN/NRB mod 97, ISO 11649
                  RF reference, NIP);
``amount_range``  an amount outside what the standard can carry.

``str(error)`` is an English sentence naming the field.
"""

from .common import PayloadError, check_iban
from .confirmation import (
    confirmation_host, confirmation_message, confirmation_url, parse_confirmation_url, sign_confirmation,
    split_url, verify_confirmation,
)
from .detect import detect
from .epc import EPC_CHARSETS, EPC_MAX_BYTES, decode_epc, encode_epc
from .gost import GOST_CHARSETS, decode_gost, encode_gost
from .pagopa import decode_pagopa, encode_pagopa, pagopa_check_digits
from .zbp import ZBP_MAX_CENTS, ZBP_MAX_LENGTH, decode_zbp, encode_zbp, nip_is_valid

__all__ = [
    'PayloadError', 'check_iban',
    'confirmation_host', 'confirmation_message', 'confirmation_url', 'parse_confirmation_url', 'sign_confirmation',
    'split_url', 'verify_confirmation',
    'detect',
    'EPC_CHARSETS', 'EPC_MAX_BYTES', 'decode_epc', 'encode_epc',
    'GOST_CHARSETS', 'decode_gost', 'encode_gost',
    'decode_pagopa', 'encode_pagopa', 'pagopa_check_digits',
    'ZBP_MAX_CENTS', 'ZBP_MAX_LENGTH', 'decode_zbp', 'encode_zbp', 'nip_is_valid',
]
