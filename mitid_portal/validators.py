"""Validation and normalisation of Danish identifiers: CPR, CVR, EAN, mobile numbers, bruger-ID.

python-stdnum does the modulus and date arithmetic; this module turns its verdicts into messages
in the user's language and into the one canonical form we store. Each ``normalise_*`` returns the
canonical value or raises ``ValidationError`` with a clear message.
"""

import datetime
import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from stdnum import ean as stdnum_ean
from stdnum.dk import cpr as stdnum_cpr
from stdnum.dk import cvr as stdnum_cvr
from stdnum.exceptions import ValidationError as StdnumError

_NON_DIGITS = re.compile(r"[\s-]")


def normalise_cpr(value: str) -> str:
    """``DDMMYY-SSSS`` or ``DDMMYYSSSS`` → ten digits; the date must exist and not lie ahead."""
    compact = _NON_DIGITS.sub("", value or "")
    if not compact.isascii() or not compact.isdigit() or len(compact) != 10:
        raise ValidationError(
            _("Et CPR-nummer består af 10 cifre, fx 010190-1234."), code="cpr_format"
        )
    try:
        stdnum_cpr.validate(compact)
    except StdnumError as exc:
        raise ValidationError(
            _("CPR-nummeret indeholder ikke en gyldig fødselsdato."), code="cpr_date"
        ) from exc
    return compact


def cpr_birth_date(cpr: str) -> datetime.date:
    return stdnum_cpr.get_birth_date(cpr)


def mask_cpr(cpr: str | None) -> str:
    """``DDMMYY-****``: the birth date part only, as the rules allow on screen."""
    if not cpr:
        return ""
    return f"{cpr[:6]}-****"


def normalise_cvr(value: str) -> str:
    """Eight digits with a valid modulus-11 check digit."""
    compact = _NON_DIGITS.sub("", value or "")
    if not compact.isascii() or not compact.isdigit() or len(compact) != 8:
        raise ValidationError(_("Et CVR-nummer består af 8 cifre."), code="cvr_format")
    if not stdnum_cvr.is_valid(compact):
        raise ValidationError(
            _("CVR-nummeret er ikke gyldigt (kontrolcifferet passer ikke)."), code="cvr_checksum"
        )
    return compact


def normalise_ean(value: str) -> str:
    """A 13-digit EAN location number (GLN) with a valid check digit."""
    compact = _NON_DIGITS.sub("", value or "")
    if not compact.isascii() or not compact.isdigit() or len(compact) != 13:
        raise ValidationError(_("Et EAN-nummer består af 13 cifre."), code="ean_format")
    if not stdnum_ean.is_valid(compact):
        raise ValidationError(
            _("EAN-nummeret er ikke gyldigt (kontrolcifferet passer ikke)."), code="ean_checksum"
        )
    return compact


_PHONE = re.compile(r"^(?:\+45|0045)?([2-9]\d{7})$")


def normalise_phone(value: str) -> str:
    """A Danish number of 8 digits, +45 optional → ``+45XXXXXXXX``."""
    compact = re.sub(r"[\s()-]", "", value or "")
    match = _PHONE.match(compact) if compact.isascii() else None
    if not match:
        raise ValidationError(
            _("Indtast et dansk mobilnummer på 8 cifre, evt. med +45 foran."), code="phone"
        )
    return f"+45{match.group(1)}"


BRUGER_ID_ALLOWED = set("abcdefghijklmnopqrstuvwxyzæøå0123456789 {}!#$^,*()_+-=:;?.@")


def normalise_bruger_id(value: str) -> str:
    """A MitID Erhverv user-ID (DESIGN.md "Rules"). Returns it as typed; uniqueness ignores case."""
    value = unicodedata.normalize("NFC", value or "")
    if not 5 <= len(value) <= 48:
        raise ValidationError(
            _("Bruger-ID skal være 5 til 48 tegn langt."), code="bruger_id_length"
        )
    if value != value.strip():
        raise ValidationError(
            _("Bruger-ID må ikke begynde eller slutte med mellemrum."), code="bruger_id_space"
        )
    bad = sorted({ch for ch in value.lower() if ch not in BRUGER_ID_ALLOWED})
    if bad:
        raise ValidationError(
            _(
                "Bruger-ID må kun indeholde a-z, æøå, 0-9, mellemrum og {allowed}. Ikke tilladt: {bad}"
            ).format(allowed="{}!#$^,*()_+-=:;?.@", bad=" ".join(bad)),
            code="bruger_id_chars",
        )
    if re.fullmatch(r"\d{10}", _NON_DIGITS.sub("", value)):
        raise ValidationError(
            _("Bruger-ID må ikke være et CPR-nummer eller 10 cifre."), code="bruger_id_cpr"
        )
    return value


def bruger_id_key(value: str) -> str:
    """The case-insensitive form under which user-IDs are unique."""
    return unicodedata.normalize("NFC", value).casefold()
