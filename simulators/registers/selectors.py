"""Read queries of the simulated CPR and CVR registers, shared by views, services and the API."""

from django.core.exceptions import ValidationError
from django.db.models import Count, Q, QuerySet, Value
from django.db.models.functions import Concat
from django.shortcuts import get_object_or_404

from mitid_portal import crypto
from mitid_portal.validators import normalise_cpr
from simulators.registers.models import Company, ManagementRepresentative, Person


def persons_list(*, search: str = "") -> QuerySet[Person]:
    """Everyone in the CPR register, by name. ``search`` matches the name; a whole CPR number finds
    that one person (the number itself is encrypted, so only an exact match is possible)."""
    persons = Person.objects.order_by("last_name", "first_name", "pk")
    search = search.strip()
    if not search:
        return persons
    try:
        return persons.filter(cpr_hash=crypto.cpr_hash(normalise_cpr(search)))
    except ValidationError:
        pass
    return persons.annotate(search_name=Concat("first_name", Value(" "), "last_name")).filter(
        search_name__icontains=search
    )


def person_get(*, pk: int) -> Person:
    return get_object_or_404(Person, pk=pk)


def person_find_by_cpr(*, cpr: str) -> Person | None:
    """``cpr`` as ten digits, without the dash."""
    return Person.objects.filter(cpr_hash=crypto.cpr_hash(cpr)).first()


def person_representations(*, person: Person) -> QuerySet[ManagementRepresentative]:
    return person.representations.select_related("company").order_by("company__name")


def companies_list(*, search: str = "") -> QuerySet[Company]:
    """Every company with its number of management representatives; ``search`` matches the name
    or the CVR number."""
    companies = Company.objects.annotate(representative_count=Count("representatives")).order_by(
        "name", "pk"
    )
    search = search.strip()
    if search:
        companies = companies.filter(
            Q(name__icontains=search) | Q(cvr__startswith=search.replace(" ", ""))
        )
    return companies


def company_get(*, cvr: str) -> Company:
    return get_object_or_404(Company, cvr=cvr)


def company_representatives(*, company: Company) -> QuerySet[ManagementRepresentative]:
    return company.representatives.select_related("person").order_by(
        "person__last_name", "person__first_name"
    )
