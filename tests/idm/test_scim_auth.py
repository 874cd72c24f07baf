"""Who may call the SCIM API, and what they see: bad, expired and revoked tokens are 401, a token
without the scope ``scim`` is 403, a service provider's token is 401; a client of organisation A
gets 404 for every object of organisation B and cannot create users or groups in B."""

import base64
import datetime

import pytest
from django.test import Client as HttpClient
from django.utils import timezone

from broker.models import AccessToken
from idm.services import api_client_revoke, api_client_secret_renew
from organisations.models import UserGroup
from tests.factories import UserFactory
from tests.idm.conftest import Api, make_api, make_org, new_user, token_for
from users.models import User

pytestmark = pytest.mark.django_db

PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


def _unauthorised(response):
    assert response.status_code == 401, response.content
    assert response["Content-Type"] == "application/scim+json"
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert response.json()["status"] == "401"


def test_no_or_bad_token_is_401(api):
    _unauthorised(HttpClient().get("/scim/v2/Users"))
    _unauthorised(Api("not-a-token").get("Users"))
    _unauthorised(HttpClient().get("/scim/v2/Users", HTTP_AUTHORIZATION="Basic eDp5"))


def test_expired_token_is_401(api):
    AccessToken.objects.update(expires=timezone.now() - datetime.timedelta(seconds=1))
    _unauthorised(api.get("Users"))


def test_revoked_client_and_renewed_secret(api):
    assert api.get("Users").status_code == 200
    new_secret = api_client_secret_renew(client=api.client, actor=api.admin)
    _unauthorised(api.get("Users"))  # the tokens of the old secret ended
    fresh = Api(token_for(HttpClient(), api.client.client_id, new_secret))
    assert fresh.get("Users").status_code == 200
    api_client_revoke(client=api.client, actor=api.admin)
    _unauthorised(fresh.get("Users"))
    # The revoked client gets no new token either.
    basic = HttpClient().post(
        "/broker/token/",
        {"grant_type": "client_credentials", "scope": "scim"},
        HTTP_AUTHORIZATION="Basic "
        + base64.b64encode(f"{api.client.client_id}:{new_secret}".encode()).decode(),
    )
    assert basic.status_code == 401


def test_wrong_scope_is_403(api):
    # The token endpoint gives an IdM client no other scope; a token with another one (issued
    # before, say) is refused by the API with 403.
    AccessToken.objects.create(
        application=api.client,
        token="openid-only-token-0123456789abcdef",
        scope="openid",
        expires=timezone.now() + datetime.timedelta(minutes=5),
    )
    response = Api("openid-only-token-0123456789abcdef").get("Users")
    assert response.status_code == 403
    assert "insufficient_scope" in response["WWW-Authenticate"]


def test_token_in_the_query_string_is_refused(api):
    response = HttpClient().get("/scim/v2/Users", {"access_token": api.token})
    assert response.status_code == 401


@pytest.fixture
def org_b(db):
    organisation, admin = make_org("Organisation B A/S")
    user = UserFactory(organisation=organisation, state=User.State.ACTIVE, last_name="Bbruger")
    group = UserGroup.objects.create(organisation=organisation, name="B-gruppe")
    group.members.add(user)
    _client, _secret, caller = make_api(organisation, admin, name="B's IdM")
    return {
        "organisation": organisation,
        "admin": admin,
        "user": user,
        "group": group,
        "api": caller,
    }


def test_a_gets_404_for_every_object_of_b(api, org_b):
    op = {"schemas": [PATCH], "Operations": [{"op": "replace", "path": "active", "value": False}]}
    for path in (
        f"Users/{org_b['user'].pk}",
        f"Users/{org_b['admin'].pk}",
        f"Groups/{org_b['group'].pk}",
    ):
        assert api.get(path).status_code == 404
        assert api.patch(path, op).status_code == 404
        assert api.put(path, new_user()).status_code == 404
        assert api.delete(path).status_code == 404
    listing = api.get("Users").json()
    ids = {r["id"] for r in listing["Resources"]}
    assert str(org_b["user"].pk) not in ids and str(org_b["admin"].pk) not in ids
    assert api.get("Groups").json()["totalResults"] == 0
    found = api.get(
        "Users", {"filter": f'id eq "{org_b["user"].pk}" or name.familyName eq "Bbruger"'}
    )
    assert found.json()["totalResults"] == 0
    org_b["user"].refresh_from_db()
    assert org_b["user"].state == User.State.ACTIVE
    assert UserGroup.objects.filter(pk=org_b["group"].pk).exists()


def test_a_cannot_create_in_b(api, org_b):
    response = api.post("Users", new_user())
    assert response.status_code == 201
    created = User.objects.get(pk=response.json()["id"])
    assert created.organisation == api.organisation  # whatever the payload, the client's own
    # B's user cannot be put in a group of A.
    group = api.post(
        "Groups",
        {
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
            "displayName": "Blandet",
            "members": [{"value": str(org_b["user"].pk)}],
        },
    )
    assert group.status_code == 400
    assert not org_b["user"].user_groups.exclude(pk=org_b["group"].pk).exists()
    # B's client sees its own world only.
    assert org_b["api"].get(f"Users/{created.pk}").status_code == 404
    assert org_b["api"].get(f"Users/{org_b['user'].pk}").status_code == 200


def test_unknown_path_is_a_scim_404(api):
    response = api.get("Nothing/here")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/scim+json"
