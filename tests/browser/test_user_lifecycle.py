"""The organisation administrator suspends a user from *Brugerinformation* (G5.2, G8.1; issue 6,
"User lifecycle"): the reason is required, the user's sessions end, and *Redigér oplysninger*
leads on; axe on every page."""

import pytest
from playwright.sync_api import expect

from mitid_portal.models import AuditEvent
from organisations.models import RoleGrant
from simulators.mitid.models import Device
from tests.browser.conftest import axe_check, log_in
from tests.factories import (
    DeviceFactory,
    MitIDAccountFactory,
    OrganisationFactory,
    PersonFactory,
    RoleGrantFactory,
    UserFactory,
)
from users.models import User
from users.sessions import UserSession

pytestmark = pytest.mark.django_db(transaction=True)


def _world() -> User:
    organisation = OrganisationFactory(name="Lægehuset Livsforløb I/S")
    person = PersonFactory(first_name="Hanne", last_name="Vestergaard")
    DeviceFactory(
        account=MitIDAccountFactory(person=person, username="hanne.livsforloeb"),
        kind=Device.Kind.APP,
    )
    RoleGrantFactory(
        user__organisation=organisation,
        user__first_name=person.first_name,
        user__last_name=person.last_name,
        user__cpr=person.cpr,
        user__cpr_hash=person.cpr_hash,
        user__uses_private_mitid=True,
        role=RoleGrant.Role.ORGANISATION_ADMIN,
    )
    return UserFactory(
        organisation=organisation, state=User.State.ACTIVE, first_name="Lise", last_name="Holm"
    )


def test_the_administrator_suspends_a_user_from_brugerinformation(context, page):
    lise = _world()
    log_in(context, page, "hanne.livsforloeb", f"/brugere/{lise.pk}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Brugerinformation")
    axe_check(page)

    page.get_by_role("link", name="Suspendér").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Suspendér bruger")
    axe_check(page)
    page.get_by_role("button", name="Suspendér").click()
    # The error summary links the message to the field.
    expect(page.get_by_role("link", name="Indtast begrundelse.")).to_be_visible()
    page.get_by_label("Begrundelse").fill("Orlov")
    page.get_by_role("button", name="Suspendér").click()
    expect(page.get_by_text("Lise Holm er suspenderet og logget af.")).to_be_visible()
    axe_check(page)

    lise.refresh_from_db()
    assert lise.state == User.State.SUSPENDED
    event = AuditEvent.objects.get(action="user_suspended")
    assert event.changes["reason"] == "Orlov"
    assert UserSession.objects.exists()  # the administrator's own session goes on

    page.get_by_role("link", name="Redigér oplysninger").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Redigér bruger")
    axe_check(page)
