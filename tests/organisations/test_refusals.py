"""Refused administrative acts are audited in one place: ``organisations.access.organisation_view``.

A signed-in user of an organisation whose role does not allow a view gets 403, nothing changes,
and one ``permission_denied`` event names the view, the method and the path – for every view of
every app, a new one included. Anonymous visitors (sent to the login) and people without an
organisation are not recorded as the organisation's administrators.
"""

import datetime

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from activation.models import Invitation
from mitid_portal.models import AuditEvent
from organisations.access import organisation_view
from organisations.models import PowerOfAttorney, PublicService, RoleGrant, UserGroup, UserRight
from tests.factories import OrganisationFactory, RoleGrantFactory, UserFactory
from users.models import User

pytestmark = pytest.mark.django_db

ORG_ADMIN = RoleGrant.Role.ORGANISATION_ADMIN
USER_ADMIN = RoleGrant.Role.USER_ADMIN
RIGHTS_ADMIN = RoleGrant.Role.RIGHTS_ADMIN


@pytest.fixture
def world():
    organisation = OrganisationFactory()
    subject = UserFactory(organisation=organisation, state=User.State.ACTIVE, first_name="Emne")
    awaiting = UserFactory(organisation=organisation, state=User.State.AWAITING)
    invitation = Invitation.objects.create(
        user=awaiting,
        organisation=organisation,
        token_hash="refusal-token-hash",
        expires_at=timezone.now() + datetime.timedelta(days=30),
    )
    return {
        "organisation": organisation,
        "subject": subject,
        "invitation": invitation,
        "group": UserGroup.objects.create(organisation=organisation, name="Klinikken"),
        "service": PublicService.objects.get(code="fmk"),
    }


def _actor(world, role):
    if role is None:
        return UserFactory(organisation=world["organisation"], state=User.State.ACTIVE)
    return RoleGrantFactory(user__organisation=world["organisation"], role=role).user


def _snapshot(world) -> tuple:
    """What the refused acts below would change."""
    subject, invitation = world["subject"], world["invitation"]
    subject.refresh_from_db()
    invitation.refresh_from_db()
    return (
        subject.state,
        subject.first_name,
        invitation.state,
        User.objects.count(),
        UserRight.objects.count(),
        RoleGrant.objects.count(),
        PowerOfAttorney.objects.count(),
        world["group"].services.count(),
    )


# (view name, the view function's name, method, URL argument, data, a role lacking permission)
REFUSED = [
    ("users:list", "user_list", "get", None, None, RIGHTS_ADMIN),
    (
        "users:suspend",
        "user_suspend",
        "post",
        "subject",
        {"reason": "Forsøg", "version": ""},
        RIGHTS_ADMIN,
    ),
    (
        "users:edit",
        "user_edit",
        "post",
        "subject",
        {"first_name": "Ændret", "last_name": "X", "email": "", "phone": "", "version": "x"},
        None,
    ),
    (
        "activation:user_create",
        "user_create",
        "post",
        None,
        {"first_name": "Ny", "last_name": "Bruger", "email": "ny@example.dk"},
        RIGHTS_ADMIN,
    ),
    ("activation:cancel", "cancel", "post", "invitation", {}, RIGHTS_ADMIN),
    ("activation:pending", "pending", "get", None, None, None),
    ("organisations:user_right_add", "user_right_add", "post", "subject", "service", ORG_ADMIN),
    ("organisations:group_service_add", "group_service_add", "post", "group", "service", None),
    ("organisations:role_add", "role_add", "post", None, "role", USER_ADMIN),
    (
        "organisations:power_new",
        "power_new",
        "post",
        None,
        {"cvr": "11111111", "services": "service"},
        RIGHTS_ADMIN,
    ),
    ("activation:migration_overview", "migration_overview", "get", None, None, RIGHTS_ADMIN),
]


def _data(world, data, actor):
    if data == "service":
        return {"service": world["service"].pk}
    if data == "role":
        return {"user": actor.pk, "role": ORG_ADMIN}
    if isinstance(data, dict):
        return {k: world["service"].pk if v == "service" else v for k, v in data.items()}
    return data


@pytest.mark.parametrize(
    "name,view_name,method,arg,data,role", REFUSED, ids=[row[0] for row in REFUSED]
)
def test_a_refused_act_changes_nothing_and_is_audited_once(
    client, world, name, view_name, method, arg, data, role
):
    actor = _actor(world, role)
    client.force_login(actor)
    url = reverse(name, args=[world[arg].pk] if arg else [])
    before = _snapshot(world)
    response = getattr(client, method)(url, _data(world, data, actor) or {})
    assert response.status_code == 403
    assert _snapshot(world) == before
    event = AuditEvent.objects.get(action="permission_denied", actor_user=actor)
    assert event.organisation == world["organisation"]
    assert event.changes == {"handling": view_name, "metode": method.upper()}
    assert event.target == url


def test_a_new_view_is_audited_without_doing_anything(world, rf: RequestFactory):
    """Any view wrapped in ``organisation_view`` gets the refusal audit, nothing more to add."""
    called = []

    @organisation_view(ORG_ADMIN)
    def brand_new_view(request):
        called.append(request)
        return HttpResponse("ok")

    request = rf.post("/organisation/noget-nyt/")
    request.user = _actor(world, USER_ADMIN)
    with pytest.raises(PermissionDenied):
        brand_new_view(request)
    assert called == []
    event = AuditEvent.objects.get(action="permission_denied")
    assert event.changes == {"handling": "brand_new_view", "metode": "POST"}
    assert event.actor_user == request.user


def test_a_refusal_inside_a_service_is_recorded_once(client, world):
    """The service's own record (``actor_require_role``) is not repeated by the view's."""
    actor = _actor(world, RIGHTS_ADMIN)
    client.force_login(actor)
    client.post(reverse("organisations:role_add"), {"user": actor.pk, "role": ORG_ADMIN})
    assert AuditEvent.objects.filter(action="permission_denied").count() == 1


def test_an_allowed_act_records_no_refusal(client, world):
    client.force_login(_actor(world, USER_ADMIN))
    assert client.get(reverse("users:list")).status_code == 200
    assert not AuditEvent.objects.filter(action="permission_denied").exists()


def test_anonymous_visitors_are_sent_to_the_login_and_not_recorded(client, world):
    for name in ("users:list", "organisations:roles", "activation:pending"):
        response = client.get(reverse(name))
        assert response.status_code == 302
    response = client.post(reverse("organisations:role_add"), {"role": ORG_ADMIN})
    assert response.status_code == 302
    assert not AuditEvent.objects.filter(action="permission_denied").exists()


def test_someone_without_an_organisation_is_refused_without_a_record(client, rf):
    @organisation_view()
    def any_view(request):
        return HttpResponse("ok")

    request = rf.get("/organisation/")
    request.user = UserFactory(organisation=None)
    with pytest.raises(PermissionDenied):
        any_view(request)
    request.user = AnonymousUser()
    assert any_view(request).status_code == 302
    assert not AuditEvent.objects.exists()


def test_another_organisations_object_is_404_and_changes_nothing(client, world):
    outsider = RoleGrantFactory(role=USER_ADMIN).user
    client.force_login(outsider)
    before = _snapshot(world)
    url = reverse("users:suspend", args=[world["subject"].pk])
    assert client.post(url, {"reason": "Forsøg", "version": ""}).status_code == 404
    assert _snapshot(world) == before
