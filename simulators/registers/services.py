"""Every change in the simulated CPR and CVR registers: one transaction, validated before saving."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from mitid_portal import crypto
from mitid_portal.errors import RuleError
from mitid_portal.validators import cpr_birth_date, normalise_cpr, normalise_cvr
from simulators.registers.models import Company, ManagementRepresentative, Person

_DUPLICATE_CPR = _("Der findes allerede en person med dette CPR-nummer i CPR-registret.")
_DUPLICATE_CVR = _("Der findes allerede en virksomhed med dette CVR-nummer i CVR-registret.")


def _rule_from(exc: ValidationError, *, field: str) -> RuleError:
    return RuleError(exc.error_list[0].code or "invalid", exc.messages[0], field=field)


def _clean_name(value: str) -> str:
    """Collapse runs of spaces: the register's name is compared character for character later."""
    return " ".join((value or "").split())


@transaction.atomic
def person_create(*, cpr: str, first_name: str, last_name: str) -> Person:
    """A fictitious person in the CPR register; the birth date follows from the CPR number, and a
    CPR number is there only once. The name is the one on the health card (sundhedskort)."""
    try:
        cpr = normalise_cpr(cpr)
    except ValidationError as exc:
        raise _rule_from(exc, field="cpr") from exc
    cpr_hash = crypto.cpr_hash(cpr)
    if Person.objects.filter(cpr_hash=cpr_hash).exists():
        raise RuleError("cpr_duplicate", _DUPLICATE_CPR, field="cpr")
    person = Person(
        cpr=cpr,
        cpr_hash=cpr_hash,
        first_name=_clean_name(first_name),
        last_name=_clean_name(last_name),
        birth_date=cpr_birth_date(cpr),
    )
    person.full_clean(exclude=["cpr_hash"])
    try:
        with transaction.atomic():
            person.save()
    except IntegrityError as exc:  # the same CPR created at the same moment
        raise RuleError("cpr_duplicate", _DUPLICATE_CPR, field="cpr") from exc
    return person


@transaction.atomic
def company_create(
    *, cvr: str, name: str, legal_form: str = "", is_public: bool = False
) -> Company:
    """An organisation in the CVR register; the CVR number must pass the modulus-11 check and is
    there only once."""
    try:
        cvr = normalise_cvr(cvr)
    except ValidationError as exc:
        raise _rule_from(exc, field="cvr") from exc
    if Company.objects.filter(cvr=cvr).exists():
        raise RuleError("cvr_duplicate", _DUPLICATE_CVR, field="cvr")
    company = Company(
        cvr=cvr, name=_clean_name(name), legal_form=_clean_name(legal_form), is_public=is_public
    )
    company.full_clean(validate_unique=False)
    try:
        with transaction.atomic():
            company.save()
    except IntegrityError as exc:
        raise RuleError("cvr_duplicate", _DUPLICATE_CVR, field="cvr") from exc
    return company


@transaction.atomic
def representative_add(*, company: Company, person: Person, role: str) -> ManagementRepresentative:
    """Name a person in the CVR register as able to act for the company (owner, director or board
    member); a person has one role per company."""
    if ManagementRepresentative.objects.filter(company=company, person=person).exists():
        raise RuleError(
            "representative_duplicate",
            _("Personen er allerede ledelsesrepræsentant for virksomheden."),
            field="cpr",
        )
    representative = ManagementRepresentative(company=company, person=person, role=role)
    try:
        representative.full_clean(validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        raise RuleError("role_invalid", _("Vælg en gyldig rolle."), field="role") from exc
    try:
        with transaction.atomic():
            representative.save()
    except IntegrityError as exc:
        raise RuleError(
            "representative_duplicate",
            _("Personen er allerede ledelsesrepræsentant for virksomheden."),
            field="cpr",
        ) from exc
    return representative
