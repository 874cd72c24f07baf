"""*IdM-klienter*: the organisation administrator registers a local IdM, sees its secret once,
renews it and revokes the client; each act audited; other roles and organisations are refused."""

import pytest
from django.urls import reverse

from broker.models import Client
from mitid_portal.models import AuditEvent
from organisations.models import RoleGrant
from tests.factories import RoleGrantFactory
from tests.idm.conftest import make_org

pytestmark = pytest.mark.django_db
URL = "/organisation/idm-klienter/"


@pytest.fixture
def org(db):
    return make_org("Klient ApS")


def test_create_shows_the_secret_once(client, org):
    organisation, admin = org
    client.force_login(admin)
    page = client.get(URL)
    assert page.status_code == 200
    assert "Organisationen har endnu ingen IdM-klienter." in page.content.decode()
    response = client.post(URL, {"name": "  Entra   ID "})
    assert response.status_code == 200
    api_client = Client.objects.get(organisation=organisation)
    assert api_client.name == "Entra ID"
    assert api_client.kind == Client.Kind.IDM
    assert api_client.authorization_grant_type == Client.GRANT_CLIENT_CREDENTIALS
    secret = response.context["secret"]
    assert secret and secret in response.content.decode()
    assert api_client.client_secret != secret  # stored hashed
    assert api_client.client_id in response.content.decode()
    again = client.get(URL).content.decode()
    assert secret not in again and api_client.client_id in again
    event = AuditEvent.objects.get(action="api_client_created")
    assert event.organisation == organisation and event.target == "Entra ID"
    assert secret not in str(event.changes)


def test_empty_name_is_refused(client, org):
    client.force_login(org[1])
    response = client.post(URL, {"name": "   "})
    assert response.status_code == 400
    assert not Client.objects.exists()


def test_renew_and_revoke(client, org):
    organisation, admin = org
    client.force_login(admin)
    client.post(URL, {"name": "Okta"})
    api_client = Client.objects.get()
    old_hash = api_client.client_secret
    renewed = client.post(reverse("idm:client_renew", args=[api_client.pk]), {"confirmed": "1"})
    assert renewed.status_code == 200
    api_client.refresh_from_db()
    assert api_client.client_secret != old_hash
    assert renewed.context["secret"] in renewed.content.decode()
    revoked = client.post(
        reverse("idm:client_revoke", args=[api_client.pk]), {"confirmed": "1"}, follow=True
    )
    api_client.refresh_from_db()
    assert api_client.revoked_at is not None
    assert "Spærret" in revoked.content.decode()
    renew_again = client.post(reverse("idm:client_renew", args=[api_client.pk]), {"confirmed": "1"})
    assert renew_again.status_code == 302
    actions = list(
        AuditEvent.objects.filter(organisation=organisation)
        .filter(action__startswith="api_client")
        .values_list("action", flat=True)
        .order_by("pk")
    )
    assert actions == ["api_client_created", "api_client_secret_renewed", "api_client_revoked"]


@pytest.mark.parametrize("role", [RoleGrant.Role.USER_ADMIN, RoleGrant.Role.RIGHTS_ADMIN])
def test_only_the_organisation_administrator(client, org, role):
    organisation, admin = org
    other = RoleGrantFactory(user__organisation=organisation, role=role).user
    client.force_login(other)
    assert client.get(URL).status_code == 403
    assert client.post(URL, {"name": "X"}).status_code == 403
    assert not Client.objects.exists()
    assert AuditEvent.objects.filter(action="permission_denied", actor_user=other).exists()


def test_another_organisations_client_is_404(client, org):
    organisation, admin = org
    other_org, other_admin = make_org("Anden A/S")
    client.force_login(other_admin)
    client.post(URL, {"name": "Andens IdM"})
    theirs = Client.objects.get()
    client.force_login(admin)
    assert client.post(reverse("idm:client_renew", args=[theirs.pk])).status_code == 404
    assert client.post(reverse("idm:client_revoke", args=[theirs.pk])).status_code == 404
    assert "Andens IdM" not in client.get(URL).content.decode()
    theirs.refresh_from_db()
    assert theirs.revoked_at is None


def test_menu_item_for_the_organisation_administrator(client, org):
    client.force_login(org[1])
    assert URL in client.get(reverse("organisations:overview")).content.decode()
