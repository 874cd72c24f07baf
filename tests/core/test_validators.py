"""Danish identifiers: CPR, CVR, EAN, mobile numbers and bruger-ID (DESIGN.md "Rules")."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st
from stdnum.dk import cvr as stdnum_cvr

from mitid_portal import validators


@pytest.mark.parametrize("typed", ["010190-1234", "0101901234", " 010190 1234 "])
def test_cpr_is_normalised_to_ten_digits(typed):
    assert validators.normalise_cpr(typed) == "0101901234"


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("01019-1234", "Et CPR-nummer består af 10 cifre"),
        ("abcdefghij", "Et CPR-nummer består af 10 cifre"),
        ("٠١٠١٩٠١٢٣٤", "Et CPR-nummer består af 10 cifre"),  # Arabic-Indic digits
        ("3102901234", "gyldig fødselsdato"),  # 31 February
        ("0113901234", "gyldig fødselsdato"),  # month 13
    ],
)
def test_malformed_cpr_is_refused_with_a_danish_message(typed, message):
    with pytest.raises(ValidationError, match=message):
        validators.normalise_cpr(typed)


def test_messages_follow_the_language():
    with translation.override("en"):
        with pytest.raises(ValidationError) as exc:
            validators.normalise_cpr("123")
        # The message is lazy: it is rendered in the language active when it is read.
        assert "10 digits" in exc.value.messages[0]


def test_cpr_is_masked_to_its_date():
    assert validators.mask_cpr("0101901234") == "010190-****"
    assert validators.mask_cpr("") == ""


def test_cvr_modulus_11():
    assert validators.normalise_cvr("13585628") == "13585628"
    with pytest.raises(ValidationError, match="kontrolcifferet"):
        validators.normalise_cvr("13585627")
    with pytest.raises(ValidationError, match="8 cifre"):
        validators.normalise_cvr("1358562")


def test_ean_check_digit():
    assert validators.normalise_ean("5798000000001") == "5798000000001"
    with pytest.raises(ValidationError, match="kontrolcifferet"):
        validators.normalise_ean("5798000000002")


@pytest.mark.parametrize("typed", ["22345678", "+4522345678", "0045 22 34 56 78", "22 34 56 78"])
def test_danish_mobile_numbers(typed):
    assert validators.normalise_phone(typed) == "+4522345678"


@pytest.mark.parametrize(
    "typed", ["2234567", "+4622345678", "02345678", "12345678", "abcdefgh", ""]
)
def test_bad_mobile_numbers(typed):
    with pytest.raises(ValidationError, match="dansk mobilnummer"):
        validators.normalise_phone(typed)


@pytest.mark.parametrize("typed", ["hanne", "Hanne Ø. Sørensen", "k{}!#$^,*()_+-=:;?.@", "a" * 48])
def test_valid_bruger_ids(typed):
    assert validators.normalise_bruger_id(typed) == typed


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("abcd", "5 til 48"),
        ("a" * 49, "5 til 48"),
        (" hanne", "mellemrum"),
        ("hanne ", "mellemrum"),
        ("hanne<script>", "Ikke tilladt: < >"),
        ("hаnne", "Ikke tilladt: а"),  # Cyrillic а, a look-alike
        ("0101901234", "CPR-nummer eller 10 cifre"),
        ("010190-1234", "CPR-nummer eller 10 cifre"),
    ],
)
def test_bad_bruger_ids(typed, message):
    with pytest.raises(ValidationError, match=message):
        validators.normalise_bruger_id(typed)


def test_bruger_id_key_ignores_case():
    assert validators.bruger_id_key("HanneÆ") == validators.bruger_id_key("hanneæ")


@given(st.text(max_size=20))
def test_cpr_normaliser_accepts_only_real_dates(text):
    try:
        cpr = validators.normalise_cpr(text)
    except ValidationError:
        return
    assert len(cpr) == 10 and cpr.isdigit()
    assert validators.cpr_birth_date(cpr) <= datetime.date.today()


@given(st.integers(min_value=0, max_value=99_999_999))
def test_cvr_normaliser_agrees_with_modulus_11(number):
    typed = f"{number:08d}"
    try:
        validators.normalise_cvr(typed)
        accepted = True
    except ValidationError:
        accepted = False
    assert accepted == stdnum_cvr.is_valid(typed)


@given(st.text(max_size=60))
def test_bruger_id_normaliser_never_lets_a_bad_one_through(text):
    try:
        value = validators.normalise_bruger_id(text)
    except ValidationError:
        return
    assert 5 <= len(value) <= 48 and value == value.strip()
    assert set(value.lower()) <= validators.BRUGER_ID_ALLOWED


@given(st.text(max_size=20))
def test_phone_normaliser_output_is_canonical(text):
    try:
        value = validators.normalise_phone(text)
    except ValidationError:
        return
    assert value.startswith("+45") and len(value) == 11 and value[3:].isdigit()
