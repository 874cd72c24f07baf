"""Property-based tests (Hypothesis) for the EAN and phone validators, beside those of CPR, CVR,
bruger-ID and phone in tests/core/test_validators.py: what they accept is exactly the valid
numbers, in every spelling a person types, and anything else is a clear ValidationError."""

import re

from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st
from stdnum import ean as stdnum_ean

from mitid_portal import validators

thirteen_digits = st.integers(min_value=0, max_value=10**13 - 1).map(lambda n: f"{n:013d}")
separators = st.sampled_from(["", " ", "-"])


def _check_digit(twelve: str) -> str:
    return twelve + stdnum_ean.calc_check_digit(twelve)


@given(thirteen_digits)
def test_ean_is_accepted_exactly_when_its_check_digit_is_right(number):
    try:
        value = validators.normalise_ean(number)
    except ValidationError as exc:
        assert not stdnum_ean.is_valid(number)
        assert exc.messages and "EAN" in exc.messages[0]
        return
    assert stdnum_ean.is_valid(number) and value == number


@given(st.integers(min_value=0, max_value=10**12 - 1), separators, st.booleans())
def test_a_valid_ean_is_accepted_however_it_is_spaced(n, sep, pad):
    number = _check_digit(f"{n:012d}")
    typed = sep.join([number[:4], number[4:8], number[8:]])
    typed = f" {typed} " if pad else typed
    assert validators.normalise_ean(typed) == number


@given(st.integers(min_value=0, max_value=10**12 - 1), st.integers(min_value=1, max_value=9))
def test_one_wrong_digit_is_always_caught(n, delta):
    number = _check_digit(f"{n:012d}")
    wrong = number[:-1] + str((int(number[-1]) + delta) % 10)
    try:
        validators.normalise_ean(wrong)
    except ValidationError:
        return
    raise AssertionError(f"{wrong} accepted")


@given(st.text(max_size=30))
def test_ean_normaliser_never_lets_anything_else_through(text):
    try:
        value = validators.normalise_ean(text)
    except ValidationError:
        return
    assert re.fullmatch(r"\d{13}", value) and stdnum_ean.is_valid(value)
    assert value.isascii()


@given(
    st.integers(min_value=20_000_000, max_value=99_999_999),
    st.sampled_from(["", "+45", "0045", "+45 "]),
    st.sampled_from(["", " ", "-"]),
)
def test_every_danish_mobile_number_is_accepted_however_it_is_written(n, prefix, sep):
    digits = str(n)
    typed = prefix + sep.join([digits[:2], digits[2:4], digits[4:6], digits[6:]])
    assert validators.normalise_phone(typed) == f"+45{digits}"


@given(st.integers(min_value=0, max_value=19_999_999))
def test_numbers_starting_with_0_or_1_are_refused(n):
    try:
        validators.normalise_phone(f"{n:08d}")
    except ValidationError as exc:
        assert "8 cifre" in exc.messages[0]
        return
    raise AssertionError(f"{n:08d} accepted")


@given(st.text(alphabet=st.characters(categories=["Nd"]), min_size=8, max_size=8))
def test_non_ascii_digits_are_never_a_phone_number(digits):
    if digits.isascii():
        return
    try:
        validators.normalise_phone(digits)
    except ValidationError:
        return
    raise AssertionError(f"{digits!r} accepted")


@given(st.text(max_size=30))
def test_phone_normaliser_is_idempotent(text):
    try:
        value = validators.normalise_phone(text)
    except ValidationError:
        return
    assert validators.normalise_phone(value) == value
