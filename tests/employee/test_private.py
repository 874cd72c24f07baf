"""Activation with private MitID from the link (G6.2–G6.7): identity match, the choice, the
8-digit code with its lock, single use, the notification email, throttling."""

from html import escape

import pytest
from django.core import mail
from django.urls import reverse

from activation.employee import services
from activation.models import BoundMeans, Invitation
from mitid_portal import crypto, ratelimit
from mitid_portal.models import AuditEvent, OutboundEmail
from tests.employee.factories import (
    InvitationFactory,
    birth_date_user_with_account,
    cpr_user_with_account,
)
from tests.factories import MitIDAccountFactory, UserFactory
from users.models import User

pytestmark = pytest.mark.django_db

TOKEN = "Vd8sK2mQ-7bN1xP4rT6yW9zA3cE5gH0jL2nR4tU6wY8"
CODE = "48213907"


def _open(client, invitation_token=TOKEN):
    response = client.get(reverse("employee:link", args=[invitation_token]))
    assert response.status_code == 302


def _through_login(client, mitid_login, username):
    _open(client)
    return mitid_login(client, username)


def _assert_nothing_activated(invitation):
    invitation.refresh_from_db()
    invitation.user.refresh_from_db()
    assert invitation.state == Invitation.State.LIVE
    assert invitation.user.state == User.State.AWAITING
    assert not invitation.user.uses_private_mitid
    assert not BoundMeans.objects.filter(user=invitation.user).exists()
    assert not AuditEvent.objects.filter(action="user_activated").exists()


# --- CPR user ------------------------------------------------------------------------------


def test_cpr_user_with_private_mitid_needs_no_code(
    client, mitid_login, django_capture_on_commit_callbacks
):
    user, _account = cpr_user_with_account("lars.holm")
    invitation = InvitationFactory(user=user, token=TOKEN)

    callback = _through_login(client, mitid_login, "lars.holm")
    assert callback.status_code == 302 and callback.url == reverse("employee:choose")
    choose = client.get(callback.url)
    html = choose.content.decode()
    assert "Vil du bruge dit private MitID" in html
    assert user.cpr not in str(dict(client.session))

    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(reverse("employee:choose"), {"use_private": "yes"})
    assert done.url == reverse("employee:receipt")
    receipt = client.get(done.url).content.decode()
    assert "Kvittering" in receipt
    assert escape(invitation.organisation.name) in receipt
    assert escape(user.full_name) in receipt
    assert "Privat MitID" in receipt

    invitation.refresh_from_db()
    user.refresh_from_db()
    assert invitation.state == Invitation.State.USED and invitation.used_at
    assert user.state == User.State.ACTIVE and user.uses_private_mitid
    assert BoundMeans.objects.get(user=user).kind == "private"
    event = AuditEvent.objects.get(action="user_activated")
    assert event.organisation == invitation.organisation
    assert user.cpr not in str(event.changes) + event.target

    (message,) = mail.outbox
    assert message.to == [user.email]
    assert message.subject.startswith("Et identifikationsmiddel er tilføjet")
    assert "Privat MitID" in message.body
    assert invitation.organisation.name in message.body
    assert "activation_invitation_id" not in client.session
    assert "employee_identity" not in client.session


def test_a_reload_or_back_after_success_never_activates_twice(client, mitid_login):
    user, _account = cpr_user_with_account("lars.holm")
    InvitationFactory(user=user, token=TOKEN)
    _through_login(client, mitid_login, "lars.holm")
    client.post(reverse("employee:choose"), {"use_private": "yes"})

    again = client.post(reverse("employee:choose"), {"use_private": "yes"})
    assert again.url == reverse("employee:receipt")
    assert client.get(reverse("employee:choose")).url == reverse("employee:receipt")
    assert client.get(reverse("employee:receipt")).status_code == 200
    assert client.get(reverse("employee:receipt")).status_code == 200
    assert BoundMeans.objects.filter(user=user).count() == 1
    assert AuditEvent.objects.filter(action="user_activated").count() == 1
    assert OutboundEmail.objects.count() == 1
    # The link itself is spent now.
    reopened = client.get(reverse("employee:link", args=[TOKEN]), follow=True)
    assert "Din bruger er allerede aktiveret" in reopened.content.decode()


def test_the_service_refuses_a_second_activation():
    user, account = cpr_user_with_account("lars.holm")
    invitation = InvitationFactory(user=user, token=TOKEN)
    identity = _identity(account)
    services.employee_activate_private(invitation_id=invitation.pk, identity=identity)
    with pytest.raises(services.RuleError) as exc:
        services.employee_activate_private(invitation_id=invitation.pk, identity=identity)
    assert exc.value.code == "used"
    assert BoundMeans.objects.filter(user=user).count() == 1


def _identity(account):
    from mitid_portal.outside import Identity

    person = account.person
    return Identity(
        cpr=person.cpr,
        first_name=person.first_name,
        last_name=person.last_name,
        birth_date=person.birth_date,
    )


def test_another_persons_private_mitid_is_refused(client, mitid_login):
    user, _account = cpr_user_with_account("lars.holm")
    MitIDAccountFactory(username="fremmed.person")
    invitation = InvitationFactory(user=user, token=TOKEN)

    response = _through_login(client, mitid_login, "fremmed.person")

    assert response.status_code == 403
    html = response.content.decode()
    assert "passer ikke til den bruger" in html
    assert "employee_identity" not in client.session
    _assert_nothing_activated(invitation)
    event = AuditEvent.objects.get(action="activation_identity_mismatch")
    assert event.organisation == invitation.organisation
    # The next steps cannot be reached without a matching identity.
    assert client.get(reverse("employee:choose")).url == reverse("employee:start")
    assert client.post(reverse("employee:choose"), {"use_private": "yes"}).url == reverse(
        "employee:start"
    )
    _assert_nothing_activated(invitation)


def test_a_forged_return_from_the_broker_is_refused(client):
    user, _account = cpr_user_with_account("lars.holm")
    invitation = InvitationFactory(user=user, token=TOKEN)
    _open(client)
    client.post(reverse("employee:login"))
    response = client.get(
        reverse("employee:callback"), {"code": "forged", "state": "forged"}, follow=True
    )
    assert "Login med dit private MitID mislykkedes" in response.content.decode()
    assert "employee_identity" not in client.session
    _assert_nothing_activated(invitation)


def test_a_rejected_app_approval_leaves_the_user_inactive(client, mitid_login):
    user, _account = cpr_user_with_account("lars.holm")
    invitation = InvitationFactory(user=user, token=TOKEN)
    _open(client)
    response = mitid_login(client, "lars.holm", approve=False)
    assert response.status_code == 403
    _assert_nothing_activated(invitation)


def test_choosing_no_hands_over_to_the_separate_mitid(client, mitid_login):
    user, _account = cpr_user_with_account("lars.holm")
    invitation = InvitationFactory(user=user, token=TOKEN)
    _through_login(client, mitid_login, "lars.holm")
    response = client.post(reverse("employee:choose"), {"use_private": "no"})
    assert response.url == reverse("separate:start")
    # The separate journey finds the link and the confirmed identity in the session.
    assert client.session["activation_invitation_id"] == invitation.pk
    assert client.session["employee_identity"]["invitation_id"] == invitation.pk
    _assert_nothing_activated(invitation)


@pytest.mark.parametrize(
    ("allow", "means"), [(False, ["private", "app"]), (True, ["app"])], ids=["org", "admin"]
)
def test_private_mitid_is_not_offered_unless_allowed(client, mitid_login, allow, means):
    user, account = cpr_user_with_account("lars.holm")
    user.organisation.allow_private_mitid = allow
    user.organisation.save()
    invitation = InvitationFactory(user=user, token=TOKEN, means=means)
    _through_login(client, mitid_login, "lars.holm")
    assert client.get(reverse("employee:choose")).url == reverse("separate:start")
    assert client.post(reverse("employee:choose"), {"use_private": "yes"}).url == reverse(
        "separate:start"
    )
    with pytest.raises(services.RuleError):
        services.employee_activate_private(invitation_id=invitation.pk, identity=_identity(account))
    _assert_nothing_activated(invitation)


def test_the_choice_is_required(client, mitid_login):
    user, _account = cpr_user_with_account("lars.holm")
    InvitationFactory(user=user, token=TOKEN)
    _through_login(client, mitid_login, "lars.holm")
    response = client.post(reverse("employee:choose"), {})
    assert "Vælg, om du vil bruge dit private MitID." in response.content.decode()


# --- Birth-date user: the 8-digit code (G6.6) ------------------------------------------------


def _birth_date_invitation(**kwargs):
    user, account = birth_date_user_with_account("kirsten.foed")
    return InvitationFactory(user=user, token=TOKEN, code=CODE, **kwargs), account


def _to_code_page(client, mitid_login):
    callback = _through_login(client, mitid_login, "kirsten.foed")
    assert callback.url == reverse("employee:choose"), callback
    response = client.post(reverse("employee:choose"), {"use_private": "yes"})
    assert response.url == reverse("employee:code")


def test_birth_date_user_matches_on_name_and_birth_date_and_needs_the_code(client, mitid_login):
    invitation, account = _birth_date_invitation()
    User.objects.filter(pk=invitation.user_id).update(
        first_name=account.person.first_name.upper(), last_name=account.person.last_name.lower()
    )
    _to_code_page(client, mitid_login)
    page = client.get(reverse("employee:code")).content.decode()
    assert "Indtast aktiveringskoden på 8 cifre" in page

    done = client.post(reverse("employee:code"), {"code": CODE})
    assert done.url == reverse("employee:receipt")
    user = User.objects.get(pk=invitation.user_id)
    assert user.state == User.State.ACTIVE and user.uses_private_mitid
    # The private MitID is bound by CPR so the portal's login finds the user again.
    assert user.cpr_hash == crypto.cpr_hash(account.person.cpr)


def test_birth_date_user_with_another_birth_date_is_refused(client, mitid_login):
    invitation, account = _birth_date_invitation()
    User.objects.filter(pk=invitation.user_id).update(
        birth_date=account.person.birth_date.replace(year=account.person.birth_date.year - 1)
    )
    response = _through_login(client, mitid_login, "kirsten.foed")
    assert response.status_code == 403
    _assert_nothing_activated(invitation)


def test_birth_date_user_with_another_name_is_refused(client, mitid_login):
    invitation, _account = _birth_date_invitation()
    User.objects.filter(pk=invitation.user_id).update(first_name="Helt", last_name="Anden")
    response = _through_login(client, mitid_login, "kirsten.foed")
    assert response.status_code == 403
    _assert_nothing_activated(invitation)


def test_three_wrong_codes_lock_it_and_a_fourth_correct_try_fails(client, mitid_login):
    invitation, _account = _birth_date_invitation()
    _to_code_page(client, mitid_login)
    first = client.post(reverse("employee:code"), {"code": "11111111"})
    assert "Du har 2 forsøg tilbage" in first.content.decode()
    assert 'value="11111111"' in first.content.decode()
    second = client.post(reverse("employee:code"), {"code": "22222222"})
    assert "Du har 1 forsøg tilbage" in second.content.decode()
    third = client.post(reverse("employee:code"), {"code": "33333333"})
    assert third.status_code == 403
    assert "Aktiveringskoden er spærret" in third.content.decode()

    fourth = client.post(reverse("employee:code"), {"code": CODE})
    assert fourth.status_code == 403
    html = fourth.content.decode()
    assert "Kun en ny aktiveringskode fra din brugeradministrator kan hjælpe" in html
    invitation.refresh_from_db()
    assert invitation.code_failures == 3
    _assert_nothing_activated(invitation)
    # The service itself refuses as well, whatever the page does.
    with pytest.raises(services.RuleError) as exc:
        services.employee_activate_private(
            invitation_id=invitation.pk, identity=_identity(_account), code=CODE
        )
    assert exc.value.code == "locked"


def test_the_failure_count_survives_a_new_link(client, mitid_login):
    old, account = _birth_date_invitation(code_failures=2, state="replaced")
    Invitation.objects.filter(pk=old.pk).update(token_hash="0" * 64)
    invitation = InvitationFactory(user=old.user, token=TOKEN, code=CODE, code_failures=2)
    _to_code_page(client, mitid_login)
    response = client.post(reverse("employee:code"), {"code": "12345678"})
    assert "Aktiveringskoden er spærret" in response.content.decode()
    invitation.refresh_from_db()
    assert invitation.code_failures == 3
    assert client.post(reverse("employee:code"), {"code": CODE}).status_code == 403
    _assert_nothing_activated(invitation)


@pytest.mark.parametrize("typed", ["1234567", "abcdefgh", "123456789", ""])
def test_malformed_codes_get_a_message_and_cost_no_try(client, mitid_login, typed):
    invitation, _account = _birth_date_invitation()
    _to_code_page(client, mitid_login)
    response = client.post(reverse("employee:code"), {"code": typed})
    html = response.content.decode()
    assert "Aktiveringskoden skal være 8 cifre." in html or "Indtast aktiveringskoden." in html
    if typed:
        assert f'value="{typed}"' in html
    invitation.refresh_from_db()
    assert invitation.code_failures == 0


def test_a_cpr_user_never_sees_the_code_page(client, mitid_login):
    user, _account = cpr_user_with_account("lars.holm")
    InvitationFactory(user=user, token=TOKEN)
    _through_login(client, mitid_login, "lars.holm")
    assert client.get(reverse("employee:code")).url == reverse("employee:choose")


def test_the_code_page_needs_the_choice_first(client, mitid_login):
    _birth_date_invitation()
    _through_login(client, mitid_login, "kirsten.foed")
    assert client.get(reverse("employee:code")).url == reverse("employee:choose")


# --- Limits ----------------------------------------------------------------------------------


def test_too_many_code_tries_from_one_address_are_throttled(client, mitid_login, settings):
    invitation, _account = _birth_date_invitation()
    _to_code_page(client, mitid_login)
    # The login's return counted once; malformed codes count as tries against the throttle.
    responses = [
        client.post(reverse("employee:code"), {"code": "x"})
        for _ in range(settings.LOGIN_RATE_LIMIT)
    ]
    assert responses[-1].status_code == 429
    assert "For mange forsøg" in responses[-1].content.decode()
    assert client.post(reverse("employee:code"), {"code": CODE}).status_code == 429
    _assert_nothing_activated(invitation)


def test_the_throttle_counts_per_invitation_across_addresses(settings):
    invitation = InvitationFactory(token=TOKEN)
    results = [
        services.activation_attempt_register(address=f"10.0.0.{n}", invitation_id=invitation.pk)
        for n in range(settings.LOGIN_RATE_LIMIT + 1)
    ]
    assert all(results[:-1]) and not results[-1]


def test_the_login_limit_is_read_from_the_settings(settings):
    """LOGIN_RATE_LIMIT attempts per LOGIN_RATE_WINDOW seconds (README, "Settings")."""
    settings.LOGIN_RATE_LIMIT = 2
    invitation = InvitationFactory(token=TOKEN)
    results = [
        services.activation_attempt_register(address="10.0.0.1", invitation_id=invitation.pk)
        for _ in range(3)
    ]
    assert results == [True, True, False]


def test_the_login_window_is_read_from_the_settings(settings, monkeypatch):
    windows = []
    real_add = ratelimit.rate_count_add
    monkeypatch.setattr(
        ratelimit,
        "rate_count_add",
        lambda *, key, window: windows.append(window) or real_add(key=key, window=window),
    )
    settings.LOGIN_RATE_WINDOW = 42
    services.activation_attempt_register(address="10.0.0.1", invitation_id=1)
    assert windows == [42, 42]


def test_a_new_code_from_the_administrator_unlocks_without_resetting_the_count(client, mitid_login):
    from activation.services import activation_code_renew

    invitation, _account = _birth_date_invitation()
    _to_code_page(client, mitid_login)
    for wrong in ("11111111", "22222222", "33333333"):
        client.post(reverse("employee:code"), {"code": wrong})
    assert client.post(reverse("employee:code"), {"code": CODE}).status_code == 403

    admin = UserFactory(organisation=invitation.organisation)
    new_code = activation_code_renew(invitation=invitation, actor=admin)
    invitation.refresh_from_db()
    assert invitation.code_failures == 3  # the total is kept
    assert client.post(reverse("employee:code"), {"code": CODE}).status_code == 200  # old: dead
    invitation.refresh_from_db()
    assert invitation.code_failures == 4 and invitation.code_failures_current == 1
    done = client.post(reverse("employee:code"), {"code": new_code})
    assert done.url == reverse("employee:receipt")
