"""Hosted training: the SCIM API finds the exercise by the bearer token (no cookie), so a local
IdM of one exercise never sees another exercise's users, and a token of no exercise is 401."""

import pytest
from django.test import Client as HttpClient

from mitid_portal.sandbox import sandbox_scope
from mitid_portal.sandboxes import sandbox_create
from tests.idm.conftest import Api, make_api, make_org, new_user, token_for
from users.models import User

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def exercises(settings):
    settings.SANDBOXES = True
    world = {}
    for name in ("a", "b"):
        sandbox = sandbox_create(name=name.upper())[0]
        with sandbox_scope(sandbox.pk):
            organisation, admin = make_org(f"Øvelse {name}")
            client, secret, _api = make_api(organisation, admin)
            world[name] = (sandbox, organisation, client, secret)
    return world


def _api(world, name):
    sandbox, _organisation, client, secret = world[name]
    with sandbox_scope(sandbox.pk):
        # The token endpoint finds the exercise by the client credential (broker.credentials).
        return Api(token_for(HttpClient(), client.client_id, secret))


def test_the_token_names_the_exercise(exercises):
    a = _api(exercises, "a")
    created = a.post("Users", new_user())
    assert created.status_code == 201, created.content
    sandbox_a, organisation_a = exercises["a"][0], exercises["a"][1]
    with sandbox_scope(None):
        user = User.objects.get(pk=created.json()["id"])
    assert user.sandbox_id == sandbox_a.pk and user.organisation_id == organisation_a.pk
    b = _api(exercises, "b")
    assert b.get(f"Users/{user.pk}").status_code == 404
    assert str(user.pk) not in {r["id"] for r in b.get("Users").json()["Resources"]}


def test_a_token_of_no_exercise_is_401(exercises):
    response = Api("unknown-token").get("Users")
    assert response.status_code == 401
