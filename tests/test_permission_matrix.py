"""The permission matrix: every administrative URL of the project × every persona.

The URL patterns are enumerated from the resolver, so a new view is in the matrix by itself.
A view is administrative when it lives in the namespaces ``organisations``, ``users`` or
``activation``, or carries ``organisation_roles`` (set by ``organisations.access.organisation_view``).
Such a view without the attribute, and not in ``PUBLIC_VIEWS``, fails
``test_every_administrative_view_checks_organisation_and_role`` ("a new view without a check
fails it"). For each persona the response must match the roles the view names: allowed ones do
not answer 403, 404 or a redirect to the login; refused ones answer 403 or 404 (the anonymous
visitor: a redirect to the login).

Personas: an organisation administrator, a user administrator, a rights administrator and a
plain user of organisation A; an outsider (organisation administrator of organisation B) who is
given organisation A's objects in the URL and must get 403/404, and on pages without objects must
not see anything of organisation A; and an anonymous visitor.
"""

import datetime
from dataclasses import dataclass

import pytest
from django.conf import settings
from django.shortcuts import resolve_url
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from activation.models import BoundMeans, BulkJob, Invitation
from broker.models import Client as OAuthClient
from organisations.models import (
    PowerOfAttorney,
    PublicService,
    RightRequest,
    RoleGrant,
    UserGroup,
)
from tests.factories import OrganisationFactory, RoleGrantFactory, UserFactory
from users.models import ImportRun, User

pytestmark = pytest.mark.django_db

ADMIN_NAMESPACES = {"organisations", "users", "activation"}

# Views in the administrative namespaces that are deliberately not organisation views: the
# owner's connection through the simulated NemLog-in (a person, not yet a portal user, checked by
# the connection's own session), the appointed administrator's setup link, the employee's
# activation link landing page, and the user's confirmation of a new email (the token is the key).
PUBLIC_VIEWS = {
    "organisations:connect_start",
    "organisations:choose",
    "organisations:terms",
    "organisations:admin",
    "organisations:documents",
    "activation:connect_confirm",
    "organisations:receipt",
    "activation:setup_link",
    "activation:setup_continue",
    "activation:link",
    "users:email_confirm",
    "users:email_confirm_link",
}

ORG_ADMIN = RoleGrant.Role.ORGANISATION_ADMIN
USER_ADMIN = RoleGrant.Role.USER_ADMIN
RIGHTS_ADMIN = RoleGrant.Role.RIGHTS_ADMIN
PERSONAS = ["org_admin", "user_admin", "rights_admin", "plain_user", "outsider", "anonymous"]
PERSONA_ROLE = {"org_admin": ORG_ADMIN, "user_admin": USER_ADMIN, "rights_admin": RIGHTS_ADMIN}

SUBJECT_NAME = ("Matrixa", "Organisationsbruger")
ORGANISATION_A = "Matrix Organisation A I/S"


@dataclass(frozen=True)
class Route:
    name: str  # namespace:name
    route: str
    kwargs: tuple[str, ...]
    roles: tuple[str, ...] | None  # None: no organisation_view

    def __str__(self) -> str:
        return self.name


def _walk(patterns, prefix="", namespace=None):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = pattern.namespace or namespace
            if pattern.namespace and namespace and pattern.namespace != namespace:
                inner = f"{namespace}:{pattern.namespace}"
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern):
            yield namespace, pattern, prefix + str(pattern.pattern)


def _routes() -> list[Route]:
    routes = []
    for namespace, pattern, route in _walk(get_resolver().url_patterns):
        callback = pattern.callback
        roles = getattr(callback, "organisation_roles", None)
        if roles is None and hasattr(callback, "view_class"):
            roles = getattr(callback.view_class, "organisation_roles", None)
        if namespace not in ADMIN_NAMESPACES and roles is None:
            continue
        name = f"{namespace}:{pattern.name}" if namespace else str(pattern.name)
        kwargs = tuple(pattern.pattern.regex.groupindex)
        routes.append(Route(name, route, kwargs, tuple(roles) if roles is not None else None))
    return routes


ROUTES = _routes()
CHECKED = [r for r in ROUTES if r.roles is not None]


# --- The world: organisation A with its personas and objects, and an outsider's organisation B


@pytest.fixture
def world():
    organisation = OrganisationFactory(name=ORGANISATION_A)
    people = {}
    for persona, role in PERSONA_ROLE.items():
        people[persona] = RoleGrantFactory(
            user__organisation=organisation, user__first_name=persona, role=role
        ).user
    people["plain_user"] = UserFactory(organisation=organisation, first_name="plain")
    # The outsider holds every administrator role – in organisation B.
    outsider = UserFactory(
        organisation=OrganisationFactory(name="Matrix Organisation B ApS"), first_name="Udefra"
    )
    for role in PERSONA_ROLE.values():
        RoleGrantFactory(user=outsider, role=role)
    people["outsider"] = outsider
    subject = UserFactory(
        organisation=organisation,
        first_name=SUBJECT_NAME[0],
        last_name=SUBJECT_NAME[1],
        state=User.State.IMPORTED,
    )
    awaiting = UserFactory(organisation=organisation, state=User.State.AWAITING)
    invitation = Invitation.objects.create(
        user=awaiting,
        organisation=organisation,
        token_hash="matrix-token-hash",
        code_hash="matrix-code-hash",
        expires_at=timezone.now() + datetime.timedelta(days=30),
    )
    import_run = ImportRun.objects.create(
        organisation=organisation, started_by_name="Matrix", state=ImportRun.State.DONE
    )
    service = PublicService.objects.create(code="matrix-tjeneste", name="Matrix-tjeneste")
    group = UserGroup.objects.create(organisation=organisation, name="Matrix-gruppe")
    group.services.add(service)
    right_request = RightRequest.objects.create(
        organisation=organisation, user=people["plain_user"], service=service
    )
    power = PowerOfAttorney.objects.create(
        giver=organisation,
        receiver_cvr="11111111",
        receiver_name="Revisor ApS",
        created_by_name="Matrix",
    )
    power.services.add(service)
    api_client = OAuthClient.objects.create(
        name="Matrix-IdM",
        kind=OAuthClient.Kind.IDM,
        organisation=organisation,
        client_type=OAuthClient.CLIENT_CONFIDENTIAL,
        authorization_grant_type=OAuthClient.GRANT_CLIENT_CREDENTIALS,
    )
    means = {
        persona: BoundMeans.objects.create(user=user, kind=BoundMeans.Kind.PRIVATE)
        for persona, user in people.items()
    }
    return {
        "organisation": organisation,
        "people": people,
        "subject": subject,
        "invitation": invitation,
        "import_run": import_run,
        "role_grant": RoleGrant.objects.filter(user=people["user_admin"]).get(),
        "means": means,
        "group": group,
        "right_request": right_request,
        "power": power,
        "api_client": api_client,
        "bulk_job": BulkJob.objects.create(
            organisation=organisation,
            action="reactivate",
            state=BulkJob.State.DONE,
            created_by_name="Matrix",
        ),
    }


def _own_means(world, persona):
    # The outsider is given a means of organisation A, which is never theirs.
    owner = "plain_user" if persona in ("outsider", "anonymous") else persona
    return world["means"][owner].pk


# How to fill each URL argument: (view name, argument) → value for a persona. Organisation A's
# objects for everyone; the outsider thereby asks for another organisation's objects.
ARGUMENTS = {
    ("organisations:role_grant", "pk"): lambda w, p: w["role_grant"].pk,
    ("organisations:setup_step", "step"): lambda w, p: "import",
    ("users:import_run", "pk"): lambda w, p: w["import_run"].pk,
    ("users:import_report_csv", "pk"): lambda w, p: w["import_run"].pk,
    ("activation:single_start", "user_pk"): lambda w, p: w["subject"].pk,
    ("employee:means_remove", "pk"): _own_means,
}
for _name in ("detail", "edit", "suspend", "reactivate"):
    ARGUMENTS[(f"users:{_name}", "pk")] = lambda w, p: w["subject"].pk
for _name in ("user_close", "user_resend_activation", "user_new_code"):
    ARGUMENTS[(f"activation:{_name}", "pk")] = lambda w, p: w["subject"].pk
for _name in ("invitation", "code_reveal", "code_new", "resend", "cancel"):
    ARGUMENTS[(f"activation:{_name}", "pk")] = lambda w, p: w["invitation"].pk
for _name in ("user_rights", "user_right_add", "user_right_remove"):
    ARGUMENTS[(f"organisations:{_name}", "pk")] = lambda w, p: w["subject"].pk
for _name in (
    "group",
    "group_service_add",
    "group_service_remove",
    "group_member_add",
    "group_member_remove",
    "group_delete",
):
    ARGUMENTS[(f"organisations:{_name}", "pk")] = lambda w, p: w["group"].pk
for _name in ("bulk_job", "bulk_job_confirm", "bulk_job_csv", "bulk_job_retry"):
    ARGUMENTS[(f"activation:{_name}", "pk")] = lambda w, p: w["bulk_job"].pk
for _name in ("client_renew", "client_revoke"):
    ARGUMENTS[(f"idm:{_name}", "pk")] = lambda w, p: w["api_client"].pk
ARGUMENTS[("organisations:right_request_decide", "pk")] = lambda w, p: w["right_request"].pk
for _name in (
    "power",
    "power_approve",
    "power_reject",
    "power_revoke",
    "power_user_add",
    "power_user_remove",
):
    ARGUMENTS[(f"organisations:{_name}", "pk")] = lambda w, p: w["power"].pk


# Arguments that name no object of an organisation (a step of a wizard, say).
NOT_OBJECTS = {("organisations:setup_step", "step")}


def _takes_objects(route: Route) -> bool:
    return any((route.name, arg) not in NOT_OBJECTS for arg in route.kwargs)


def _url(route: Route, world, persona) -> str:
    kwargs = {}
    for arg in route.kwargs:
        fill = ARGUMENTS.get((route.name, arg))
        if fill is None:
            pytest.fail(
                f"{route.name} ({route.route}) takes '{arg}': add to ARGUMENTS in "
                "tests/test_permission_matrix.py how to fill it with an object of the "
                "organisation, so the matrix can check it."
            )
        kwargs[arg] = fill(world, persona)
    return reverse(route.name, kwargs=kwargs)


def _request(client: Client, url: str):
    response = client.get(url)
    if response.status_code == 405:  # a POST-only act: post nothing, the check comes first
        response = client.post(url, {})
    return response


def _is_login_redirect(response) -> bool:
    return response.status_code == 302 and response.url.startswith(resolve_url(settings.LOGIN_URL))


def _allowed(route: Route, persona: str) -> bool:
    if persona == "anonymous":
        return False
    if persona == "outsider":
        # An organisation administrator – but of organisation B: objects of A are never theirs.
        return not _takes_objects(route)
    if not route.roles:
        return True  # any user of the organisation
    return persona in PERSONA_ROLE and PERSONA_ROLE[persona] in route.roles


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("route", CHECKED, ids=str)
def test_permission_matrix(route, persona, world):
    client = Client()
    if persona != "anonymous":
        client.force_login(world["people"][persona])
    url = _url(route, world, persona)
    response = _request(client, url)
    status = response.status_code
    if persona == "anonymous":
        assert _is_login_redirect(response), f"{route} {url}: anonymous got {status}"
    elif _allowed(route, persona):
        assert status not in (403, 404) and not _is_login_redirect(response), (
            f"{route} {url}: {persona} should be let in, got {status}"
        )
        if persona == "outsider" and response.get("Content-Type", "").startswith("text/"):
            # A CSV export is streamed: read it whole.
            raw = b"".join(response.streaming_content) if response.streaming else response.content
            body = raw.decode("utf-8", "replace")
            assert ORGANISATION_A not in body, f"{route}: the outsider sees organisation A"
            assert SUBJECT_NAME[1] not in body, f"{route}: the outsider sees A's users"
    else:
        assert status in (403, 404), f"{route} {url}: {persona} should be refused, got {status}"


def test_every_administrative_view_checks_organisation_and_role():
    unchecked = sorted(
        f"{r.name} ({r.route})" for r in ROUTES if r.roles is None and r.name not in PUBLIC_VIEWS
    )
    assert not unchecked, (
        "These administrative views are not wrapped in organisations.access.organisation_view "
        "(and are not listed as public): " + ", ".join(unchecked)
    )


def test_the_matrix_covers_the_administration():
    names = {r.name for r in CHECKED}
    for expected in (
        "users:list",
        "users:detail",
        "users:suspend",
        "activation:user_close",
        "activation:pending",
        "organisations:audit_log",
        "activation:migration_overview",
        "organisations:settings",
    ):
        assert expected in names


def test_public_views_stay_public(client):
    """The allow-list is small and each one needs no organisation role (nor gives any data)."""
    for name in ("users:email_confirm",):
        assert client.get(reverse(name)).status_code == 200
