"""Single activation (G5.2–G5.7): the user's data, the means, *Aktivér*, and *Vis* once."""

import re

import pytest
from django.core import mail
from django.db import connection
from django.urls import reverse

from activation import services
from activation.models import Invitation
from mitid_portal import crypto
from mitid_portal.models import AuditEvent
from tests.activation.factories import BirthDateUserFactory, ImportedUserFactory
from users.models import User

pytestmark = pytest.mark.django_db(transaction=True)

CODE = re.compile(r'data-testid="activation-code">(\d{8})<')


def test_the_page_shows_the_users_data_and_the_means_choice(admin_client, organisation):
    user = ImportedUserFactory(organisation=organisation, first_name="Ida", last_name="Holm")
    page = admin_client.get(reverse("activation:single_start", args=[user.pk])).content.decode()
    assert "Brugerinformation" in page and "Ida Holm" in page
    assert user.masked_cpr in page and user.cpr not in page
    assert "Spørg brugeren, om de vil bruge deres private MitID" in page
    assert "Særskilt MitID til erhvervsbrug" in page
    assert re.findall(r'name="devices"[^>]*value="([a-z]+)"', page) == ["app", "kodeviser", "chip"]
    assert ">Aktivér</button>" in page
    assert "autentificere sig med sit private MitID én gang" in page

    organisation.allow_private_mitid = False
    organisation.save()
    page = admin_client.get(reverse("activation:single_start", args=[user.pk])).content.decode()
    assert 'value="private"' not in page


def test_a_cpr_user_activates_with_private_mitid_and_needs_no_code(admin_client, organisation):
    user = ImportedUserFactory(organisation=organisation)
    response = admin_client.post(
        reverse("activation:single_start", args=[user.pk]), {"kind": "private"}
    )
    invitation = Invitation.objects.get(user=user)
    assert response.url == reverse("activation:invitation", args=[invitation.pk])
    assert invitation.means == ["private"] and invitation.code_hash == ""
    page = admin_client.get(response.url).content.decode()
    assert "<h1>Brugeren er oprettet og skal aktiveres</h1>" in page
    assert "Der skal ikke bruges en aktiveringskode." in page
    assert ">Vis</button>" not in page
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [user.email]
    assert User.objects.get(pk=user.pk).state == User.State.AWAITING


def test_a_separate_mitid_needs_at_least_one_device(admin_client, organisation):
    user = ImportedUserFactory(organisation=organisation)
    url = reverse("activation:single_start", args=[user.pk])
    page = admin_client.post(url, {"kind": "separate"})
    assert "Vælg mindst ét identifikationsmiddel." in page.content.decode()
    admin_client.post(url, {"kind": "separate", "devices": ["app", "chip"]})
    assert Invitation.objects.get(user=user).means == ["app", "chip"]


def test_a_birth_date_user_gets_a_code_shown_once_and_never_stored_in_clear(
    admin_client, organisation, org_admin
):
    user = BirthDateUserFactory(organisation=organisation)
    response = admin_client.post(
        reverse("activation:single_start", args=[user.pk]),
        {"kind": "separate", "devices": ["kodeviser"]},
    )
    page = admin_client.get(response.url).content.decode()
    assert "<h1>Brugeren er oprettet og skal aktiveres med midlertidig aktiveringskode</h1>" in page
    invitation = Invitation.objects.get(user=user)
    assert ">Vis</button>" in page

    page = admin_client.post(reverse("activation:code_reveal", args=[invitation.pk]))
    assert "no-store" in page["Cache-Control"]
    body = page.content.decode()
    (code,) = CODE.findall(body)
    assert "overdrages til brugeren på en sikker måde" in body
    assert (
        "Husk at gemme den midlertidige aktiveringskode indtil brugeren har aktiveret sig selv"
        in body
    )

    invitation.refresh_from_db()
    assert invitation.code_revealed_at is not None
    assert crypto.hashes_match(code, invitation.code_hash, purpose="activation-code")
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM activation_invitation WHERE id = %s", [invitation.pk])
        row = cursor.fetchone()
    assert not any(code in str(value) for value in row)
    assert code not in str(dict(admin_client.session))
    assert code not in str(list(AuditEvent.objects.values()))
    assert code not in mail.outbox[0].body and code not in mail.outbox[0].alternatives[0][0]

    # *Vis* a second time shows nothing; the page offers *Ny kode*.
    again = admin_client.post(reverse("activation:code_reveal", args=[invitation.pk]), follow=True)
    assert not CODE.findall(again.content.decode())
    assert "Koden er allerede vist." in again.content.decode()
    assert ">Ny kode</button>" in again.content.decode()
    assert AuditEvent.objects.filter(action="activation_code_revealed").count() == 1
    event = AuditEvent.objects.get(action="activation_code_revealed")
    assert event.actor_user == org_admin and event.target == user.full_name


def test_a_new_code_replaces_the_old_and_keeps_the_failure_count(admin_client, organisation):
    user = BirthDateUserFactory(organisation=organisation)
    (invitation,) = services.users_activation_start(
        organisation=organisation, users=[user], means=["app"], actor=None
    )
    first = CODE.findall(
        admin_client.post(reverse("activation:code_reveal", args=[invitation.pk])).content.decode()
    )[0]
    Invitation.objects.filter(pk=invitation.pk).update(code_failures=2)
    second = CODE.findall(
        admin_client.post(reverse("activation:code_new", args=[invitation.pk])).content.decode()
    )[0]
    invitation.refresh_from_db()
    assert crypto.hashes_match(second, invitation.code_hash, purpose="activation-code")
    assert first == second or not crypto.hashes_match(
        first, invitation.code_hash, purpose="activation-code"
    )
    assert invitation.code_failures == 2
    assert AuditEvent.objects.filter(action="activation_code_renewed").count() == 1


def test_a_cpr_user_has_no_code_to_show(admin_client, organisation):
    user = ImportedUserFactory(organisation=organisation)
    (invitation,) = services.users_activation_start(
        organisation=organisation, users=[user], means=["app"], actor=None
    )
    page = admin_client.post(reverse("activation:code_reveal", args=[invitation.pk]), follow=True)
    assert not CODE.findall(page.content.decode())
    assert "Brugeren skal ikke bruge en aktiveringskode." in page.content.decode()


def test_another_organisations_user_and_invitation_are_404(admin_client):
    theirs = BirthDateUserFactory()
    url = reverse("activation:single_start", args=[theirs.pk])
    assert admin_client.get(url).status_code == 404
    assert admin_client.post(url, {"kind": "private"}).status_code == 404
    (invitation,) = services.users_activation_start(
        organisation=theirs.organisation, users=[theirs], means=["app"], actor=None
    )
    for name in ("invitation",):
        assert (
            admin_client.get(reverse(f"activation:{name}", args=[invitation.pk])).status_code == 404
        )
    for name in ("code_reveal", "code_new", "resend", "cancel"):
        response = admin_client.post(reverse(f"activation:{name}", args=[invitation.pk]))
        assert response.status_code == 404
    invitation.refresh_from_db()
    assert invitation.state == Invitation.State.LIVE and invitation.code_revealed_at is None


def test_a_double_click_on_aktiver_gives_one_invitation(admin_client, organisation):
    user = ImportedUserFactory(organisation=organisation)
    url = reverse("activation:single_start", args=[user.pk])
    first = admin_client.post(url, {"kind": "private"})
    second = admin_client.post(url, {"kind": "private"})
    assert first.url == second.url
    assert Invitation.objects.filter(user=user).count() == 1 and len(mail.outbox) == 1
