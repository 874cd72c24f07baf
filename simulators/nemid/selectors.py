"""Read queries of the NemID self-service, shared by views, services and the readiness report."""

from django.db.models import Prefetch, Q, QuerySet, Value
from django.db.models.functions import Concat

from simulators.nemid.models import NemIDChange, NemIDEmployee, NemIDRight


def nemid_employees_list(*, cvr: str, search: str = "") -> QuerySet[NemIDEmployee]:
    """A CVR's employee signatures with their rights in one extra query; ``search`` matches the
    name, the email or the RID."""
    employees = NemIDEmployee.objects.filter(cvr=cvr).prefetch_related(
        Prefetch("rights", queryset=NemIDRight.objects.order_by("service_name"))
    )
    search = search.strip()
    if search:
        employees = employees.annotate(
            search_name=Concat("first_name", Value(" "), "last_name")
        ).filter(
            Q(search_name__icontains=search) | Q(email__icontains=search) | Q(rid__icontains=search)
        )
    return employees


def nemid_employees_for_cvr(*, cvr: str) -> QuerySet[NemIDEmployee]:
    """Every employee of one CVR: the scope through which any single employee is found, so that an
    employee of another CVR is not found at all."""
    return NemIDEmployee.objects.filter(cvr=cvr)


def nemid_employee_changes(*, employee: NemIDEmployee) -> QuerySet[NemIDChange]:
    return employee.changes.all()
