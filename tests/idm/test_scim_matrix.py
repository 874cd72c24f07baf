"""The SCIM endpoints in the permission matrix's manner: every route of the ``scim`` namespace,
enumerated from the resolver (a new endpoint is in by itself), with every method, answers 401
without a token, and with organisation B's token every object of organisation A is a 404; with
A's own token the object is there."""

import pytest
from django.test import Client as HttpClient
from django.urls import URLPattern, URLResolver, get_resolver

from organisations.models import UserGroup
from tests.factories import UserFactory
from tests.idm.conftest import make_api, make_org
from users.models import User

pytestmark = pytest.mark.django_db
METHODS = ("get", "post", "put", "patch", "delete")


def _scim_routes() -> list[tuple[str, str, tuple[str, ...]]]:
    found = []

    def walk(patterns, prefix, namespace):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, prefix + str(pattern.pattern), pattern.namespace)
            elif isinstance(pattern, URLPattern) and namespace == "scim":
                kwargs = tuple(pattern.pattern.regex.groupindex)
                found.append((str(pattern.name), prefix + str(pattern.pattern), kwargs))

    walk(get_resolver().url_patterns, "", None)
    return found


ROUTES = _scim_routes()


def _path(route: str, values: dict) -> str:
    path = "/" + route.lstrip("^").rstrip("$")
    for name, value in values.items():
        path = path.replace(f"<id:{name}>", str(value)).replace(f"<str:{name}>", str(value))
    return path.replace("(?P<rest>.*)", "x")


@pytest.fixture
def world(db):
    a, a_admin = make_org("Matrix A")
    b, b_admin = make_org("Matrix B")
    user = UserFactory(organisation=a, state=User.State.ACTIVE)
    group = UserGroup.objects.create(organisation=a, name="A-gruppe")
    _, _, api_a = make_api(a, a_admin, name="A's IdM")
    _, _, api_b = make_api(b, b_admin, name="B's IdM")
    return {"user": user, "group": group, "a": api_a, "b": api_b}


def test_the_matrix_covers_the_api():
    names = {name for name, _route, _kwargs in ROUTES}
    assert {"users", "user", "groups", "group", "config", "schemas", "resource_types"} <= names


@pytest.mark.parametrize(("name", "route", "kwargs"), ROUTES, ids=[r[0] for r in ROUTES])
def test_every_endpoint_needs_a_token(name, route, kwargs, world):
    values = {"pk": world["user"].pk, "name": "User", "schema_id": "x"}
    path = _path(route, values)
    for method in METHODS:
        response = getattr(HttpClient(), method)(path)
        assert response.status_code == 401, f"{method.upper()} {path}: {response.status_code}"


@pytest.mark.parametrize(
    ("name", "route", "kwargs"),
    [r for r in ROUTES if "pk" in r[2]],
    ids=[r[0] for r in ROUTES if "pk" in r[2]],
)
def test_another_organisations_objects_are_404(name, route, kwargs, world):
    pk = world["group"].pk if name.startswith("group") else world["user"].pk
    path = _path(route, {"pk": pk}).removeprefix("/scim/v2/")
    for method in METHODS:
        if method in ("put", "patch", "post"):
            response = getattr(world["b"], method)(path, {})
        else:
            response = getattr(world["b"], method)(path)
        assert response.status_code in (404, 405), (
            f"{method.upper()} {path}: {response.status_code}"
        )
    assert world["a"].get(path).status_code == 200
