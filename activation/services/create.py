"""*Opret bruger* and *Masseopret* (DESIGN.md "Administration"): a user administrator creates
users by hand or from a CSV file, and they are invited at once.

The rules both share: a name, an email, a CPR number or a birth date (if both, they agree), a
Danish mobile number when one is given, and no second user with the same CPR number in the
organisation. A created user starts "Ikke aktiveret" and is handed straight to
``users_activation_start``, so the user gets the activation email (a birth-date user also needs
the temporary activation code the administrator reveals with *Vis*).

The CSV file is read completely before anything is written: every row is checked and given its
reasons in Danish, and only a clean file can be created – all rows in one transaction, with
``bulk_create`` so 5,000 rows take a handful of statements, never one per row.
"""

import csv
import datetime
import io
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrPromise

from activation.services.start import users_activation_start
from mitid_portal import crypto
from mitid_portal.audit import audit_record
from mitid_portal.errors import RuleError
from mitid_portal.models import AuditEvent
from mitid_portal.validators import cpr_birth_date, normalise_cpr, normalise_phone
from organisations.models import Organisation, PublicService, UserRight
from organisations.selectors import organisation_default_means, organisation_offered_means
from organisations.services.rights import (
    rights_grant_basic_package,
    rights_grant_basic_package_bulk,
)
from users.models import Language, User

MAX_FILE_BYTES = 2 * 1024 * 1024
MAX_ROWS = 5000
NAME_MAX = 100
_INSERT_BATCH = 1000
_LOOKUP_CHUNK = 2000

# The template's columns, in order; the header names are matched without case or accents' variants.
COLUMNS = ("fornavn", "efternavn", "cpr", "fødselsdato", "email", "mobil")
TEMPLATE_EXAMPLE = (
    "Mette",
    "Hansen",
    "010190-1234",
    "01-01-1990",
    "mette.hansen@example.dk",
    "22334455",
)
_ALIASES = {
    "fornavn": "fornavn",
    "fornavne": "fornavn",
    "fornavn(e)": "fornavn",
    "efternavn": "efternavn",
    "cpr": "cpr",
    "cpr-nummer": "cpr",
    "cprnummer": "cpr",
    "cpr-nr": "cpr",
    "cpr-nr.": "cpr",
    "fødselsdato": "fødselsdato",
    "foedselsdato": "fødselsdato",
    "fodselsdato": "fødselsdato",
    "email": "email",
    "e-mail": "email",
    "mail": "email",
    "mobil": "mobil",
    "mobilnummer": "mobil",
    "telefon": "mobil",
    "telefonnummer": "mobil",
    # Optional: the language of the user's emails and SMS (da / en; empty: Danish).
    "sprog": "sprog",
    "language": "sprog",
}
_LANGUAGES = {"": Language.DA, "da": Language.DA, "dansk": Language.DA, "danish": Language.DA}
_LANGUAGES |= {"en": Language.EN, "engelsk": Language.EN, "english": Language.EN}
_REQUIRED = ("fornavn", "efternavn", "email")
_DATE_FORMATS = ("%d-%m-%Y", "%d.%m.%Y", "%d/%m/%Y", "%Y-%m-%d")

CPR_EXISTS = _("Der findes allerede en bruger med dette CPR-nummer i organisationen.")
IDENTITY_MISSING = _("Udfyld CPR-nummer eller fødselsdato.")
IDENTITY_MISMATCH = _("Fødselsdatoen passer ikke med CPR-nummeret.")
ALREADY_CREATED = _("Brugerne fra filen er allerede oprettet.")
ALREADY_CREATED_ONE = _("Brugeren er allerede oprettet.")


@dataclass(frozen=True)
class NewUser:
    """One user to create, already validated and normalised (CPR ten digits, phone +45…)."""

    first_name: str
    last_name: str
    email: str
    phone: str = ""
    cpr: str = ""
    birth_date: datetime.date | None = None
    language: str = Language.DA


def _actor_name(actor) -> str:
    if actor is None:
        return "MitID Erhverv"
    return (actor.full_name or actor.get_username())[:200]


def identity_check(*, cpr: str, birth_date: datetime.date | None) -> datetime.date:
    """A CPR number (already normalised) or a birth date is required; with both they must agree.
    Returns the birth date (from the CPR number when only that is given)."""
    if cpr:
        from_cpr = cpr_birth_date(cpr)
        if birth_date is not None and birth_date != from_cpr:
            raise RuleError("identity_mismatch", IDENTITY_MISMATCH, field="birth_date")
        return from_cpr
    if birth_date is None:
        raise RuleError("identity_missing", IDENTITY_MISSING, field="cpr")
    return birth_date


def _existing_cpr_hashes(*, organisation: Organisation, hashes: Sequence[str]) -> set[str]:
    found: set[str] = set()
    hashes = list(hashes)
    for start in range(0, len(hashes), _LOOKUP_CHUNK):
        found |= set(
            User.objects.filter(
                organisation=organisation, cpr_hash__in=hashes[start : start + _LOOKUP_CHUNK]
            ).values_list("cpr_hash", flat=True)
        )
    return found


def _organisation_lock(organisation: Organisation) -> None:
    """Creations in one organisation run one after another, so the check for an existing CPR
    number (and for a file already created) cannot race a second request."""
    Organisation.objects.select_for_update().filter(pk=organisation.pk).values_list("pk").first()


def bulk_means(organisation: Organisation) -> list[str]:
    return organisation_default_means(organisation) or organisation_offered_means(organisation)[:1]


@transaction.atomic
def user_create(
    *,
    organisation: Organisation,
    first_name: str,
    last_name: str,
    email: str,
    phone: str = "",
    cpr: str = "",
    birth_date: datetime.date | None = None,
    language: str = Language.DA,
    anonymous: bool = False,
    means: list[str],
    services: Sequence[PublicService] = (),
    form_id: str = "",
    actor,
    request=None,
) -> User:
    """*Opret bruger*: create one user of the organisation ("Ikke aktiveret"), give the chosen
    rights and the *Basispakke*, and invite the user with the chosen means. ``anonymous`` can be
    set only here: the user's name is then not shown to public services. Refused (nothing saved)
    when the CPR number is already used in the organisation or the means are not allowed.
    ``form_id`` names the form the administrator filled in: a form sent twice (a double click)
    is refused with code ``already_created``, so a birth-date user is not created twice either."""
    _organisation_lock(organisation)
    if (
        form_id
        and AuditEvent.objects.filter(
            organisation=organisation, action="user_created", changes__form=form_id
        ).exists()
    ):
        raise RuleError("already_created", ALREADY_CREATED_ONE)
    try:
        cpr = normalise_cpr(cpr) if cpr else ""
    except ValidationError as exc:
        raise RuleError("cpr_invalid", exc.messages[0], field="cpr") from exc
    birth_date = identity_check(cpr=cpr, birth_date=birth_date)
    cpr_hash = crypto.cpr_hash(cpr) if cpr else ""
    if cpr_hash and _existing_cpr_hashes(organisation=organisation, hashes=[cpr_hash]):
        raise RuleError("cpr_exists", CPR_EXISTS, field="cpr")

    user = User(
        organisation=organisation,
        first_name=first_name,
        last_name=last_name,
        email=email,
        phone=phone,
        cpr=cpr,
        cpr_hash=cpr_hash,
        birth_date=birth_date,
        language=language,
        is_anonymous_user=anonymous,
    )  # the model's default state: imported, until the activation starts below
    user.set_unusable_password()
    user.full_clean(exclude=["password"])
    user.save()

    granted_by = _actor_name(actor)
    services = [s for s in services if isinstance(s, PublicService)]
    UserRight.objects.bulk_create(
        [UserRight(user=user, service=s, granted_by_name=granted_by) for s in services],
        ignore_conflicts=True,
    )
    rights_grant_basic_package(user=user, granted_by_name=granted_by)

    users_activation_start(
        organisation=organisation, users=[user], means=means, actor=actor, request=request
    )
    audit_record(
        action="user_created",
        actor_name=granted_by,
        actor_user=actor,
        organisation=organisation,
        target=user.full_name,
        changes={
            "identitet": "CPR-nummer" if cpr else "fødselsdato",
            "anonym": anonymous,
            "identifikationsmidler": list(means),
            "rettigheder": [s.name for s in services],
            "form": form_id,
        },
        request=request,
    )
    user.refresh_from_db()
    return user


# --- Masseopret: reading the file -----------------------------------------------------------------


@dataclass
class BulkRow:
    """One row of the file as typed (trimmed) and, when valid, normalised; ``errors`` in Danish."""

    number: int  # the row as a spreadsheet numbers it: the header is row 1
    first_name: str = ""
    last_name: str = ""
    cpr: str = ""  # ten digits when valid, else as typed
    cpr_valid: bool = False
    birth_date: datetime.date | None = None
    birth_date_text: str = ""
    email: str = ""
    phone: str = ""
    language: str = Language.DA
    errors: list[str | StrPromise] = field(default_factory=list)

    @property
    def masked_cpr(self) -> str:
        """``DDMMYY-****``: never more of a CPR number on screen, valid or not."""
        digits = re.sub(r"\D", "", self.cpr)
        if not self.cpr:
            return ""
        return f"{digits[:6]}-****" if len(digits) >= 6 else "****"

    def new_user(self) -> NewUser:
        return NewUser(
            first_name=self.first_name,
            last_name=self.last_name,
            email=self.email,
            phone=self.phone,
            cpr=self.cpr if self.cpr_valid else "",
            birth_date=self.birth_date,
            language=self.language,
        )


@dataclass
class BulkFile:
    filename: str
    rows: list[BulkRow]

    @property
    def bad_rows(self) -> list[BulkRow]:
        return [row for row in self.rows if row.errors]

    @property
    def is_clean(self) -> bool:
        return bool(self.rows) and not self.bad_rows

    def new_users(self) -> list[NewUser]:
        return [row.new_user() for row in self.rows]


def _file_error(code: str, message) -> RuleError:
    return RuleError(code, message, field="file")


def _decode(data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise _file_error(
            "encoding",
            _("Filen skal være gemt som UTF-8. Vælg “CSV UTF-8”, når du gemmer i Excel."),
        )
    if data.startswith(b"PK\x03\x04") or data.startswith(b"\xd0\xcf\x11\xe0"):
        raise _file_error(
            "not_csv",
            _("Filen er et Excel-regneark, ikke en CSV-fil. Gem den som “CSV UTF-8”."),
        )
    if b"\x00" in data:
        raise _file_error("not_csv", _("Filen er ikke en CSV-fil."))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _file_error(
            "encoding",
            _("Filen skal være gemt som UTF-8. Vælg “CSV UTF-8”, når du gemmer i Excel."),
        ) from exc
    return text


def _delimiter(header_line: str) -> str:
    """Danish Excel writes semicolons; others commas. The header line decides."""
    return ";" if header_line.count(";") >= header_line.count(",") else ","


def _cell(value: str | None) -> str:
    text = (value or "").strip()
    # Our own exports guard formulas with a leading quote (mitid_portal.csv); read them back as typed.
    if len(text) > 1 and text[0] == "'" and text[1] in "=+-@":
        text = text[1:]
    return text


def _columns(header: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for index, name in enumerate(header):
        key = _ALIASES.get(" ".join(_cell(name).lower().split()))
        if key is None:
            continue  # an extra column is left alone
        if key in found:
            raise _file_error(
                "duplicate_column",
                _("Kolonnen “%(name)s” står flere gange i overskriften.") % {"name": key},
            )
        found[key] = index
    missing = [c for c in _REQUIRED if c not in found]
    if "cpr" not in found and "fødselsdato" not in found:
        missing.append("cpr / fødselsdato")
    if missing:
        raise _file_error(
            "missing_columns",
            _(
                "Filen mangler kolonnen: %(columns)s. Første linje skal være overskriften "
                "fornavn;efternavn;cpr;fødselsdato;email;mobil – brug skabelonen."
            )
            % {"columns": ", ".join(missing)},
        )
    return found


def _parse_date(text: str) -> datetime.date | None:
    for fmt in _DATE_FORMATS:
        try:
            return datetime.datetime.strptime(text, fmt).date()  # noqa: DTZ007 - a date only
        except ValueError:
            continue
    return None


def _row_check(row: BulkRow, *, cpr_text: str, phone_text: str, today: datetime.date) -> None:
    errors = row.errors
    if not row.first_name:
        errors.append(_("Fornavn mangler."))
    elif len(row.first_name) > NAME_MAX:
        errors.append(_("Fornavnet er for langt (højst 100 tegn)."))
    if not row.last_name:
        errors.append(_("Efternavn mangler."))
    elif len(row.last_name) > NAME_MAX:
        errors.append(_("Efternavnet er for langt (højst 100 tegn)."))

    if cpr_text:
        try:
            row.cpr = normalise_cpr(cpr_text)
            row.cpr_valid = True
        except ValidationError as exc:
            message = str(exc.messages[0])
            if re.fullmatch(r"\d{9}", re.sub(r"[\s-]", "", cpr_text)):
                message += " " + str(
                    _("Excel kan have fjernet et 0 foran – formatér kolonnen som tekst.")
                )
            errors.append(message)
    if row.birth_date_text:
        parsed = _parse_date(row.birth_date_text)
        if parsed is None:
            errors.append(_("Fødselsdatoen skal skrives dd-mm-åååå, fx 24-12-1980."))
        elif parsed > today or parsed.year < 1900:
            errors.append(_("Fødselsdatoen er ikke en gyldig fødselsdato."))
        else:
            row.birth_date = parsed
    if not cpr_text and not row.birth_date_text:
        errors.append(IDENTITY_MISSING)
    elif row.cpr_valid:
        from_cpr = cpr_birth_date(row.cpr)
        if row.birth_date is not None and row.birth_date != from_cpr:
            errors.append(IDENTITY_MISMATCH)
        row.birth_date = from_cpr

    if not row.email:
        errors.append(_("E-mail mangler."))
    else:
        try:
            validate_email(row.email)
            if len(row.email) > 254:
                raise ValidationError("too long")
        except ValidationError:
            errors.append(_("E-mailadressen er ikke gyldig."))
    if phone_text:
        try:
            row.phone = normalise_phone(phone_text)
        except ValidationError as exc:
            row.phone = phone_text
            errors.append(str(exc.messages[0]))


def _duplicates(rows: list[BulkRow], key, message) -> None:
    groups: dict[str, list[BulkRow]] = defaultdict(list)
    for row in rows:
        value = key(row)
        if value:
            groups[value].append(row)
    for group in groups.values():
        if len(group) < 2:
            continue
        for row in group:
            others = ", ".join(str(o.number) for o in group if o is not row)
            row.errors.append(message % {"rows": others})


def users_bulk_file_read(*, organisation: Organisation, upload) -> BulkFile:
    """Read and check a *Masseopret* file without saving anything. A file that cannot be read at
    all (too large, not CSV, not UTF-8, missing columns, no rows, too many rows) raises
    ``RuleError``; otherwise every row comes back with its reasons in Danish, including
    duplicates within the file (both rows named) and CPR numbers already in the organisation."""
    filename = str(getattr(upload, "name", "") or "")
    if not filename.lower().endswith((".csv", ".txt")):
        raise _file_error("not_csv", _("Vælg en CSV-fil (filnavnet slutter på .csv)."))
    data = upload.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise _file_error("too_large", _("Filen er for stor. Den må højst fylde 2 MB."))
    text = _decode(data)
    if not text.strip():
        raise _file_error("empty", _("Filen er tom."))
    header_line = next(line for line in text.splitlines() if line.strip())
    try:
        records = list(csv.reader(io.StringIO(text), delimiter=_delimiter(header_line)))
    except csv.Error as exc:
        raise _file_error("not_csv", _("Filen kan ikke læses som CSV. Brug skabelonen.")) from exc
    # Excel rows: the header and every line after it keep their spreadsheet number.
    numbered = [(n, rec) for n, rec in enumerate(records, start=1) if any(c.strip() for c in rec)]
    header_number, header = numbered[0]
    columns = _columns(header)
    body = numbered[1:]
    if not body:
        raise _file_error("no_rows", _("Filen indeholder ingen brugere under overskriften."))
    if len(body) > MAX_ROWS:
        raise _file_error(
            "too_many_rows",
            _(
                "Filen har %(count)s rækker. Der kan højst oprettes 5.000 brugere pr. fil – del den op."
            )
            % {"count": len(body)},
        )

    def get(record: list[str], name: str) -> str:
        index = columns.get(name)
        return _cell(record[index]) if index is not None and index < len(record) else ""

    today = datetime.date.today()
    rows: list[BulkRow] = []
    for number, record in body:
        row = BulkRow(
            number=number,
            first_name=" ".join(get(record, "fornavn").split()),
            last_name=" ".join(get(record, "efternavn").split()),
            birth_date_text=get(record, "fødselsdato"),
            email=get(record, "email").lower(),
        )
        cpr_text = get(record, "cpr")
        row.cpr = cpr_text
        if len(record) > len(header):
            row.errors.append(
                _("Rækken har %(cells)s felter, men overskriften har %(columns)s.")
                % {"cells": len(record), "columns": len(header)}
            )
        _row_check(row, cpr_text=cpr_text, phone_text=get(record, "mobil"), today=today)
        language = _LANGUAGES.get(get(record, "sprog").lower())
        if language is None:
            row.errors.append(_("Sproget skal være da (dansk) eller en (engelsk)."))
        else:
            row.language = language
        rows.append(row)

    _duplicates(
        rows,
        lambda r: r.cpr if r.cpr_valid else "",
        _("Samme CPR-nummer står også i række %(rows)s."),
    )
    _duplicates(rows, lambda r: r.email, _("Samme e-mail står også i række %(rows)s."))
    hashes = {crypto.cpr_hash(r.cpr): r for r in rows if r.cpr_valid}
    for existing in _existing_cpr_hashes(organisation=organisation, hashes=list(hashes)):
        hashes[existing].errors.append(CPR_EXISTS)
    return BulkFile(filename=filename, rows=rows)


def users_bulk_template_rows() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The header and the example row of the downloadable template."""
    return COLUMNS, TEMPLATE_EXAMPLE


# --- Masseopret: creating the users ---------------------------------------------------------------


def _bulk_recheck(*, organisation: Organisation, users: Sequence[NewUser]) -> None:
    """The file was checked for the preview; between preview and confirm another administrator
    may have created one of its CPR numbers, so the rules are checked again under the lock."""
    if not users:
        raise RuleError("empty", _("Filen indeholder ingen brugere."))
    if len(users) > MAX_ROWS:
        raise RuleError("too_many_rows", _("Der kan højst oprettes 5.000 brugere ad gangen."))
    cprs = [u.cpr for u in users if u.cpr]
    emails = [u.email for u in users]
    if len(set(cprs)) != len(cprs) or len(set(emails)) != len(emails):
        raise RuleError("duplicates", _("Filen indeholder dubletter. Upload den igen."))
    for user in users:
        if not (user.first_name and user.last_name and user.email):
            raise RuleError("invalid", _("Filen indeholder ugyldige rækker. Upload den igen."))
        identity_check(cpr=user.cpr, birth_date=user.birth_date)
    if _existing_cpr_hashes(organisation=organisation, hashes=[crypto.cpr_hash(c) for c in cprs]):
        raise RuleError(
            "cpr_exists",
            _(
                "Mindst ét CPR-nummer i filen er oprettet i organisationen i mellemtiden. "
                "Upload filen igen for at se hvilke."
            ),
        )


@transaction.atomic
def users_bulk_create(
    *,
    organisation: Organisation,
    users: Sequence[NewUser],
    batch: str,
    actor,
    request=None,
) -> list[User]:
    """*Masseopret*: create every user of a clean file in one transaction (all or nothing) and
    invite them with the organisation's preferred means. ``batch`` names the checked file: a
    file already created (a double click, a second tab) is refused with code ``already_created``
    and nothing is created twice."""
    _organisation_lock(organisation)
    if AuditEvent.objects.filter(
        organisation=organisation, action="users_bulk_created", changes__batch=batch
    ).exists():
        raise RuleError("already_created", ALREADY_CREATED)
    _bulk_recheck(organisation=organisation, users=users)

    created = User.objects.bulk_create(
        [
            User(
                organisation=organisation,
                first_name=u.first_name,
                last_name=u.last_name,
                email=u.email,
                phone=u.phone,
                cpr=u.cpr,
                cpr_hash=crypto.cpr_hash(u.cpr) if u.cpr else "",
                birth_date=u.birth_date,
                language=u.language,
                password="!",  # noqa: S106 - unusable: organisation users log in with MitID
            )
            for u in users
        ],
        batch_size=_INSERT_BATCH,
    )
    if any(u.pk is None for u in created):  # a database that does not return the new ids
        created = list(
            User.objects.filter(
                organisation=organisation, username__in=[u.username for u in created]
            )
        )

    granted_by = _actor_name(actor)
    # The *Basispakke* for every new user, in a few statements whatever the size of the file.
    rights_grant_basic_package_bulk(
        organisation=organisation,
        user_ids=[user.pk for user in created],
        granted_by_name=granted_by,
        actor=actor,
        target=f"{len(created)} brugere",
        request=request,
    )

    users_activation_start(
        organisation=organisation,
        users=created,
        means=bulk_means(organisation),
        actor=actor,
        request=request,
    )
    audit_record(
        action="users_bulk_created",
        actor_name=granted_by,
        actor_user=actor,
        organisation=organisation,
        target=f"{len(created)} brugere",
        changes={
            "count": len(created),
            "batch": batch,
            "with_birth_date_only": sum(1 for u in users if not u.cpr),
        },
        request=request,
    )
    return created
