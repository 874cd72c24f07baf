"""Bulk activation (G4.1–G4.7): the wizard's steps and words, the emails, the rules."""

import re

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from activation import services
from activation.models import Invitation
from mitid_portal.errors import RuleError
from mitid_portal.models import AuditEvent, OutboundEmail
from tests.activation.factories import BirthDateUserFactory, ImportedUserFactory
from users.models import User

pytestmark = pytest.mark.django_db(transaction=True)

LINK = re.compile(r"http://[^\s\"<]+/aktiver/link/([A-Za-z0-9_-]+)/")


def _walk(client, ids, means=None):
    response = client.post(reverse("activation:bulk_start"), {"user": ids})
    assert response.url == reverse("activation:bulk_means")
    page = client.get(response.url)
    if means is None:
        means = ["kodeviser"]
    response = client.post(reverse("activation:bulk_means"), {"means": means})
    assert response.url == reverse("activation:bulk_confirm")
    return page


def test_the_wizard_uses_the_guides_words_step_by_step(admin_client, organisation):
    users = ImportedUserFactory.create_batch(3, organisation=organisation)
    page = _walk(admin_client, [u.pk for u in users]).content.decode()
    assert "<h1>Vælg identifikationsmidler</h1>" in page
    assert ">Næste</button>" in page
    assert "3 brugere" in page

    page = admin_client.get(reverse("activation:bulk_confirm")).content.decode()
    assert "<h1>Bekræft og start aktivering af brugere</h1>" in page
    assert ">Aktivér brugere</button>" in page
    assert re.search(r'data-testid="count">3<', page)
    assert "MitID kodeviser" in page

    response = admin_client.post(reverse("activation:bulk_confirm"))
    assert response.url == reverse("activation:bulk_receipt")
    page = admin_client.get(response.url).content.decode()
    assert "<h1>Kvittering</h1>" in page
    assert "Aktiveringen er startet for 3 brugere." in page
    assert "e-mail med et aktiveringslink" in page and "30 dage" in page
    assert ">Afslut</button>" in page

    response = admin_client.post(reverse("activation:bulk_finish"))
    assert response.status_code == 302
    assert admin_client.get(reverse("activation:bulk_receipt")).status_code == 302


def test_only_allowed_means_are_offered_and_the_preferred_is_marked(admin_client, organisation):
    organisation.allowed_means = ["app", "kodeviser", "chip"]
    organisation.preferred_means = "kodeviser"
    organisation.allow_private_mitid = False
    organisation.save()
    user = ImportedUserFactory(organisation=organisation)
    admin_client.post(reverse("activation:bulk_start"), {"user": [user.pk]})
    page = admin_client.get(reverse("activation:bulk_means")).content.decode()
    offered = re.findall(r'name="means"[^>]*value="([a-z]+)"', page)
    assert offered == ["app", "kodeviser", "chip"]
    assert re.search(r'value="kodeviser" checked', page)
    assert not re.search(r'value="app" checked', page)
    assert "Privat MitID" not in page and "kodeoplæser" not in page

    organisation.allow_private_mitid = True
    organisation.save()
    page = admin_client.get(reverse("activation:bulk_means")).content.decode()
    assert re.findall(r'name="means"[^>]*value="([a-z]+)"', page)[0] == "private"
    assert "Privat MitID" in page


def test_a_means_the_organisation_does_not_allow_is_refused(admin_client, organisation):
    user = ImportedUserFactory(organisation=organisation)
    admin_client.post(reverse("activation:bulk_start"), {"user": [user.pk]})
    page = admin_client.post(reverse("activation:bulk_means"), {"means": ["kodeoplaeser"]})
    assert page.status_code == 200
    assert "form-error-message" in page.content.decode()
    page = admin_client.post(reverse("activation:bulk_means"), {})
    assert "Vælg mindst ét identifikationsmiddel." in page.content.decode()
    with pytest.raises(RuleError):
        services.users_activation_start(
            organisation=organisation, users=[user], means=["kodeoplaeser"], actor=None
        )
    assert User.objects.get(pk=user.pk).state == User.State.IMPORTED


def test_users_await_activation_and_get_one_email_each(admin_client, organisation):
    users = ImportedUserFactory.create_batch(2, organisation=organisation)
    users.append(BirthDateUserFactory(organisation=organisation))
    _walk(admin_client, [u.pk for u in users], means=["app", "kodeviser"])
    admin_client.post(reverse("activation:bulk_confirm"))

    for user in users:
        user.refresh_from_db()
        assert user.state == User.State.AWAITING
        assert user.get_state_display() == "Afventer aktivering"
        assert user.means == ["app", "kodeviser"]
        invitation = Invitation.objects.get(user=user)
        assert invitation.state == Invitation.State.LIVE
        assert (invitation.expires_at - timezone.now()).days in (29, 30)
        assert bool(invitation.code_hash) == (not user.cpr)

    assert sorted(m.to[0] for m in mail.outbox) == sorted(u.email for u in users)
    expiry = Invitation.objects.first().expires_at
    for message in mail.outbox:
        user = next(u for u in users if u.email == message.to[0])
        assert message.subject == (
            "Aktivér din bruger i MitID Erhverv hos Lægehuset Vestergade I/S"
        )
        assert f"Kære {user.full_name}" in message.body
        assert "Lægehuset Vestergade I/S" in message.body
        assert "30 dage" in message.body
        day = timezone.localtime(expiry)
        assert f"til og med {day.day}. " in message.body and str(day.year) in message.body
        (token,) = LINK.findall(message.body)
        invitation = Invitation.objects.get(user=user)
        assert invitation.token_hash == services.start.crypto.keyed_hash(
            token, purpose="activation-link"
        )
        html = message.alternatives[0][0]
        assert token in html and "Lægehuset Vestergade I/S" in html
        needs_code = "midlertidig aktiveringskode på 8 cifre" in message.body
        assert needs_code == (not user.cpr)
        assert not re.search(r"\b\d{8}\b", message.body.replace(str(organisation.cvr), ""))

    event = AuditEvent.objects.get(action="users_activation_started")
    assert event.changes["count"] == 3
    assert event.changes["means"] == ["app", "kodeviser"]
    assert event.organisation == organisation


def test_the_emailed_link_shows_the_landing_page_and_changes_nothing(admin_client, organisation):
    user = ImportedUserFactory(organisation=organisation)
    _walk(admin_client, [user.pk])
    admin_client.post(reverse("activation:bulk_confirm"))
    (token,) = LINK.findall(mail.outbox[0].body)
    before = Invitation.objects.values().get(user=user)
    admin_client.logout()

    page = admin_client.get(reverse("employee:link", args=[token]), follow=True)
    assert page.redirect_chain == [(reverse("employee:start"), 302)]  # the token leaves the URL
    assert "Aktivér din bruger" in page.content.decode()
    assert Invitation.objects.values().get(user=user) == before
    assert User.objects.get(pk=user.pk).state == User.State.AWAITING

    assert (
        admin_client.get(reverse("employee:link", args=["x" * 43]), follow=True).status_code == 404
    )


def test_double_submit_gives_one_invitation_and_one_email_per_user(admin_client, organisation):
    users = ImportedUserFactory.create_batch(3, organisation=organisation)
    _walk(admin_client, [u.pk for u in users])
    first = admin_client.post(reverse("activation:bulk_confirm"))
    second = admin_client.post(reverse("activation:bulk_confirm"))
    assert first.url == second.url == reverse("activation:bulk_receipt")
    assert Invitation.objects.count() == 3
    assert OutboundEmail.objects.count() == 3
    assert len(mail.outbox) == 3

    # The service itself refuses users that are no longer imported, whoever calls it.
    with pytest.raises(RuleError) as refused:
        services.users_activation_start(
            organisation=organisation, users=users, means=["app"], actor=None
        )
    assert refused.value.code == "not_imported"
    assert Invitation.objects.count() == 3


def test_a_replayed_selection_after_the_first_start_changes_nothing(admin_client, organisation):
    users = ImportedUserFactory.create_batch(2, organisation=organisation)
    _walk(admin_client, [u.pk for u in users])
    admin_client.post(reverse("activation:bulk_confirm"))
    # The same selection posted again from a stale list page.
    _walk(admin_client, [u.pk for u in users])
    page = admin_client.get(reverse("activation:bulk_confirm")).content.decode()
    assert re.search(r'data-testid="count">0<', page)
    admin_client.post(reverse("activation:bulk_confirm"))
    assert Invitation.objects.count() == 2 and len(mail.outbox) == 2


def test_foreign_ids_are_404_and_nothing_is_done(admin_client, organisation):
    mine = ImportedUserFactory(organisation=organisation)
    theirs = ImportedUserFactory()
    response = admin_client.post(reverse("activation:bulk_start"), {"user": [mine.pk, theirs.pk]})
    assert response.status_code == 404
    assert admin_client.get(reverse("activation:bulk_means")).status_code == 302
    response = admin_client.post(reverse("activation:bulk_start"), {"user": [999999]})
    assert response.status_code == 404
    with pytest.raises(RuleError) as refused:
        services.users_activation_start(
            organisation=organisation, users=[mine, theirs], means=["app"], actor=None
        )
    assert refused.value.code == "foreign"
    assert not Invitation.objects.exists() and not OutboundEmail.objects.exists()
    assert set(User.objects.values_list("state", flat=True)) <= {"imported", "active"}


def test_all_matching_a_search_selects_across_pages(admin_client, organisation):
    ImportedUserFactory.create_batch(3, organisation=organisation, last_name="Jensen")
    ImportedUserFactory(organisation=organisation, last_name="Hansen")
    ImportedUserFactory(last_name="Jensen")  # another organisation's
    admin_client.post(reverse("activation:bulk_start"), {"all_matching": "1", "q": "jensen"})
    admin_client.post(reverse("activation:bulk_means"), {"means": ["app"]})
    admin_client.post(reverse("activation:bulk_confirm"))
    assert Invitation.objects.count() == 3
    assert User.objects.get(last_name="Hansen").state == User.State.IMPORTED


def test_an_empty_selection_is_refused_with_a_message(admin_client, organisation):
    response = admin_client.post(reverse("activation:bulk_start"), {}, follow=True)
    assert "Markér mindst én bruger." in response.content.decode()


def test_a_user_administrator_may_and_a_rights_administrator_may_not(
    client, organisation, user_admin, rights_admin
):
    user = ImportedUserFactory(organisation=organisation)
    client.force_login(rights_admin)
    assert client.post(reverse("activation:bulk_start"), {"user": [user.pk]}).status_code == 403
    for name in ("bulk_means", "bulk_confirm", "bulk_receipt", "pending"):
        assert client.get(reverse(f"activation:{name}")).status_code == 403
    assert client.get(reverse("activation:single_start", args=[user.pk])).status_code == 403

    client.force_login(user_admin)
    _walk(client, [user.pk])
    client.post(reverse("activation:bulk_confirm"))
    assert Invitation.objects.filter(user=user).exists()


def test_anonymous_goes_to_the_login(client):
    response = client.get(reverse("activation:pending"))
    assert response.status_code == 302 and "log-paa" in response.url


def test_the_bulk_email_is_the_same_as_one_rendered_normally(organisation):
    from activation.emails import activation_link
    from activation.services.emails import LinkEmailBuilder

    user = BirthDateUserFactory(organisation=organisation, first_name="Åse <Ø>", last_name="Bøg")
    (invitation,) = services.users_activation_start(
        organisation=organisation, users=[user], means=["app"], actor=None
    )
    invitation = Invitation.objects.select_related("user", "organisation").get(pk=invitation.pk)
    built = LinkEmailBuilder(organisation=organisation, expires_at=invitation.expires_at).row(
        to=user.email, name=user.full_name, token="TOKEN", code_required=True, event_key="x"
    )
    rendered = activation_link(invitation=invitation, token="TOKEN", event_key="y")
    assert (built.subject, built.body_text, built.body_html) == (
        rendered.subject,
        rendered.body_text,
        rendered.body_html,
    )
    assert "Åse &lt;Ø&gt; Bøg" in built.body_html


def test_returned_invitations_and_queued_emails_carry_their_own_rows_primary_keys(organisation):
    """The bulk insert hands back primary keys in row order: each returned invitation is the row
    of its own user, and each queued email is the row that links to that invitation."""
    users = ImportedUserFactory.create_batch(7, organisation=organisation)
    users += BirthDateUserFactory.create_batch(3, organisation=organisation)
    invitations = services.users_activation_start(
        organisation=organisation, users=users, means=["app"], actor=None
    )
    assert len(invitations) == 10
    for invitation in invitations:
        stored = Invitation.objects.get(pk=invitation.pk)
        assert (stored.user_id, stored.token_hash, stored.code_hash) == (
            invitation.user_id,
            invitation.token_hash,
            invitation.code_hash,
        )
        email = OutboundEmail.objects.get(event_key=f"activation-link-{invitation.pk}")
        assert email.to == stored.user.email
        token = LINK.search(email.body_text).group(1)
        assert Invitation.objects.get(pk=invitation.pk) == _invitation_of_token(token)


def _invitation_of_token(token):
    from activation.employee.selectors import invitation_by_token

    return invitation_by_token(token=token)
