"""ISO 11649 structured creditor references (munipay_base/lib/references.py)."""
import random
import string
import sys
import types

import pytest

from conftest import load_lib

ALNUM = string.digits + string.ascii_uppercase

# The example of ISO 11649 (body 539007547034), short and zero-padded to 21 chars.
ISO_EXAMPLE = 'RF18539007547034'
ISO_EXAMPLE_PADDED = 'RF18000000000539007547034'


@pytest.mark.parametrize('name', ['references', 'amount_rules', 'csv_rows'])
def test_lib_module_is_pure_python(name):
    lib = load_lib('munipay_base', name)
    imported = {value.__name__ for value in vars(lib).values() if isinstance(value, types.ModuleType)}
    assert not {m for m in imported if m == 'odoo' or m.startswith('odoo.')}
    assert 'odoo' not in sys.modules


# ------------------------------------------------------------------ validity

@pytest.mark.parametrize('reference', [ISO_EXAMPLE, ISO_EXAMPLE_PADDED])
def test_iso_examples_are_valid(references, reference):
    assert references.is_valid_rf(reference)


def test_make_rf_iso_example(references):
    assert references.make_rf('539007547034') == ISO_EXAMPLE


def test_make_rf_zero_padded_body_keeps_same_check_digits(references):
    # leading zeros do not change the numeric value, so the check digits are the same
    assert references.make_rf('000000000539007547034') == ISO_EXAMPLE_PADDED


def test_rf_check_digits_of_iso_example(references):
    assert references.rf_check_digits('539007547034') == '18'


def test_check_digits_are_two_digits_zero_padded(references):
    # body '36' yields check digits 02: must be rendered with a leading zero
    assert references.rf_check_digits('36') == '02'
    assert references.make_rf('36') == 'RF0236'
    assert references.is_valid_rf('RF0236')


def test_is_valid_rf_ignores_spaces_and_case(references):
    assert references.is_valid_rf('rf18 5390 0754 7034')
    assert references.is_valid_rf(' RF18\t539007547034\n')


@pytest.mark.parametrize('reference', [
    None,
    '',
    'RF18',                          # no body
    'RF1853900754703',               # one digit dropped
    'XX18539007547034',              # wrong prefix
    'RF1A539007547034',              # letter in the check digits
    'RF18-539007547034',             # punctuation is not stripped by the validator
    'RF18' + '0' * 9 + '5390075470340',  # 22-char body
    '18539007547034RF',              # rotated form is not a reference
])
def test_invalid_references(references, reference):
    assert not references.is_valid_rf(reference)


def _same_class_alternatives(char):
    pool = string.digits if char.isdigit() else string.ascii_uppercase
    return [c for c in pool if c != char]


@pytest.mark.parametrize('reference', [ISO_EXAMPLE, ISO_EXAMPLE_PADDED, 'RF51ABCXYZ12'])
def test_any_single_character_substitution_is_detected(references, reference):
    assert references.is_valid_rf(reference)
    for position in range(len(reference)):
        # same-class substitutions (digit->digit, letter->letter) are always caught
        # by MOD 97-10; on the 'RF' prefix and on the check digits any change is caught
        if position < 4:
            alternatives = [c for c in ALNUM if c != reference[position]]
        else:
            alternatives = _same_class_alternatives(reference[position])
        for char in alternatives:
            altered = reference[:position] + char + reference[position + 1:]
            assert not references.is_valid_rf(altered), (position, altered)


def test_digit_for_letter_substitution_is_not_always_detected(references):
    # Known limit of ISO 11649: a letter expands to two digits, so replacing a digit
    # by a letter shifts the digit string and can collide. Documented here so that
    # nobody "fixes" the tests above into asserting something the standard cannot give.
    assert references.is_valid_rf('RF1853900754K034')


def test_transposition_of_adjacent_digits_is_detected(references):
    body = ISO_EXAMPLE[4:]
    for i in range(len(body) - 1):
        if body[i] == body[i + 1]:
            continue
        swapped = body[:i] + body[i + 1] + body[i] + body[i + 2:]
        assert not references.is_valid_rf('RF18' + swapped), swapped


# ------------------------------------------------------------------ make_rf

def test_make_rf_strips_non_alphanumerics_and_uppercases(references):
    assert references.make_rf(' ab-12/x.9 ') == references.make_rf('AB12X9')
    ref = references.make_rf('ab-12/x.9')
    assert ref[4:] == 'AB12X9'
    assert references.is_valid_rf(ref)


def test_make_rf_accepts_21_char_body(references):
    body = 'A' * 21
    ref = references.make_rf(body)
    assert ref.endswith(body) and len(ref) == 25
    assert references.is_valid_rf(ref)


def test_make_rf_length_counts_only_alphanumerics(references):
    # 21 significant characters separated by dashes: accepted
    ref = references.make_rf('1234-5678-9012-3456-78901')
    assert ref[4:] == '123456789012345678901'


@pytest.mark.parametrize('body', ['1' * 22, 'A' * 30, '1234-5678-9012-3456-789012'])
def test_make_rf_body_longer_than_21_raises(references, body):
    with pytest.raises(ValueError):
        references.make_rf(body)


@pytest.mark.parametrize('body', ['', None, '---', '   '])
def test_make_rf_empty_body_raises(references, body):
    with pytest.raises(ValueError):
        references.make_rf(body)


def test_rf_check_digits_rejects_non_alphanumerics(references):
    with pytest.raises(ValueError):
        references.rf_check_digits('12-34')


def test_round_trip_over_generated_bodies(references):
    rng = random.Random(11649)
    for _i in range(400):
        length = rng.randint(1, 21)
        body = ''.join(rng.choice(ALNUM + string.ascii_lowercase) for _j in range(length))
        ref = references.make_rf(body)
        assert ref == 'RF' + ref[2:4] + body.upper(), body
        assert 2 <= int(ref[2:4]) <= 98, ref
        assert references.is_valid_rf(ref), (body, ref)
        assert references.is_valid_rf(references.format_in_groups(ref)), ref


def test_round_trip_with_separators(references):
    rng = random.Random(97)
    for _i in range(200):
        body = ''.join(rng.choice(ALNUM) for _j in range(rng.randint(1, 21)))
        noisy = ''.join(c + rng.choice(['', '', ' ', '-', '/', '.']) for c in body.lower())
        ref = references.make_rf(noisy)
        assert ref[4:] == body
        assert references.is_valid_rf(ref)


# ------------------------------------------------------------------ formatting

def test_format_in_groups(references):
    assert references.format_in_groups(ISO_EXAMPLE) == 'RF18 5390 0754 7034'
    assert references.format_in_groups(ISO_EXAMPLE_PADDED) == 'RF18 0000 0000 0539 0075 4703 4'


def test_format_in_groups_is_idempotent_and_custom_size(references):
    once = references.format_in_groups(ISO_EXAMPLE)
    assert references.format_in_groups(once) == once
    assert references.format_in_groups(' RF18 53900 754 7034 ') == 'RF18 5390 0754 7034'
    assert references.format_in_groups(ISO_EXAMPLE, size=5) == 'RF185 39007 54703 4'


@pytest.mark.parametrize('value', ['', None])
def test_format_in_groups_empty(references, value):
    assert references.format_in_groups(value) == ''


def test_out_of_range_check_digits_rejected(references):
    assert references.is_valid_rf('RF0236')
    # 99 == 02 (mod 97): same body, equivalent but non-canonical check digits
    assert not references.is_valid_rf('RF9936')
