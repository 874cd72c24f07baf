"""The organisation administrator opens *Overblik* and sees the migration chart with the
organisation's numbers, then the audit log, a user's lifecycle page; axe on every page."""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from activation.models import Invitation
from organisations.audit import audit_record
from organisations.models import RoleGrant
from simulators.mitid.models import Device
from tests.browser.conftest import axe_check
from tests.factories import (
    DeviceFactory,
    MitIDAccountFactory,
    OrganisationFactory,
    PersonFactory,
    RoleGrantFactory,
    UserFactory,
)
from users.models import User

pytestmark = pytest.mark.django_db(transaction=True)


def _world():
    organisation = OrganisationFactory(name="Lægehuset Overblik I/S")
    person = PersonFactory(first_name="Hanne", last_name="Vestergaard")
    DeviceFactory(
        account=MitIDAccountFactory(person=person, username="hanne.overblik"),
        kind=Device.Kind.APP,
    )
    admin = RoleGrantFactory(
        user__organisation=organisation,
        user__first_name=person.first_name,
        user__last_name=person.last_name,
        user__cpr=person.cpr,
        user__cpr_hash=person.cpr_hash,
        user__uses_private_mitid=True,
        role=RoleGrant.Role.ORGANISATION_ADMIN,
    ).user
    UserFactory.create_batch(4, organisation=organisation, state=User.State.IMPORTED)
    UserFactory(
        organisation=organisation, state=User.State.ACTIVE, first_name="Lise", last_name="Holm"
    )
    UserFactory(organisation=organisation, state=User.State.SUSPENDED)
    now = timezone.now()
    for days in (3, 20):
        user = UserFactory(organisation=organisation, state=User.State.AWAITING)
        Invitation.objects.create(
            user=user,
            organisation=organisation,
            token_hash=f"browser-overview-{user.pk}",
            expires_at=now + datetime.timedelta(days=days),
        )
    audit_record(
        action="user_updated",
        actor_name=admin.full_name,
        actor_user=admin,
        organisation=organisation,
        target="Lise Holm",
        changes={"phone": {"before": "", "after": "+4522334455"}},
    )
    return organisation


def _log_in(context, page, next_path: str) -> None:
    page.goto(next_path)
    expect(page.get_by_role("heading", level=1)).to_have_text("Log ind med MitID")
    page.get_by_label("Bruger-ID").fill("hanne.overblik")
    page.get_by_label("MitID app").check()
    page.get_by_role("button", name="Fortsæt").click()
    phone = context.new_page()
    phone.goto("/simulator/mitid/app/hanne.overblik/")
    phone.get_by_role("button", name="Godkend").click()
    phone.close()
    expect(page).to_have_url(re.compile(re.escape(next_path) + "$"), timeout=15_000)


def test_the_organisation_administrator_sees_the_migration_overview(context, page):
    _world()
    _log_in(context, page, "/organisation/overblik/")

    expect(page.get_by_role("heading", level=1)).to_have_text("Overblik")
    chart = page.get_by_role("img", name="Brugere fordelt på status")
    expect(chart).to_be_visible()
    numbers = {
        key: page.locator(f'svg text[data-key="{key}"]').text_content()
        for key in ("imported", "awaiting", "active", "suspended", "expiring")
    }
    # The administrator is an active user too.
    assert numbers == {
        "imported": "4",
        "awaiting": "2",
        "active": "2",
        "suspended": "1",
        "expiring": "1",
    }
    expect(page.get_by_test_id("count-imported")).to_have_text("4")
    axe_check(page)

    # The bar's row links to the list behind it.
    page.get_by_role("link", name="Importeret, ikke aktiveret").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Importerede brugere")

    page.get_by_role("navigation", name="Administration").get_by_role(
        "link", name="Revisionslog"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Revisionslog")
    expect(page.get_by_role("cell", name="Lise Holm")).to_be_visible()
    axe_check(page)

    page.get_by_label("Handling").select_option("user_updated")
    page.get_by_role("button", name="Vis").click()
    expect(page.get_by_role("cell", name="Brugeroplysninger ændret")).to_be_visible()
    axe_check(page)
