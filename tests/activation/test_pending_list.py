"""*Afventer aktivering* fit for thousands: search, filters, sort, page size, select all
matching, CSV export, constant query counts and isolation; and ``activation.selection``, the
users each list shows under its filter (the contract with the bulk actions)."""

import datetime

import pytest
from django.utils import timezone

from activation.models import Invitation
from activation.selection import UnknownSource, selection_users
from organisations.models import RoleGrant
from tests.activation.factories import ImportedUserFactory, SetUpOrganisationFactory
from tests.factories import UserFactory, fictitious_cpr
from users.models import User

pytestmark = pytest.mark.django_db


def _pending(organisation, *, days: int = 30, **kwargs) -> User:
    user = UserFactory(organisation=organisation, state=User.State.AWAITING, **kwargs)
    Invitation.objects.create(
        user=user,
        organisation=organisation,
        token_hash=f"pending-{user.pk}",
        means=["app"],
        expires_at=timezone.now() + datetime.timedelta(days=days),
    )
    return user


def test_selection_of_each_list_is_what_the_list_shows(organisation, org_admin):
    other = SetUpOrganisationFactory()
    imported = ImportedUserFactory(organisation=organisation, first_name="Mette", last_name="Bo")
    ImportedUserFactory(organisation=organisation, first_name="Jens", last_name="Bo")
    ImportedUserFactory(organisation=other, first_name="Mette", last_name="Bo")
    soon = _pending(organisation, days=3, first_name="Mette", last_name="Ny")
    _pending(organisation, days=20, first_name="Mette", last_name="Senere")
    _pending(other, days=3, first_name="Mette", last_name="Fremmed")
    suspended = UserFactory(organisation=organisation, state=User.State.SUSPENDED)

    def ids(source, **params):
        return set(
            selection_users(organisation=organisation, source=source, params=params).values_list(
                "pk", flat=True
            )
        )

    assert ids("importerede", q="mette") == {imported.pk}
    assert ids("afventer", q="Mette", udloeber="7") == {soon.pk}
    assert ids("afventer", q="Mette") == {soon.pk, soon.pk + 1}
    assert ids("brugere", state="suspended") == {suspended.pk}
    # The administrator is an active user of the organisation: in Brugere, not in the others.
    assert org_admin.pk in ids("brugere")
    assert ids("brugere", role=RoleGrant.Role.ORGANISATION_ADMIN) == {org_admin.pk}
    # An invalid value filters nothing, as on the list.
    assert ids("brugere", state="bogus") == ids("brugere")
    with pytest.raises(UnknownSource):
        ids("revisionslog")


def test_selection_finds_a_cpr_number_exactly_through_its_hash(organisation):
    cpr = fictitious_cpr(4242)
    user = ImportedUserFactory(organisation=organisation, cpr=cpr)
    ImportedUserFactory(organisation=organisation)
    dashed = f"{cpr[:6]}-{cpr[6:]}"
    for search in (cpr, dashed):
        found = selection_users(
            organisation=organisation, source="importerede", params={"q": search}
        )
        assert list(found) == [user]
    partial = selection_users(
        organisation=organisation, source="importerede", params={"q": cpr[:8]}
    )
    assert list(partial) == []
