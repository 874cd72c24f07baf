"""The IdM API against a hostile or careless client: no CPR number can be guessed or logged,
and malformed or oversized input is a SCIM 400, never a 500 (found in the security review of
the IdM API)."""

import pytest

from mitid_portal.models import AuditEvent
from organisations.models import UserGroup
from tests.factories import UserFactory
from tests.idm.conftest import new_user
from users.models import User

pytestmark = pytest.mark.django_db

EXT = "urn:mitid:params:scim:schemas:extension:erhverv:2.0:User"
PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"


def _group(api, name="Gruppe"):
    response = api.post("Groups", {"schemas": [GROUP], "displayName": name})
    assert response.status_code == 201, response.content
    return UserGroup.objects.get(pk=response.json()["id"])


def _patch(*operations):
    return {"schemas": [PATCH], "Operations": list(operations)}


def _scim_400(response, scim_type=None):
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["status"] == "400"
    if scim_type:
        assert body["scimType"] == scim_type
    return body


def test_cpr_and_birth_date_cannot_be_probed_by_update(api):
    """An update answers the same whether the CPR number or birth date sent is right or wrong:
    both are set once, at creation, and an update ignores them."""
    user = UserFactory(
        organisation=api.organisation,
        cpr="0101901234",
        birth_date="1990-01-01",
        state=User.State.ACTIVE,
    )
    answers = set()
    for cpr in ("0101901234", "010190-1234", "0101901235", "0202802222"):
        op = {"op": "add", "path": f"{EXT}:cpr", "value": cpr}
        response = api.patch(f"Users/{user.pk}", _patch(op))
        answers.add(response.status_code)
    for birth in ("1990-01-01", "1970-05-05"):
        op = {"op": "add", "path": f"{EXT}:birthDate", "value": birth}
        response = api.patch(f"Users/{user.pk}", _patch(op))
        answers.add(response.status_code)
    assert answers == {200}
    user.refresh_from_db()
    assert user.cpr == "0101901234"
    assert str(user.birth_date) == "1990-01-01"


def test_the_audit_log_never_holds_a_cpr_number(api):
    api.get("Users", {"filter": f'{EXT}:cpr eq "0101901234"'})
    api.get("Users", {"filter": 'externalId eq "010190-1234"'})
    calls = list(
        AuditEvent.objects.filter(action="scim_request")
        .order_by("pk")
        .values_list("changes", flat=True)
    )
    assert len(calls) == 2
    for changes in calls:
        assert "0101901234" not in str(changes) and "010190-1234" not in str(changes)
    assert "externalId eq" in calls[1]["kald"]  # the rest of the call is still readable


@pytest.mark.parametrize("start", ["9999999999999999999999999", "99999"])
def test_a_start_index_past_the_end_is_an_empty_page(api, start):
    UserFactory(organisation=api.organisation)
    response = api.get("Users", {"startIndex": start})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["itemsPerPage"] == 0 and body.get("Resources", []) == []
    search = api.post(
        "Users/.search",
        {"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"], "startIndex": 10**30},
    )
    assert search.status_code == 200, search.content


@pytest.mark.parametrize("bad", ["9223372036854775808", "١", " 7 ", "+3", "1_0", "0", "-1"])
def test_a_member_id_is_digits_or_unknown(api, bad):
    user = UserFactory(organisation=api.organisation)
    group = _group(api)
    bad = bad if bad.strip() != "7" else f" {user.pk} "
    op = {"op": "add", "path": "members", "value": [{"value": bad}]}
    _scim_400(api.patch(f"Groups/{group.pk}", _patch(op)))
    created = api.post(
        "Groups", {"schemas": [GROUP], "displayName": "X", "members": [{"value": bad}]}
    )
    _scim_400(created)
    assert not group.members.exists()
    # and a filter on such an id matches nothing
    for text in ("١", "9223372036854775808", "+1"):
        found = api.get("Users", {"filter": f'id eq "{text}"'})
        assert found.status_code == 200 and found.json()["totalResults"] == 0


def test_a_member_must_be_a_user(api):
    user = UserFactory(organisation=api.organisation)
    group = _group(api)
    op = {"op": "add", "path": "members", "value": [{"value": str(user.pk), "type": "Group"}]}
    _scim_400(api.patch(f"Groups/{group.pk}", _patch(op)), "invalidValue")
    assert not group.members.exists()


def test_a_filter_too_long_or_too_wide_is_refused(api):
    wide = " or ".join(f'userName eq "x{i}"' for i in range(2000))
    _scim_400(api.get("Users", {"filter": wide}), "invalidFilter")
    deep_and = " and ".join(f'userName co "x{i}"' for i in range(60))
    _scim_400(api.get("Users", {"filter": deep_and}), "invalidFilter")
    long_value = f'userName co "{"a" * 50_000}"'
    search = api.post(
        "Users/.search",
        {"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"], "filter": long_value},
    )
    _scim_400(search, "invalidFilter")
    # an ordinary filter of a few terms still works
    some = " or ".join(f'userName eq "x{i}"' for i in range(10))
    assert api.get("Users", {"filter": some}).status_code == 200


def test_a_date_filter_needs_a_date(api):
    _scim_400(api.get("Users", {"filter": "meta.lastModified gt 5"}), "invalidFilter")


def test_external_id_length_and_nul_characters(api):
    _scim_400(api.post("Users", new_user(externalId="x" * 201)), "invalidValue")
    _scim_400(api.post("Users", new_user(userName="a\u0000b@firma.dk")), "invalidValue")
    _scim_400(
        api.post("Groups", {"schemas": [GROUP], "displayName": "G", "externalId": "y" * 201}),
        "invalidValue",
    )
    created = api.post("Users", new_user())
    assert created.status_code == 201
    pk = created.json()["id"]
    op = {"op": "replace", "path": "name.givenName", "value": "Me\u0000tte"}
    _scim_400(api.patch(f"Users/{pk}", _patch(op)), "invalidValue")
    assert User.objects.get(pk=pk).first_name == "Mette"


@pytest.mark.parametrize("birth", ["2990-02-01", "0001-01-01", "1899-12-31"])
def test_birth_date_within_the_portals_range(api, birth):
    body = _scim_400(api.post("Users", new_user(**{EXT: {"birthDate": birth}})), "invalidValue")
    assert "Fødselsdatoen er ikke en gyldig fødselsdato" in body["detail"]
