"""Fixtures of the IdM API tests: an organisation with its administrator, a registered IdM client
and a real bearer token from the broker's token endpoint."""

import base64
import json

import pytest
from django.test import Client as HttpClient

from idm.services import api_client_create
from organisations.services.rights import public_services_seed
from tests.factories import OrganisationFactory, RoleGrantFactory

SCIM = "application/scim+json"


def token_for(http: HttpClient, client_id: str, secret: str, scope: str = "scim") -> str:
    basic = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    response = http.post(
        "/broker/token/",
        {"grant_type": "client_credentials", "scope": scope},
        HTTP_AUTHORIZATION=f"Basic {basic}",
    )
    assert response.status_code == 200, response.content
    return response.json()["access_token"]


class Api:
    """A SCIM caller with a bearer token (Django's test client, so in-process)."""

    def __init__(self, token: str):
        self.http = HttpClient()
        self.token = token

    def _headers(self, extra):
        return {"HTTP_AUTHORIZATION": f"Bearer {self.token}", **extra}

    def get(self, path, params=None, **extra):
        return self.http.get(f"/scim/v2/{path}", params or {}, **self._headers(extra))

    def post(self, path, data, **extra):
        return self.http.post(
            f"/scim/v2/{path}", json.dumps(data), content_type=SCIM, **self._headers(extra)
        )

    def put(self, path, data, **extra):
        return self.http.put(
            f"/scim/v2/{path}", json.dumps(data), content_type=SCIM, **self._headers(extra)
        )

    def patch(self, path, data, **extra):
        return self.http.patch(
            f"/scim/v2/{path}", json.dumps(data), content_type=SCIM, **self._headers(extra)
        )

    def delete(self, path, **extra):
        return self.http.delete(f"/scim/v2/{path}", **self._headers(extra))


def make_org(name: str):
    organisation = OrganisationFactory(name=name, allowed_means=["app", "kodeviser"])
    admin = RoleGrantFactory(user__organisation=organisation).user
    return organisation, admin


def make_api(organisation, admin, name="Entra ID"):
    client, secret = api_client_create(organisation=organisation, name=name, actor=admin)
    return client, secret, Api(token_for(HttpClient(), client.client_id, secret))


@pytest.fixture
def org_a(db):
    public_services_seed()
    return make_org("Organisation A ApS")


@pytest.fixture
def api(org_a):
    organisation, admin = org_a
    client, secret, caller = make_api(organisation, admin)
    caller.client = client
    caller.secret = secret
    caller.organisation = organisation
    caller.admin = admin
    return caller


def new_user(**overrides) -> dict:
    ext = "urn:mitid:params:scim:schemas:extension:erhverv:2.0:User"
    data = {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", ext],
        "userName": "mette.hansen@firma.dk",
        "externalId": "e-1001",
        "name": {"givenName": "Mette", "familyName": "Hansen"},
        "emails": [{"value": "Mette.Hansen@firma.dk", "primary": True}],
        "phoneNumbers": [{"value": "22 33 44 55"}],
        ext: {"birthDate": "1990-01-01", "cpr": "0101901234", "rights": ["fmk"]},
    }
    data.update(overrides)
    return data
