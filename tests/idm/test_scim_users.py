"""SCIM Users: create (exactly *Opret bruger*), read, filter, paginate, PUT, PATCH, DELETE, ETags,
and active=false suspending through the users lifecycle."""

import datetime

import pytest
from django.core import mail
from scim2_models import ScimFilter

from activation.models import Invitation
from activation.services import user_create
from idm.filters import USER_COLUMNS, filter_q
from idm.scim import ScimUser
from idm.selectors import scim_users
from mitid_portal.models import AuditEvent
from organisations.models import PublicService, UserRight
from tests.factories import UserFactory
from tests.idm.conftest import new_user
from users.models import User

pytestmark = pytest.mark.django_db

EXT = "urn:mitid:params:scim:schemas:extension:erhverv:2.0:User"
PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


def _patch(*operations):
    return {"schemas": [PATCH], "Operations": list(operations)}


def test_create_is_opret_bruger(api, django_capture_on_commit_callbacks):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post("Users", new_user())
    assert response.status_code == 201, response.content
    assert response["Content-Type"] == "application/scim+json"
    body = response.json()
    assert response["Location"] == body["meta"]["location"]
    assert response["ETag"] == body["meta"]["version"]
    user = User.objects.get(pk=body["id"])
    # The state, rights and invitation of a user created in *Opret bruger*.
    assert user.organisation == api.organisation
    assert user.state == User.State.AWAITING
    assert user.email == "mette.hansen@firma.dk"
    assert user.phone == "+4522334455"
    assert user.cpr == "0101901234"
    assert user.means == ["app"]
    assert Invitation.objects.filter(user=user, state=Invitation.State.LIVE).count() == 1
    assert body[EXT]["state"] == "awaiting"
    assert body[EXT]["rights"] == ["fmk"]
    assert "digital_post" in body[EXT]["basicPackage"]  # the Basispakke, as from Opret bruger
    # CPR and birth date are write-only: never returned.
    assert "cpr" not in body[EXT] and "birthDate" not in body[EXT]
    assert "0101901234" not in response.content.decode()
    # The activation email went out, as from the portal.
    assert [m.to for m in mail.outbox] == [["mette.hansen@firma.dk"]]
    assert api.organisation.name in mail.outbox[0].subject
    # Audit: the portal's own events with the client's name, and the SCIM call.
    actions = set(
        AuditEvent.objects.filter(organisation=api.organisation, actor_name="Entra ID").values_list(
            "action", flat=True
        )
    )
    assert {"user_created", "users_activation_started", "scim_request"} <= actions


def test_create_refuses_what_opret_bruger_refuses(api):
    assert api.post("Users", new_user()).status_code == 201
    again = api.post("Users", new_user(userName="other@firma.dk"))
    assert again.status_code == 409  # the same CPR number in the organisation
    assert again.json()["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:Error"]
    same_name = api.post("Users", new_user(**{EXT: {"birthDate": "1980-02-02"}}))
    assert same_name.status_code == 409
    assert same_name.json()["scimType"] == "uniqueness"
    mismatch = api.post(
        "Users",
        new_user(userName="x@firma.dk", **{EXT: {"birthDate": "1980-02-02", "cpr": "0101901235"}}),
    )
    assert mismatch.status_code == 400
    bad_email = api.post(
        "Users",
        new_user(
            userName="y@firma.dk", emails=[{"value": "nope"}], **{EXT: {"birthDate": "1980-02-02"}}
        ),
    )
    assert bad_email.status_code == 400
    unknown_right = api.post(
        "Users",
        new_user(userName="z@firma.dk", **{EXT: {"birthDate": "1980-02-02", "rights": ["nix"]}}),
    )
    assert unknown_right.status_code == 400
    assert User.objects.filter(organisation=api.organisation).count() == 2  # admin + the first


def _create(api, n: int, **extra):
    body = new_user(
        userName=f"bruger{n}@firma.dk",
        externalId=f"ext-{n}",
        name={"givenName": f"Fornavn{n}", "familyName": "Efternavn"},
        emails=[{"value": f"ansat{n}@firma.dk"}],
        **{EXT: {"birthDate": "1980-01-01"}},
        **extra,
    )
    response = api.post("Users", body)
    assert response.status_code == 201, response.content
    return response.json()


def _ids(response):
    assert response.status_code == 200, response.content
    return sorted(r["id"] for r in response.json()["Resources"])


def test_filters(api):
    one, two, three = (_create(api, n) for n in (1, 2, 3))
    q = lambda f: _ids(api.get("Users", {"filter": f}))  # noqa: E731
    assert q('userName eq "BRUGER1@firma.dk"') == [one["id"]]
    assert q('userName sw "bruger"') == sorted([one["id"], two["id"], three["id"]])
    assert q('emails co "sat2@"') == [two["id"]]
    assert q('emails.value eq "ansat3@firma.dk"') == [three["id"]]
    assert q('name.givenName eq "Fornavn2" or externalId eq "ext-3"') == sorted(
        [two["id"], three["id"]]
    )
    assert q('userName sw "bruger" and externalId eq "ext-1"') == [one["id"]]
    assert q("externalId pr and active eq true") == sorted([one["id"], two["id"], three["id"]])
    assert q('not (externalId eq "ext-1") and externalId pr') == sorted([two["id"], three["id"]])
    assert q("active eq false") == []
    later = one["meta"]["lastModified"]
    assert one["id"] not in q(f'meta.lastModified gt "{three["meta"]["lastModified"]}"')
    assert one["id"] in q(f'meta.lastModified ge "{later}"')
    bad = api.get("Users", {"filter": 'userName eq "x" and'})
    assert bad.status_code == 400 and bad.json()["scimType"] == "invalidFilter"


def test_filter_is_a_query_not_python(api):
    for n in range(5):
        _create(api, n)
    # The filter is SQL (LIKE … OR LIKE …), never Python over every user.
    scim_filter = ScimFilter[ScimUser]('userName sw "bruger1" or emails co "ansat2"')
    query = scim_users(organisation=api.organisation).filter(filter_q(scim_filter, USER_COLUMNS))
    sql = str(query.query).lower()
    assert "like" in sql
    assert query.count() == 2


def test_pagination(api):
    created = [_create(api, n)["id"] for n in range(5)]
    everyone = api.get("Users", {"filter": 'userName sw "bruger"', "startIndex": 1, "count": 2})
    body = everyone.json()
    assert body["totalResults"] == 5 and body["itemsPerPage"] == 2 and body["startIndex"] == 1
    pages = [
        _ids(api.get("Users", {"filter": 'userName sw "bruger"', "startIndex": s, "count": 2}))
        for s in (1, 3, 5)
    ]
    assert sorted(sum(pages, [])) == sorted(created)
    count_only = api.get("Users", {"count": 0}).json()
    assert count_only["totalResults"] == 6 and count_only.get("Resources", []) == []


def test_get_etag_and_not_modified(api):
    user = _create(api, 1)
    response = api.get(f"Users/{user['id']}")
    etag = response["ETag"]
    assert etag.startswith('W/"') and etag == response.json()["meta"]["version"]
    assert api.get(f"Users/{user['id']}", HTTP_IF_NONE_MATCH=etag).status_code == 304


def test_patch_and_if_match(api):
    user = _create(api, 1)
    etag = user["meta"]["version"]
    op = {"op": "replace", "path": "name.givenName", "value": "Ny"}
    response = api.patch(f"Users/{user['id']}", _patch(op), HTTP_IF_MATCH=etag)
    assert response.status_code == 200, response.content
    assert response.json()["name"]["givenName"] == "Ny"
    assert response.json()["meta"]["version"] != etag
    # The old ETag no longer matches: 412, nothing changed.
    stale = api.patch(
        f"Users/{user['id']}",
        _patch({"op": "replace", "path": "name.givenName", "value": "Gammel"}),
        HTTP_IF_MATCH=etag,
    )
    assert stale.status_code == 412
    assert User.objects.get(pk=user["id"]).first_name == "Ny"
    assert AuditEvent.objects.filter(action="user_updated", actor_name="Entra ID").exists()
    read_only = api.patch(
        f"Users/{user['id']}", _patch({"op": "replace", "path": "displayName", "value": "X"})
    )
    assert read_only.status_code == 400


def test_put_replaces(api):
    user = _create(api, 1)
    body = new_user(
        userName="nyt-navn@firma.dk",
        externalId="ext-ny",
        name={"givenName": "Fornavn1", "familyName": "Nyt"},
        emails=[{"value": "ansat1@firma.dk"}],
        **{EXT: {"birthDate": "1980-01-01", "rights": ["nemrefusion"]}},
    )
    response = api.put(f"Users/{user['id']}", body, HTTP_IF_MATCH=user["meta"]["version"])
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["userName"] == "nyt-navn@firma.dk"
    assert data["externalId"] == "ext-ny"
    assert data["name"]["familyName"] == "Nyt"
    assert data[EXT]["rights"] == ["nemrefusion"]
    # The birth date is set once, at creation; an update ignores it (see test_scim_hardening).
    changed_birth = api.put(f"Users/{user['id']}", {**body, EXT: {"birthDate": "1970-01-01"}})
    assert changed_birth.status_code == 200
    assert str(User.objects.get(pk=user["id"]).birth_date) != "1970-01-01"


def test_active_false_suspends_and_true_reactivates(api):
    user = UserFactory(organisation=api.organisation, state=User.State.ACTIVE)
    response = api.patch(
        f"Users/{user.pk}", _patch({"op": "replace", "path": "active", "value": False})
    )
    assert response.status_code == 200, response.content
    assert response.json()["active"] is False
    user.refresh_from_db()
    assert user.state == User.State.SUSPENDED
    event = AuditEvent.objects.get(action="user_suspended")
    assert event.actor_name == "Entra ID"
    assert _ids(api.get("Users", {"filter": "active eq false"})) == [str(user.pk)]
    back = api.patch(f"Users/{user.pk}", _patch({"op": "replace", "path": "active", "value": True}))
    assert back.json()["active"] is True
    user.refresh_from_db()
    assert user.state == User.State.ACTIVE
    assert AuditEvent.objects.filter(action="user_reactivated", actor_name="Entra ID").exists()


def test_the_api_cannot_suspend_an_administrator(api):
    response = api.patch(
        f"Users/{api.admin.pk}", _patch({"op": "replace", "path": "active", "value": False})
    )
    assert response.status_code == 403
    api.admin.refresh_from_db()
    assert api.admin.state == User.State.ACTIVE


def test_delete_closes(api):
    user = _create(api, 1)
    assert api.delete(f"Users/{user['id']}").status_code == 204
    closed = User.objects.get(pk=user["id"])
    assert closed.state == User.State.CLOSED
    assert not Invitation.objects.filter(user=closed, state=Invitation.State.LIVE).exists()
    assert AuditEvent.objects.filter(action="user_closed", actor_name="Entra ID").exists()
    assert api.get(f"Users/{user['id']}").status_code == 404
    assert api.delete(f"Users/{user['id']}").status_code == 404


def test_every_call_is_audited(api):
    before = AuditEvent.objects.filter(action="scim_request").count()
    api.get("Users")
    api.get("Users/999999")
    api.post("Users", {"schemas": []})
    events = AuditEvent.objects.filter(action="scim_request").order_by("pk")[before:]
    assert [e.changes["svarkode"] for e in events] == [200, 404, 400]
    assert all(e.actor_name == "Entra ID" and e.organisation == api.organisation for e in events)


def test_a_scim_user_equals_an_opret_bruger_user(api, django_capture_on_commit_callbacks):
    """The same person created twice, once in *Opret bruger* by the administrator and once over
    SCIM, ends the same: state, means, rights, invitation, email and the portal's audit acts."""
    fmk = PublicService.objects.get(code="fmk")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        portal = user_create(
            organisation=api.organisation,
            first_name="Ida",
            last_name="Holm",
            email="ida.holm@firma.dk",
            birth_date=datetime.date(1984, 5, 17),
            means=["app"],
            services=[fmk],
            actor=api.admin,
        )
        response = api.post(
            "Users",
            new_user(
                userName="ida.holm2@firma.dk",
                name={"givenName": "Ida", "familyName": "Holm"},
                emails=[{"value": "ida.holm2@firma.dk"}],
                phoneNumbers=[],
                **{EXT: {"birthDate": "1984-05-17", "means": ["app"], "rights": ["fmk"]}},
            ),
        )
    assert response.status_code == 201, response.content
    scim_user = User.objects.get(pk=response.json()["id"])

    def picture(user):
        invitation = Invitation.objects.get(user=user)
        return {
            "state": user.state,
            "means": user.means,
            "birth_date": user.birth_date,
            "anonymous": user.is_anonymous_user,
            "rights": sorted(
                UserRight.objects.filter(user=user).values_list("service__code", flat=True)
            ),
            "invitation": (invitation.state, invitation.means, bool(invitation.code_hash)),
        }

    assert picture(scim_user) == picture(portal)
    assert sorted(m.to[0] for m in mail.outbox) == ["ida.holm2@firma.dk", "ida.holm@firma.dk"]

    def acts(actor_name):
        return sorted(
            AuditEvent.objects.filter(actor_name=actor_name)
            .exclude(action__in=["scim_request", "api_client_created"])
            .values_list("action", flat=True)
        )

    assert acts("Entra ID") == acts(api.admin.full_name)
