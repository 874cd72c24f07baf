"""Is a CVR's NemID medarbejdersignatur ready to be imported into MitID Erhverv?

The guide's first step for the owner, "Log på selvbetjening og ryd op i medarbejdere" (G1.1), as
automatic checks over the CVR's active employee signatures: every problem names the guide step it
comes from (G1.2–G1.6) and where in the self-service it is fixed.

``readiness_report(cvr=...)`` runs in a constant number of queries however many employees there
are: one for the employees and one for their persons in the CPR register.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from mitid_portal.outside import cpr_register
from simulators.nemid.models import NemIDEmployee
from simulators.registers.models import Person

INACTIVE_AFTER = datetime.timedelta(days=365)


class Code:
    MISSING_EMAIL = "missing_email"
    MISSING_CPR = "missing_cpr"
    CPR_UNKNOWN = "cpr_unknown"
    NAME_MISMATCH = "name_mismatch"
    MISSING_RID = "missing_rid"
    DUPLICATE_PERSON = "duplicate_person"
    INACTIVE = "inactive"


@dataclass(frozen=True)
class Problem:
    """One thing to fix before the import: a code for programs, a Danish text for people."""

    code: str
    text: str
    advice: str
    guide_id: str
    fix_url: str
    fix_label: str
    # A fix that needs no typing (POST): "Brug navnet fra CPR-registret".
    one_click_url: str = ""
    one_click_label: str = ""


@dataclass(frozen=True)
class EmployeeProblems:
    employee: NemIDEmployee
    problems: tuple[Problem, ...]


@dataclass(frozen=True)
class Report:
    cvr: str
    active_count: int
    entries: tuple[EmployeeProblems, ...]  # only employees with problems, in list order

    @property
    def needing_action(self) -> int:
        return len(self.entries)

    @property
    def is_clean(self) -> bool:
        return not self.entries

    @property
    def problem_count(self) -> int:
        return sum(len(entry.problems) for entry in self.entries)

    def problems_for(self, employee_id: int) -> tuple[Problem, ...]:
        for entry in self.entries:
            if entry.employee.pk == employee_id:
                return entry.problems
        return ()

    def codes(self) -> set[str]:
        return {problem.code for entry in self.entries for problem in entry.problems}


def _active(cvr: str):
    # The CPR itself stays encrypted: every check here works on its keyed hash.
    return NemIDEmployee.objects.filter(cvr=cvr, status=NemIDEmployee.Status.ACTIVE).defer("cpr")


def _register_names_for(employees_hashes) -> dict[str, tuple[str, str]]:
    """The CPR register's names (the health card) by CPR hash, for many employees in one query.

    ``CprRegister`` in ``mitid_portal.outside`` looks up one CPR at a time, which over a CVR
    would be a query per employee; so the report reads the simulated register's table directly,
    with the employees' hashes as a subquery. A real register would need a bulk lookup here.
    """
    return {
        cpr_hash: (first_name, last_name)
        for cpr_hash, first_name, last_name in Person.objects.filter(
            cpr_hash__in=employees_hashes
        ).values_list("cpr_hash", "first_name", "last_name")
    }


def _problems(
    employee: NemIDEmployee,
    *,
    register_name: tuple[str, str] | None,
    other_rids: list[str],
    now: datetime.datetime,
) -> tuple[Problem, ...]:
    args = [employee.cvr, employee.pk]
    revoke_url = reverse("nemid:employee_revoke", args=args)
    revoke_label = _("Slet medarbejder")
    problems: list[Problem] = []

    # G1.3 – "tjek at alle har tilknyttet en mailadresse"
    if not employee.email:
        problems.append(
            Problem(
                code=Code.MISSING_EMAIL,
                text=_("Mangler e-mail"),
                advice=_("Medarbejderen skal have en mailadresse for at kunne aktiveres."),
                guide_id="G1.3",
                fix_url=reverse("nemid:employee_email", args=args),
                fix_label=_("Tilføj e-mail"),
            )
        )

    # G1.4 – "tjek at alle har CPR nummer tilknytning og at ... cpr nummer fremgår korrekt"
    if not employee.cpr_hash:
        problems.append(
            Problem(
                code=Code.MISSING_CPR,
                text=_("Mangler CPR-tilknytning – kun fødselsdato")
                if employee.birth_date
                else _("Mangler CPR-tilknytning"),
                advice=_("Tilknyt medarbejderens CPR-nummer."),
                guide_id="G1.4",
                fix_url=reverse("nemid:employee_cpr", args=args),
                fix_label=_("Tilknyt CPR-nummer"),
            )
        )
    elif register_name is None:
        problems.append(
            Problem(
                code=Code.CPR_UNKNOWN,
                text=_("CPR-nummeret findes ikke i CPR-registret"),
                advice=_("Tjek CPR-nummeret på medarbejderens sundhedskort, og ret det."),
                guide_id="G1.4",
                fix_url=reverse("nemid:employee_cpr", args=args),
                fix_label=_("Ret CPR-nummer"),
            )
        )
    # G1.5 – "tjek at navn på medarbejderen er identisk med ... sundhedskort"
    elif register_name != (employee.first_name, employee.last_name):
        full = " ".join(register_name)
        problems.append(
            Problem(
                code=Code.NAME_MISMATCH,
                text=_("Navnet afviger fra CPR-registret (sundhedskortet): %(name)s")
                % {"name": full},
                advice=_("Navnet skal være identisk med navnet på sundhedskortet."),
                guide_id="G1.5",
                fix_url=reverse("nemid:employee_name", args=args),
                fix_label=_("Ret navn"),
                one_click_url=reverse("nemid:employee_name_from_register", args=args),
                one_click_label=_("Brug navnet fra CPR-registret"),
            )
        )

    # G1.6 – "tjek at alle har et RID nummer"
    if not employee.rid:
        problems.append(
            Problem(
                code=Code.MISSING_RID,
                text=_("Mangler RID-nummer"),
                advice=_(
                    "Et RID-nummer kan ikke tilføjes her i selvbetjeningen. Kontakt NemID "
                    "support, eller slet medarbejderen og lad medarbejderen få en ny "
                    "medarbejdersignatur."
                ),
                guide_id="G1.6",
                fix_url=revoke_url,
                fix_label=revoke_label,
            )
        )

    # G1.2 – "slet de medarbejdere der ikke mere arbejder for praksis"
    if other_rids:
        problems.append(
            Problem(
                code=Code.DUPLICATE_PERSON,
                text=_("Samme person har flere medarbejdersignaturer"),
                advice=_(
                    "Personen har også RID %(rids)s. Slet de medarbejdersignaturer, der ikke "
                    "længere bruges."
                )
                % {"rids": ", ".join(rid or "–" for rid in other_rids)},
                guide_id="G1.2",
                fix_url=revoke_url,
                fix_label=revoke_label,
            )
        )
    if employee.last_used_at and employee.last_used_at < now - INACTIVE_AFTER:
        problems.append(
            Problem(
                code=Code.INACTIVE,
                text=_("Ikke brugt i over et år"),
                advice=_(
                    "Sidst brugt %(date)s. Arbejder medarbejderen her stadig? Hvis ikke, så slet "
                    "medarbejderen."
                )
                % {"date": date_format(timezone.localtime(employee.last_used_at), "DATE_FORMAT")},
                guide_id="G1.2",
                fix_url=revoke_url,
                fix_label=revoke_label,
            )
        )
    return tuple(problems)


def readiness_report(*, cvr: str) -> Report:
    """The guide's step 1 (G1.1–G1.6) checked over every active employee of ``cvr``."""
    employees = list(_active(cvr))
    names = _register_names_for(_active(cvr).exclude(cpr_hash="").values("cpr_hash"))
    by_person: dict[str, list[NemIDEmployee]] = defaultdict(list)
    for employee in employees:
        if employee.cpr_hash:
            by_person[employee.cpr_hash].append(employee)
    now = timezone.now()
    entries = []
    for employee in employees:
        problems = _problems(
            employee,
            register_name=names.get(employee.cpr_hash),
            other_rids=[e.rid for e in by_person.get(employee.cpr_hash, []) if e is not employee],
            now=now,
        )
        if problems:
            entries.append(EmployeeProblems(employee=employee, problems=problems))
    return Report(cvr=cvr, active_count=len(employees), entries=tuple(entries))


def employee_problems(*, employee: NemIDEmployee) -> tuple[Problem, ...]:
    """The same checks for one employee (its page), asking the CPR register through its
    interface."""
    if employee.status != NemIDEmployee.Status.ACTIVE:
        return ()
    register_name = None
    other_rids: list[str] = []
    if employee.cpr_hash:
        record = cpr_register().lookup(cpr=employee.cpr)
        register_name = (record.first_name, record.last_name) if record else None
        other_rids = list(
            _active(employee.cvr)
            .filter(cpr_hash=employee.cpr_hash)
            .exclude(pk=employee.pk)
            .values_list("rid", flat=True)
        )
    return _problems(
        employee, register_name=register_name, other_rids=other_rids, now=timezone.now()
    )
