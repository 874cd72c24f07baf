"""The employee activates from the emailed link with private MitID (G6.1–G6.7), then logs in to
*Min profil*: a user with a CPR link (no code) and a user known only by birth date (the 8-digit
code from the administrator). axe runs on every page visited.

The link email comes from the administrator's activation service into the simulated mailbox;
the test reads the token from it and opens the employee's link page (``employee:link``)."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from activation import services as activation_services
from activation.models import Invitation
from organisations.models import RoleGrant
from simulators.mitid.models import Device
from tests.browser.conftest import axe_check
from tests.factories import (
    DeviceFactory,
    MitIDAccountFactory,
    OrganisationFactory,
    RoleGrantFactory,
    UserFactory,
)
from users.models import User

pytestmark = pytest.mark.django_db(transaction=True)

TOKEN_IN_LINK = re.compile(r"/link/([A-Za-z0-9_\-]{20,})/")


@pytest.fixture
def organisation():
    return OrganisationFactory(
        name="Lægehuset Åboulevarden I/S", allow_private_mitid=True, allowed_means=["app"]
    )


@pytest.fixture
def admin(organisation):
    user = UserFactory(organisation=organisation, first_name="Hanne", last_name="Vestergaard")
    RoleGrantFactory(user=user, organisation=organisation, role=RoleGrant.Role.USER_ADMIN)
    return user


def _employee(organisation, username: str, *, with_cpr: bool) -> tuple[User, object]:
    account = MitIDAccountFactory(username=username)
    DeviceFactory(account=account, kind=Device.Kind.APP)
    person = account.person
    fields = (
        {"cpr": person.cpr}
        if with_cpr
        else {"cpr": "", "cpr_hash": "", "birth_date": person.birth_date}
    )
    user = UserFactory(
        organisation=organisation,
        first_name=person.first_name,
        last_name=person.last_name,
        email=f"{username}@example.dk",
        state=User.State.IMPORTED,
        **fields,
    )
    return user, account


def _approve_in_app(context, username: str) -> None:
    phone = context.new_page()
    phone.goto(f"/simulator/mitid/app/{username}/")
    axe_check(phone)
    phone.get_by_role("button", name="Godkend").click()
    expect(phone.get_by_text("Du har godkendt login.")).to_be_visible()
    phone.close()


def _mitid_login(context, page, username: str) -> None:
    expect(page.get_by_role("heading", level=1)).to_have_text("Log ind med MitID")
    axe_check(page)
    page.get_by_label("Bruger-ID").fill(username)
    page.get_by_label("MitID app").check()
    page.get_by_role("button", name="Fortsæt").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Godkend i MitID app")
    axe_check(page)
    _approve_in_app(context, username)


def _open_link_from_mailbox(page, user: User, organisation) -> None:
    page.goto(reverse("mailbox:inbox", args=[user.email]))
    axe_check(page)
    page.get_by_role("link", name=re.compile("Aktivér din bruger")).click()
    body = page.get_by_test_id("mail-body")
    expect(body).to_contain_text(organisation.name)
    axe_check(page)
    (token,) = TOKEN_IN_LINK.findall(body.inner_text())
    page.goto(reverse("employee:link", args=[token]))


def _activate_until_choice(context, page, user, account, organisation) -> None:
    """G6.1–G6.4: the link, *Aktivér bruger*, *Log ind med dit private MitID*, the login."""
    _open_link_from_mailbox(page, user, organisation)
    expect(page).to_have_url(re.compile(reverse("employee:start") + "$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Aktivér din bruger")
    expect(page.get_by_role("main")).to_contain_text(organisation.name)
    axe_check(page)
    page.get_by_role("link", name="Aktivér bruger").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Log ind med dit private MitID")
    expect(
        page.get_by_text(
            "Dit private MitID bruges kun til at bekræfte din identitet én gang ved aktivering "
            "og bliver ikke delt med andre."
        )
    ).to_be_visible()
    axe_check(page)
    page.get_by_role("button", name="Næste").click()
    _mitid_login(context, page, account.username)

    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Vil du bruge dit private MitID", timeout=15_000
    )
    axe_check(page)
    page.get_by_label("Ja, jeg vil bruge mit private MitID").check()
    page.get_by_role("button", name="Næste").click()


def _check_receipt_then_log_in_to_profile(context, page, user, account, organisation) -> None:
    """G6.7, then *Log på MitID Erhverv* with private MitID and *Min profil*."""
    expect(page.get_by_role("heading", level=1)).to_have_text("Kvittering")
    main = page.get_by_role("main")
    expect(main).to_contain_text(organisation.name)
    expect(main).to_contain_text(user.full_name)
    expect(main).to_contain_text("Privat MitID")
    axe_check(page)
    user.refresh_from_db()
    assert user.state == User.State.ACTIVE and user.uses_private_mitid
    assert Invitation.objects.get(user=user).state == Invitation.State.USED

    page.goto(reverse("mailbox:inbox", args=[user.email]))
    page.get_by_role("link", name=re.compile("Et identifikationsmiddel er tilføjet")).click()
    expect(page.get_by_test_id("mail-body")).to_contain_text("Privat MitID")
    axe_check(page)

    page.goto(f"{reverse('login:start')}?next={reverse('employee:profile')}")
    _mitid_login(context, page, account.username)
    expect(page.get_by_role("heading", level=1)).to_have_text("Min profil", timeout=15_000)
    main = page.get_by_role("main")
    expect(main).to_contain_text(user.full_name)
    expect(main).to_contain_text(organisation.name)
    expect(main).to_contain_text(user.email)
    expect(main).to_contain_text("Privat MitID")
    axe_check(page)


def test_cpr_user_activates_with_private_mitid_and_sees_min_profil(
    context, page, mailbox_backend, organisation, admin
):
    user, account = _employee(organisation, "lars.ansat", with_cpr=True)
    activation_services.users_activation_start(
        organisation=organisation, users=[user], means=["private", "app"], actor=admin
    )
    _activate_until_choice(context, page, user, account, organisation)
    # A CPR user who uses private MitID needs no code: straight to *Kvittering*.
    _check_receipt_then_log_in_to_profile(context, page, user, account, organisation)


def test_birth_date_user_activates_with_the_8_digit_code(
    context, page, mailbox_backend, organisation, admin
):
    user, account = _employee(organisation, "kirsten.ansat", with_cpr=False)
    (invitation,) = activation_services.users_activation_start(
        organisation=organisation, users=[user], means=["private", "app"], actor=admin
    )
    code = activation_services.activation_code_reveal(invitation=invitation, actor=admin)

    _activate_until_choice(context, page, user, account, organisation)

    expect(page.get_by_role("heading", level=1)).to_have_text("Indtast aktiveringskoden på 8 cifre")
    axe_check(page)
    field = page.get_by_label("Aktiveringskode")
    field.fill(code[:7])
    page.get_by_role("button", name="Næste").click()
    # The error summary links to the field, and the field says it too.
    expect(page.locator('[data-testid="error-summary"] a[href="#id_code"]')).to_contain_text(
        "Aktiveringskoden skal være 8 cifre."
    )
    expect(page.locator("#id_code_error")).to_contain_text("Aktiveringskoden skal være 8 cifre.")
    expect(page.get_by_label("Aktiveringskode")).to_have_value(code[:7])
    axe_check(page)
    page.get_by_label("Aktiveringskode").fill(code)
    page.get_by_role("button", name="Næste").click()

    _check_receipt_then_log_in_to_profile(context, page, user, account, organisation)
