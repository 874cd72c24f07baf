"""SCIM Groups are the organisation's user groups: create, members, PATCH, PUT, filter, delete,
each audited as the portal's group acts with the client's name."""

import pytest

from mitid_portal.models import AuditEvent
from organisations.models import UserGroup
from tests.factories import UserFactory
from users.models import User

pytestmark = pytest.mark.django_db
GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


def test_group_lifecycle(api):
    one = UserFactory(organisation=api.organisation, state=User.State.ACTIVE)
    two = UserFactory(organisation=api.organisation, state=User.State.ACTIVE)
    created = api.post(
        "Groups",
        {
            "schemas": [GROUP],
            "displayName": "Sygeplejersker",
            "externalId": "g-1",
            "members": [{"value": str(one.pk)}],
        },
    )
    assert created.status_code == 201, created.content
    group_id = created.json()["id"]
    group = UserGroup.objects.get(pk=group_id)
    assert group.organisation == api.organisation and list(group.members.all()) == [one]
    user_view = api.get(f"Users/{one.pk}").json()
    assert user_view["groups"][0]["value"] == group_id

    add = {
        "schemas": [PATCH],
        "Operations": [{"op": "add", "path": "members", "value": [{"value": str(two.pk)}]}],
    }
    patched = api.patch(f"Groups/{group_id}", add, HTTP_IF_MATCH=created.json()["meta"]["version"])
    assert patched.status_code == 200, patched.content
    assert sorted(m["value"] for m in patched.json()["members"]) == sorted(
        [str(one.pk), str(two.pk)]
    )
    remove = {
        "schemas": [PATCH],
        "Operations": [{"op": "remove", "path": f'members[value eq "{one.pk}"]'}],
    }
    assert [m["value"] for m in api.patch(f"Groups/{group_id}", remove).json()["members"]] == [
        str(two.pk)
    ]
    stale = api.patch(f"Groups/{group_id}", add, HTTP_IF_MATCH=created.json()["meta"]["version"])
    assert stale.status_code == 412

    assert api.get("Groups", {"filter": 'externalId eq "g-1"'}).json()["totalResults"] == 1
    put = api.put(
        f"Groups/{group_id}", {"schemas": [GROUP], "displayName": "Sygeplejen", "members": []}
    )
    assert put.status_code == 200
    assert put.json()["displayName"] == "Sygeplejen" and "members" not in put.json()

    # PUT replaces the whole group: the externalId it left out is gone.
    assert api.get("Groups", {"filter": "externalId pr"}).json()["totalResults"] == 0
    found = api.get("Groups", {"filter": 'displayName sw "syge"'}).json()
    assert [g["id"] for g in found["Resources"]] == [group_id]

    duplicate = api.post("Groups", {"schemas": [GROUP], "displayName": "SYGEPLEJEN"})
    assert duplicate.status_code == 409

    assert api.delete(f"Groups/{group_id}").status_code == 204
    assert not UserGroup.objects.filter(pk=group_id).exists()
    actions = set(AuditEvent.objects.filter(actor_name="Entra ID").values_list("action", flat=True))
    assert {
        "user_group_created",
        "user_group_member_added",
        "user_group_member_removed",
        "user_group_deleted",
    } <= actions
