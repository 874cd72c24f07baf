"""The user lifecycle on *Brugerinformation*: edit with a confirmed email, concurrent edits,
suspend (sessions end), reactivate, close (no more logins), resend activation and new code."""

import datetime
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from activation.models import BoundMeans, Invitation
from activation.services import CODE_PURPOSE, TOKEN_PURPOSE
from mitid_portal import crypto
from mitid_portal.errors import RuleError
from mitid_portal.models import AuditEvent, OutboundEmail
from organisations.models import RoleGrant
from tests.factories import MitIDAccountFactory, OrganisationFactory, RoleGrantFactory, UserFactory
from tests.portal.test_login import _login_through_mitid
from users.models import User
from users.services import lifecycle
from users.sessions import UserSession

pytestmark = pytest.mark.django_db

STALE_TEXT = "Brugeren er ændret af en anden i mellemtiden. Se de nye oplysninger og prøv igen."


@pytest.fixture
def subject(organisation):
    return UserFactory(
        organisation=organisation,
        first_name="Lise",
        last_name="Kristensen",
        email="lise@example.dk",
        phone="+4522345678",
        state=User.State.ACTIVE,
    )


@pytest.fixture
def second_admin(organisation):
    return RoleGrantFactory(
        user__organisation=organisation,
        user__first_name="Bo",
        user__last_name="Andenadmin",
        role=RoleGrant.Role.ORGANISATION_ADMIN,
    ).user


def _edit_data(user, **changes):
    data = {
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "phone": user.phone,
        "version": lifecycle.user_version(user),
    }
    return data | changes


def _confirm_link(email: OutboundEmail) -> str:
    match = re.search(r"https?://\S+/brugere/e-mail/[\w-]+/", email.body_text)
    assert match, email.body_text
    return match.group(0)


# --- Brugerinformation -------------------------------------------------------------------------


def test_detail_page_offers_the_lifecycle_actions(admin_client, subject):
    html = admin_client.get(reverse("users:detail", args=[subject.pk])).content.decode()
    assert reverse("users:edit", args=[subject.pk]) in html
    assert reverse("users:suspend", args=[subject.pk]) in html
    assert reverse("activation:user_close", args=[subject.pk]) in html


# --- Edit --------------------------------------------------------------------------------------


def test_edit_saves_name_and_phone_and_audits_before_and_after(admin_client, subject, org_admin):
    response = admin_client.post(
        reverse("users:edit", args=[subject.pk]),
        _edit_data(subject, last_name="Holm", phone="+4587654321"),
    )
    assert response.status_code == 302
    subject.refresh_from_db()
    assert (subject.last_name, subject.phone) == ("Holm", "+4587654321")
    event = AuditEvent.objects.get(action="user_updated")
    assert event.actor_user == org_admin
    assert event.changes["last_name"] == {"before": "Kristensen", "after": "Holm"}
    assert event.target == "Lise Holm"


def test_a_new_email_of_an_active_user_changes_only_when_the_user_confirms(admin_client, subject):
    admin_client.post(
        reverse("users:edit", args=[subject.pk]), _edit_data(subject, email="lise.ny@example.dk")
    )
    subject.refresh_from_db()
    assert subject.email == "lise@example.dk"
    assert subject.pending_email == "lise.ny@example.dk"
    email = OutboundEmail.objects.get(to="lise.ny@example.dk")
    assert "Bekræft din nye e-mailadresse" in email.subject
    assert "7 dage" in email.body_text
    link = _confirm_link(email)
    token = link.rstrip("/").rsplit("/", 1)[1]
    assert token not in subject.pending_email_token_hash
    assert AuditEvent.objects.filter(action="user_email_change_requested").exists()

    visitor = Client()
    landing = visitor.get(reverse("users:email_confirm_link", args=[token]))
    assert landing.status_code == 302
    assert token not in landing.url  # the token leaves the address bar
    page = visitor.get(landing.url)
    assert "Bekræft din nye e-mailadresse" in page.content.decode()
    subject.refresh_from_db()
    assert subject.email == "lise@example.dk"  # a GET changes nothing

    done = visitor.post(reverse("users:email_confirm"))
    assert "E-mailadressen er bekræftet" in done.content.decode()
    subject.refresh_from_db()
    assert subject.email == "lise.ny@example.dk"
    assert subject.pending_email == ""
    event = AuditEvent.objects.get(action="user_email_confirmed")
    assert event.changes["email"] == {"before": "lise@example.dk", "after": "lise.ny@example.dk"}

    again = Client()
    again.get(reverse("users:email_confirm_link", args=[token]))
    assert "Linket kan ikke bruges" in again.get(reverse("users:email_confirm")).content.decode()


def test_an_expired_email_link_changes_nothing(admin_client, subject):
    admin_client.post(
        reverse("users:edit", args=[subject.pk]), _edit_data(subject, email="lise.ny@example.dk")
    )
    token = _confirm_link(OutboundEmail.objects.get()).rstrip("/").rsplit("/", 1)[1]
    User.objects.filter(pk=subject.pk).update(
        pending_email_expires_at=timezone.now() - datetime.timedelta(seconds=1)
    )
    visitor = Client()
    visitor.get(reverse("users:email_confirm_link", args=[token]))
    response = visitor.post(reverse("users:email_confirm"))
    assert "Linket er udløbet" in response.content.decode()
    subject.refresh_from_db()
    assert subject.email == "lise@example.dk"


def test_a_made_up_email_token_is_refused(client):
    client.get(reverse("users:email_confirm_link", args=["x" * 43]))
    assert "Linket kan ikke bruges" in client.get(reverse("users:email_confirm")).content.decode()


def test_before_activation_the_administrator_corrects_the_email_directly(
    admin_client, organisation
):
    imported = UserFactory(organisation=organisation, state=User.State.IMPORTED, email="")
    admin_client.post(
        reverse("users:edit", args=[imported.pk]), _edit_data(imported, email="ny@example.dk")
    )
    imported.refresh_from_db()
    assert imported.email == "ny@example.dk"
    assert not OutboundEmail.objects.exists()


def test_the_second_of_two_concurrent_edits_is_told_and_nothing_is_lost(
    client, admin_client, subject, second_admin
):
    # Both administrators open Redigér and see the same version.
    first_form = admin_client.get(reverse("users:edit", args=[subject.pk]))
    client2 = Client()
    client2.force_login(second_admin)
    second_form = client2.get(reverse("users:edit", args=[subject.pk]))
    version = first_form.context["form"]["version"].value()
    assert second_form.context["form"]["version"].value() == version

    first = admin_client.post(
        reverse("users:edit", args=[subject.pk]),
        _edit_data(subject, phone="+4541111111", version=version),
    )
    assert first.status_code == 302
    response = client2.post(
        reverse("users:edit", args=[subject.pk]),
        _edit_data(subject, last_name="Overskrevet", version=version),
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert STALE_TEXT in html
    assert "+4541111111" in html  # the new data is shown
    assert 'value="Overskrevet"' in html  # what was typed is kept
    subject.refresh_from_db()
    assert (subject.phone, subject.last_name) == ("+4541111111", "Kristensen")
    assert AuditEvent.objects.filter(action="user_updated").count() == 1


def test_the_service_refuses_a_stale_version(subject, org_admin):
    stale = lifecycle.user_version(subject)
    User.objects.filter(pk=subject.pk).update(first_name="Anden")
    with pytest.raises(RuleError) as exc:
        lifecycle.user_edit(
            user=subject,
            version=stale,
            first_name="Lise",
            last_name="Holm",
            email=subject.email,
            phone=subject.phone,
            actor=org_admin,
        )
    assert exc.value.code == lifecycle.STALE
    subject.refresh_from_db()
    assert subject.last_name == "Kristensen"


# --- Suspend and reactivate --------------------------------------------------------------------


def test_suspension_ends_the_users_sessions_at_once_and_audits_who_and_why(
    admin_client, subject, org_admin
):
    own = Client()
    own.force_login(subject)
    other = Client()
    other.force_login(org_admin)  # someone else's session is left alone
    sessions_before = UserSession.objects.count()

    response = admin_client.post(
        reverse("users:suspend", args=[subject.pk]), {"reason": "Fratrådt midlertidigt"}
    )
    assert response.status_code == 302
    subject.refresh_from_db()
    assert subject.state == User.State.SUSPENDED
    assert UserSession.objects.count() == sessions_before - 1
    page = own.get(reverse("portal:home"))
    assert not page.wsgi_request.user.is_authenticated
    event = AuditEvent.objects.get(action="user_suspended")
    assert event.actor_name == "Hanne Admin"
    assert event.changes["reason"] == "Fratrådt midlertidigt"
    assert event.changes["sessions_ended"] == 1
    assert event.ip_address == "127.0.0.1"


def test_a_suspended_user_is_not_signed_in_by_the_portal_login(admin_client, organisation):
    account = MitIDAccountFactory(username="lise.spaerret")
    user = UserFactory(organisation=organisation, cpr=account.person.cpr, uses_private_mitid=True)
    before = _login_through_mitid(Client(), "lise.spaerret")
    assert before.context["request"].user == user
    admin_client.post(reverse("users:suspend", args=[user.pk]), {"reason": "Orlov"})
    page = _login_through_mitid(Client(), "lise.spaerret")
    assert not page.context["request"].user.is_authenticated
    admin_client.post(reverse("users:reactivate", args=[user.pk]))
    again = _login_through_mitid(Client(), "lise.spaerret")
    assert again.context["request"].user == user


def test_suspension_needs_a_reason(admin_client, subject):
    response = admin_client.post(reverse("users:suspend", args=[subject.pk]), {"reason": " "})
    assert response.status_code == 200
    subject.refresh_from_db()
    assert subject.state == User.State.ACTIVE
    assert not AuditEvent.objects.filter(action="user_suspended").exists()


def test_an_administrator_cannot_suspend_themselves(admin_client, org_admin, second_admin):
    response = admin_client.post(reverse("users:suspend", args=[org_admin.pk]), {"reason": "x"})
    assert "Du kan ikke suspendere eller lukke din egen bruger." in response.content.decode()
    org_admin.refresh_from_db()
    assert org_admin.state == User.State.ACTIVE


def test_the_last_organisation_administrator_cannot_be_closed(organisation, org_admin):
    user_admin = RoleGrantFactory(
        user__organisation=organisation, role=RoleGrant.Role.ORGANISATION_ADMIN
    ).user
    lifecycle.user_suspend(user=user_admin, reason="Orlov", actor=org_admin)
    # org_admin is now the only working organisation administrator.
    with pytest.raises(RuleError) as exc:
        lifecycle.user_account_close(user=org_admin, reason="x", actor=user_admin)
    assert exc.value.code in ("last_admin", "self")
    other = RoleGrantFactory(
        user__organisation=organisation, role=RoleGrant.Role.ORGANISATION_ADMIN
    ).user
    lifecycle.user_suspend(user=other, reason="Orlov", actor=org_admin)
    with pytest.raises(RuleError) as exc:
        lifecycle.user_account_close(user=org_admin, reason="x", actor=other)
    assert exc.value.code == "last_admin"


def test_a_user_administrator_cannot_suspend_an_administrator(client, organisation, org_admin):
    user_admin = RoleGrantFactory(
        user__organisation=organisation, role=RoleGrant.Role.USER_ADMIN
    ).user
    client.force_login(user_admin)
    response = client.post(reverse("users:suspend", args=[org_admin.pk]), {"reason": "x"})
    assert "Kun en organisationsadministrator" in response.content.decode()
    org_admin.refresh_from_db()
    assert org_admin.state == User.State.ACTIVE


def test_a_user_administrator_suspends_and_reactivates_a_user(client, organisation, subject):
    user_admin = RoleGrantFactory(
        user__organisation=organisation, role=RoleGrant.Role.USER_ADMIN
    ).user
    client.force_login(user_admin)
    client.post(reverse("users:suspend", args=[subject.pk]), {"reason": "Orlov"})
    subject.refresh_from_db()
    assert subject.state == User.State.SUSPENDED
    response = client.post(reverse("users:reactivate", args=[subject.pk]))
    assert response.status_code == 302
    subject.refresh_from_db()
    assert subject.state == User.State.ACTIVE
    assert AuditEvent.objects.filter(action="user_reactivated", actor_user=user_admin).exists()


def test_a_rights_administrator_is_refused_and_nothing_happens(client, organisation, subject):
    rights_admin = RoleGrantFactory(
        user__organisation=organisation, role=RoleGrant.Role.RIGHTS_ADMIN
    ).user
    client.force_login(rights_admin)
    response = client.post(reverse("users:suspend", args=[subject.pk]), {"reason": "x"})
    assert response.status_code == 403
    subject.refresh_from_db()
    assert subject.state == User.State.ACTIVE


def test_an_outsider_gets_404_for_another_organisations_user(client, subject):
    outsider = RoleGrantFactory(role=RoleGrant.Role.ORGANISATION_ADMIN).user
    client.force_login(outsider)
    for name in ("users:edit", "users:suspend", "activation:user_close"):
        assert client.get(reverse(name, args=[subject.pk])).status_code == 404
    assert client.post(reverse("users:reactivate", args=[subject.pk])).status_code == 404
    assert (
        client.post(reverse("users:suspend", args=[subject.pk]), {"reason": "x"}).status_code == 404
    )
    subject.refresh_from_db()
    assert subject.state == User.State.ACTIVE


# --- Close -------------------------------------------------------------------------------------


def test_closing_ends_logins_means_roles_and_sessions_and_keeps_the_row(
    admin_client, organisation, org_admin
):
    account = MitIDAccountFactory(username="lukkes")
    user = UserFactory(
        organisation=organisation,
        cpr=account.person.cpr,
        first_name="Ole",
        uses_private_mitid=True,
    )
    RoleGrantFactory(user=user, role=RoleGrant.Role.RIGHTS_ADMIN)
    means = BoundMeans.objects.create(user=user, kind=BoundMeans.Kind.PRIVATE)
    own = Client()
    assert _login_through_mitid(own, "lukkes").context["request"].user == user

    response = admin_client.post(
        reverse("activation:user_close", args=[user.pk]), {"reason": "Fratrådt"}
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert (user.state, user.is_active) == (User.State.CLOSED, False)
    means.refresh_from_db()
    assert means.removed_at is not None
    assert not RoleGrant.objects.filter(user=user).exists()
    assert not own.get(reverse("portal:home")).wsgi_request.user.is_authenticated
    event = AuditEvent.objects.get(action="user_closed")
    assert event.changes["roles_removed"] == ["rights_admin"]
    assert event.changes["means_removed"] == 1
    assert event.changes["reason"] == "Fratrådt"

    page = _login_through_mitid(Client(), "lukkes")
    assert not page.context["request"].user.is_authenticated
    # The row stays, and the page says the user is closed.
    detail = admin_client.get(reverse("users:detail", args=[user.pk])).content.decode()
    assert "Brugeren er lukket" in detail
    edit = admin_client.post(
        reverse("users:edit", args=[user.pk]), _edit_data(user, phone="+4533333333")
    )
    assert "Brugeren er lukket og kan ikke redigeres." in edit.content.decode()


def test_closing_stops_a_pending_activation(admin_client, organisation):
    user = UserFactory(organisation=organisation, state=User.State.AWAITING)
    invitation = _invitation(user)
    admin_client.post(reverse("activation:user_close", args=[user.pk]), {"reason": "Fejloprettet"})
    invitation.refresh_from_db()
    assert invitation.state == Invitation.State.CANCELLED


# --- Resend activation and new code ------------------------------------------------------------


def _invitation(user, *, code=True) -> Invitation:
    return Invitation.objects.create(
        user=user,
        organisation=user.organisation,
        token_hash=crypto.keyed_hash(crypto.random_token(), purpose=TOKEN_PURPOSE),
        code_hash=crypto.keyed_hash("12345678", purpose=CODE_PURPOSE) if code else "",
        expires_at=timezone.now() + datetime.timedelta(days=30),
    )


def test_resend_activation_from_brugerinformation_sends_a_new_link(admin_client, organisation):
    user = UserFactory(organisation=organisation, state=User.State.AWAITING)
    old = _invitation(user)
    html = admin_client.get(reverse("users:detail", args=[user.pk])).content.decode()
    assert reverse("activation:user_resend_activation", args=[user.pk]) in html
    response = admin_client.post(reverse("activation:user_resend_activation", args=[user.pk]))
    assert response.status_code == 302
    old.refresh_from_db()
    assert old.state == Invitation.State.REPLACED
    assert Invitation.objects.filter(user=user, state=Invitation.State.LIVE).count() == 1
    assert OutboundEmail.objects.filter(to=user.email).exists()
    assert AuditEvent.objects.filter(action="activation_link_resent").exists()


def test_new_code_from_brugerinformation_is_shown_once(admin_client, organisation):
    user = UserFactory(organisation=organisation, state=User.State.AWAITING)
    invitation = _invitation(user)
    response = admin_client.post(reverse("activation:user_new_code", args=[user.pk]))
    assert response.status_code == 200
    code = response.context["code"]
    assert re.fullmatch(r"\d{8}", code)
    invitation.refresh_from_db()
    assert crypto.hashes_match(code, invitation.code_hash, purpose=CODE_PURPOSE)
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


def test_resend_without_a_pending_activation_says_so(admin_client, subject):
    response = admin_client.post(
        reverse("activation:user_resend_activation", args=[subject.pk]), follow=True
    )
    assert "Brugeren afventer ikke aktivering." in response.content.decode()


def test_outsiders_cannot_resend_another_organisations_activation(client, organisation):
    user = UserFactory(organisation=organisation, state=User.State.AWAITING)
    invitation = _invitation(user)
    outsider = RoleGrantFactory(
        user__organisation=OrganisationFactory(), role=RoleGrant.Role.ORGANISATION_ADMIN
    ).user
    client.force_login(outsider)
    assert (
        client.post(reverse("activation:user_resend_activation", args=[user.pk])).status_code == 404
    )
    assert client.post(reverse("activation:user_new_code", args=[user.pk])).status_code == 404
    invitation.refresh_from_db()
    assert invitation.state == Invitation.State.LIVE
