"""Every change in the NemID self-service: one transaction and one NemIDChange row per changed
field, in the self-service's own change log (the portal's tables are never written); a CPR is
kept only masked there."""

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from mitid_portal import crypto
from mitid_portal.errors import RuleError
from mitid_portal.outside import cpr_register
from mitid_portal.validators import cpr_birth_date, mask_cpr, normalise_cpr
from simulators.nemid.models import NemIDAccessRefusal, NemIDChange, NemIDEmployee


def _locked_employee(*, cvr: str, employee_id: int, active: bool = True) -> NemIDEmployee:
    try:
        employee = NemIDEmployee.objects.select_for_update().get(cvr=cvr, pk=employee_id)
    except NemIDEmployee.DoesNotExist as exc:
        raise RuleError("not_found", _("Medarbejderen findes ikke.")) from exc
    if active and employee.status != NemIDEmployee.Status.ACTIVE:
        raise RuleError(
            "revoked", _("Medarbejderen er slettet (spærret) og kan ikke længere ændres.")
        )
    return employee


def _record(
    *, employee: NemIDEmployee, actor_name: str, changes: dict[str, tuple[str, str]]
) -> None:
    NemIDChange.objects.bulk_create(
        NemIDChange(
            employee=employee,
            actor_name=actor_name[:200],
            field=field,
            old_value=old[:300],
            new_value=new[:300],
        )
        for field, (old, new) in changes.items()
    )


@transaction.atomic
def nemid_employee_revoke(*, cvr: str, employee_id: int, actor_name: str) -> NemIDEmployee:
    """*Slet medarbejder*: the signature is revoked and is not imported into MitID Erhverv (G1.2)."""
    employee = _locked_employee(cvr=cvr, employee_id=employee_id, active=False)
    if employee.status == NemIDEmployee.Status.REVOKED:
        raise RuleError("already_revoked", _("Medarbejderen er allerede slettet."))
    employee.status = NemIDEmployee.Status.REVOKED
    employee.full_clean()
    employee.save(update_fields=["status", "updated_at"])
    _record(
        employee=employee,
        actor_name=actor_name,
        changes={"status": (NemIDEmployee.Status.ACTIVE, NemIDEmployee.Status.REVOKED)},
    )
    return employee


@transaction.atomic
def nemid_employee_email_change(
    *,
    cvr: str,
    employee_id: int,
    email: str,
    actor_name: str,
) -> NemIDEmployee:
    """Add or correct the employee's email (G1.3)."""
    employee = _locked_employee(cvr=cvr, employee_id=employee_id)
    old = employee.email
    if email == old:
        raise RuleError("unchanged", _("Medarbejderen har allerede denne e-mail."), field="email")
    employee.email = email
    employee.full_clean()
    employee.save(update_fields=["email", "updated_at"])
    _record(
        employee=employee,
        actor_name=actor_name,
        changes={"email": (old, email)},
    )
    return employee


@transaction.atomic
def nemid_employee_cpr_link(
    *,
    cvr: str,
    employee_id: int,
    cpr: str,
    actor_name: str,
) -> NemIDEmployee:
    """Link or correct the employee's CPR number (G1.4). The CPR must be known to the CPR
    register and not already belong to another active signature of the CVR; the birth date is
    then the CPR's own."""
    cpr = normalise_cpr(cpr)
    employee = _locked_employee(cvr=cvr, employee_id=employee_id)
    if cpr == employee.cpr:
        raise RuleError("unchanged", _("Medarbejderen har allerede dette CPR-nummer."), field="cpr")
    if cpr_register().lookup(cpr=cpr) is None:
        raise RuleError(
            "cpr_unknown",
            _(
                "CPR-nummeret findes ikke i CPR-registret. Tjek nummeret på medarbejderens "
                "sundhedskort."
            ),
            field="cpr",
        )
    cpr_hash = crypto.cpr_hash(cpr)
    other = (
        NemIDEmployee.objects.filter(cvr=cvr, cpr_hash=cpr_hash, status=NemIDEmployee.Status.ACTIVE)
        .exclude(pk=employee.pk)
        .first()
    )
    if other is not None:
        raise RuleError(
            "cpr_in_use",
            _(
                "CPR-nummeret er allerede tilknyttet en anden aktiv medarbejdersignatur i "
                "virksomheden (RID %(rid)s)."
            )
            % {"rid": other.rid or "–"},
            field="cpr",
        )
    old_cpr, old_birth_date = employee.cpr, employee.birth_date
    employee.cpr = cpr
    employee.cpr_hash = cpr_hash
    employee.birth_date = cpr_birth_date(cpr)
    employee.full_clean()
    employee.save(update_fields=["cpr", "cpr_hash", "birth_date", "updated_at"])
    changes = {"cpr": (mask_cpr(old_cpr), mask_cpr(cpr))}
    if old_birth_date != employee.birth_date:
        changes["birth_date"] = (
            old_birth_date.isoformat() if old_birth_date else "",
            employee.birth_date.isoformat(),
        )
    _record(
        employee=employee,
        actor_name=actor_name,
        changes=changes,
    )
    return employee


@transaction.atomic
def nemid_employee_name_change(
    *,
    cvr: str,
    employee_id: int,
    first_name: str,
    last_name: str,
    actor_name: str,
) -> NemIDEmployee:
    """Correct the name so that it is identical to the health card's (G1.5)."""
    employee = _locked_employee(cvr=cvr, employee_id=employee_id)
    old = employee.full_name
    if (first_name, last_name) == (employee.first_name, employee.last_name):
        raise RuleError("unchanged", _("Medarbejderen har allerede dette navn."))
    employee.first_name, employee.last_name = first_name, last_name
    employee.full_clean()
    employee.save(update_fields=["first_name", "last_name", "updated_at"])
    _record(
        employee=employee,
        actor_name=actor_name,
        changes={"name": (old, employee.full_name)},
    )
    return employee


def nemid_employee_name_from_register(
    *, cvr: str, employee_id: int, actor_name: str
) -> NemIDEmployee:
    """*Brug navnet fra CPR-registret*: the name on the health card, in one click (G1.5)."""
    employee = NemIDEmployee.objects.filter(cvr=cvr, pk=employee_id).first()
    if employee is None:
        raise RuleError("not_found", _("Medarbejderen findes ikke."))
    record = cpr_register().lookup(cpr=employee.cpr) if employee.cpr else None
    if record is None:
        raise RuleError("cpr_unknown", _("Medarbejderens CPR-nummer findes ikke i CPR-registret."))
    return nemid_employee_name_change(
        cvr=cvr,
        employee_id=employee_id,
        first_name=record.first_name,
        last_name=record.last_name,
        actor_name=actor_name,
    )


@transaction.atomic
def nemid_access_refusal_record(*, cvr: str, actor_name: str, method: str, path: str) -> None:
    """Keep the attempt of a signed-in person to open a CVR they do not represent; nothing else
    of it is kept or changed (G1.1)."""
    NemIDAccessRefusal.objects.create(
        cvr=cvr[:8], actor_name=actor_name[:200], method=method[:10], path=path[:300]
    )
