"""References found in bank statement remittance texts (munipay_bank/lib/statement_refs.py)."""
import random

import pytest

from conftest import load_lib


@pytest.fixture(scope='module')
def refs():
    return load_lib('munipay_bank', 'statement_refs')


@pytest.mark.parametrize('text', [
    'RF18539007547034',
    'rf18 5390 0754 7034',
    'Payment RF18 5390 0754 7034 Mario Rossi',
    'RF18-5390-0754-7034/fine',
    '/ROC/RF18539007547034/EREF/NOTPROVIDED',
])
def test_rf_in_any_spacing_or_case(refs, text):
    assert refs.rf_references(text) == ['RF18539007547034']


def test_rf_tail_into_the_next_word_is_dropped(refs):
    # the body runs into "MARIO": only the prefix that validates is kept
    assert refs.rf_references('RF18 5390 0754 7034 MARIO') == ['RF18539007547034']


@pytest.mark.parametrize('text', ['RF19539007547034', 'RF18539007547035', 'RF00539007547034', 'RF', 'REF 18'])
def test_wrong_check_digits_are_never_a_guess(refs, text):
    assert refs.rf_references(text) == []


def test_pagopa_notice_number_in_groups(refs):
    assert refs.digit_references('Avviso 3012 3456 7890 1234 56 Comune') == ['301234567890123456']


def test_order_numbers_and_case_numbers(refs):
    tokens = refs.word_tokens('Pagamento PO20260000067 verbale 2026/V/00377')
    assert 'PO20260000067' in tokens
    assert '2026V00377' in tokens


def test_candidates_strongest_first_and_unique(refs):
    found = refs.candidates('RF18 5390 0754 7034', 'PO20260000067 RF18539007547034')
    assert found[0] == 'RF18539007547034'
    assert found.count('RF18539007547034') == 1
    assert 'PO20260000067' in found


def test_fuzzed_texts_never_crash(refs):
    rng = random.Random(20261122)
    alphabet = 'RF0123456789 abcXYZ/-\x00\t\n€ł'
    for _i in range(3000):
        text = ''.join(rng.choice(alphabet) for _j in range(rng.randint(0, 80)))
        for value in refs.candidates(text, None):
            assert value == value.strip() and value


@pytest.mark.parametrize('text, broken', [
    ('RF19 5390 0754 7034', True),
    ('pay rf18539007547035 now', True),
    ('RF18 5390 0754 7034', False),
    ('REF 18 no reference', False),
    ('', False),
])
def test_broken_rf_is_recognised(refs, text, broken):
    assert refs.has_broken_rf(text) is broken
