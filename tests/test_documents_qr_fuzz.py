"""Mutated QR payloads never crash the parsers (munipay_documents/lib/qr).

Real payloads of every standard are mutated at random (fixed seed, bounded count):
characters inserted, dropped, replaced or repeated, control characters and NUL
included. Every parser must answer with a value or a PayloadError, never another
exception: the scan wizard relies on it to tell officers what they scanned.
"""
import random

from test_documents_qr_payloads import (
    BASE, EPC_SAMPLE_LINES, FISCAL_CODE, GOST_EXAMPLE, GOST_EXAMPLE_FIELDS, RECEIPT, SECRET, ZBP_EXAMPLE,
)

SEED = 20260601
MUTATIONS = 4000
NASTY = ['\x00', '\x01', '\x07', '\x1b', '\x1d', '\x7f', '\x85', '\u2028', '\ufeff', '\ufffd', '\r', '\n', '\t',
         '|', '=', '[', ']', '%', '%0', '%FF', '?', '&', '#', '@', ':', '/', ' ', 'é', 'Ж', '😀', '\udcff']


def real_payloads(qr):
    return [
        '\n'.join(EPC_SAMPLE_LINES),
        qr.encode_epc('Comune di Prova', 'IT60X0542811101000000123456', 4290, reference='RF18539007547034'),
        qr.encode_pagopa('301000000000000144', FISCAL_CODE, 12345),
        ZBP_EXAMPLE,
        GOST_EXAMPLE,
        qr.encode_gost(GOST_EXAMPLE_FIELDS, charset='1'),
        qr.confirmation_url(BASE, *RECEIPT, SECRET),
        qr.confirmation_url('http://[::1]:8069', *RECEIPT, SECRET),
    ]


def mutate(rng, payload):
    is_bytes = isinstance(payload, bytes)
    text = payload.decode('latin-1') if is_bytes else payload
    for _step in range(rng.randint(1, 4)):
        position = rng.randint(0, len(text))
        kind = rng.random()
        piece = rng.choice(NASTY) if rng.random() < 0.7 else chr(rng.randrange(0, 0x3000))
        if kind < 0.3:
            text = text[:position] + piece + text[position:]
        elif kind < 0.5:
            text = text[:position] + text[position + rng.randint(1, 8):]
        elif kind < 0.7:
            text = text[:position] + piece + text[position + 1:]
        elif kind < 0.8:
            text = text[:position] + text[position:position + rng.randint(1, 30)] * 2 + text[position:]
        elif kind < 0.9:
            text = text[:position]
        else:
            text = text.upper() if rng.random() < 0.5 else text.replace('\n', '\r\n')
    if is_bytes:
        return text.encode('latin-1', 'replace')
    return text.encode('utf-8', 'surrogatepass') if rng.random() < 0.2 else text


def test_mutated_payloads_never_crash_the_parsers(qr_payloads):
    qr = qr_payloads
    parsers = [qr.decode_epc, qr.decode_pagopa, qr.decode_zbp, qr.decode_gost, qr.parse_confirmation_url]
    rng = random.Random(SEED)
    sources = real_payloads(qr)
    answered = refused = 0
    for _index in range(MUTATIONS):
        payload = mutate(rng, rng.choice(sources))
        kind = qr.detect(payload)  # never raises
        assert kind in (None, 'pagopa', 'epc', 'zbp', 'gost', 'confirmation')
        assert isinstance(qr.confirmation_host(payload), str)
        for parse in parsers:
            try:
                parsed = parse(payload)
            except qr.PayloadError as error:
                assert error.code and str(error)
                refused += 1
                continue
            answered += 1
            if parse is qr.parse_confirmation_url:
                assert qr.verify_confirmation(SECRET, parsed) in (True, False)
    assert answered > 100 and refused > 1000  # both outcomes were exercised


def test_signer_callable_signs_and_verifies(qr_payloads):
    calls = []

    def signer(message):
        calls.append(message)
        return qr_payloads.sign_confirmation(SECRET, *RECEIPT) if message == qr_payloads.confirmation_message(
            *RECEIPT) else '0' * 64

    url = qr_payloads.confirmation_url(BASE, *RECEIPT, signer)
    parsed = qr_payloads.parse_confirmation_url(url)
    assert parsed['signature'] == qr_payloads.sign_confirmation(SECRET, *RECEIPT)
    assert qr_payloads.verify_confirmation(signer, parsed) is True
    assert qr_payloads.verify_confirmation(signer, dict(parsed, amount_cents=1)) is False
    assert calls[0] == 'munipay-confirmation-v1\nR2025000042\nRF18539007547034\n1050\n2025-03-14T09:26:53'
    # a signer that does not answer with a SHA-256 hex digest is a programming error
    try:
        qr_payloads.sign_confirmation(lambda message: 'short', *RECEIPT)
    except qr_payloads.PayloadError as error:
        assert error.code == 'format'
    else:
        raise AssertionError('a bad signer must be refused')


def test_confirmation_host(qr_payloads):
    assert qr_payloads.confirmation_host('https://Comune.Example.IT:8443/munipay/verify/R1?a=1') == 'comune.example.it'
    assert qr_payloads.confirmation_host('https://comune.example.it@evil.example/munipay/verify/R1') == 'evil.example'
    assert qr_payloads.confirmation_host('http://[::1/munipay/verify/R1') == ''
    assert qr_payloads.confirmation_host('http://host:99999/') == ''
    assert qr_payloads.confirmation_host(None) == ''
    assert qr_payloads.detect('http://[::1/munipay/verify/R1?r=&a=1&d=x&s=' + 'a' * 64) is None
