"""Two exercises (øvelser) side by side, each with the demo journey walked through the real pages:
the helpers of tests/security/test_sandbox_isolation.py.

A ``World`` is one sandbox with its logged-in test clients (each holding only that sandbox's
cookie) and the ids, tokens, codes, serials and user names of the objects the journey made, so a
test can replay every URL of one sandbox's session with another sandbox's objects.
"""

import re
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from django.apps import apps
from django.conf import settings
from django.db.models import F
from django.http import HttpResponse
from django.test import Client
from django.urls import reverse

from activation.models import BoundMeans, BulkJob, Invitation
from broker.models import Client as OAuthClient
from mitid_portal import crypto
from mitid_portal.models import Sandbox
from mitid_portal.sandbox import SandboxedModel, sandbox_scope
from mitid_portal.sandbox_middleware import sandbox_cookie_set
from mitid_portal.sandboxes import sandbox_create
from organisations.models import Organisation, PublicService, RightRequest, RoleGrant
from simulators import demo
from simulators.mailbox.models import MailMessage
from simulators.mitid import totp
from simulators.mitid.models import Device, LoginRequest
from simulators.nemid.models import NemIDEmployee
from simulators.registers.models import Person
from simulators.sms.models import SmsMessage
from users.models import ImportRun, User

PEOPLE = {person.key: person for person in demo.PEOPLE}
LINK = re.compile(r"/aktiver/link/([^/\s\"<]+)/")
CODE = re.compile(r'data-testid="activation-code">(\d{8})<')


def sandbox_client(sandbox: Sandbox) -> Client:
    """A browser that holds only ``sandbox``'s cookie, signed as ``sandbox_cookie_set`` signs it."""
    client = Client()
    response = HttpResponse()
    assert sandbox.expires_at is not None
    sandbox_cookie_set(response, sandbox_id=sandbox.pk, expires_at=sandbox.expires_at.timestamp())
    client.cookies[settings.SANDBOX_COOKIE_NAME] = response.cookies[
        settings.SANDBOX_COOKIE_NAME
    ].value
    return client


def latest_login_request(sandbox_id: int) -> LoginRequest:
    with sandbox_scope(sandbox_id):
        return LoginRequest.objects.latest("created_at")


def broker_login(client: Client, sandbox_id: int, username: str, *, start: str = "login:start"):
    """*Log på* with private MitID through the simulated broker, approved in the person's
    simulated app; returns the broker's return (followed)."""
    if start == "employee:login":
        started = client.post(reverse(start))
    else:
        started = client.get(reverse(start))
    assert started.status_code == 302, started
    broker_page = client.get(started.url)
    assert broker_page.status_code == 200, broker_page
    client.post(
        reverse("mitid:login"),
        {
            "client": "MitID Erhverv",
            "return_url": broker_page.context["return_url"],
            "state": broker_page.context["state"],
            "username": username,
            "method": "app",
        },
    )
    login_request = latest_login_request(sandbox_id)
    assert login_request.account is not None, username
    approved = client.post(
        reverse("mitid:app_decide", args=[username, login_request.pk]), {"decision": "approve"}
    )
    assert approved.status_code in (200, 302), approved
    finish = client.get(reverse("mitid:login_finish", args=[login_request.pk]))
    assert finish.status_code == 302, finish
    return client.get(finish.url, follow=start != "employee:login")


@dataclass
class World:
    """One sandbox after the demo journey."""

    sandbox: Sandbox
    clients: dict[str, Client] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)
    # Secrets the journey handled: link tokens, activation codes, the setup link's token.
    tokens: list[str] = field(default_factory=list)
    codes: list[str] = field(default_factory=list)
    objects: dict[str, object] = field(default_factory=dict)

    @property
    def pk(self) -> int:
        return self.sandbox.pk

    def scope(self):
        return sandbox_scope(self.sandbox.pk)


def _mailbox_bodies(world: World) -> list[str]:
    with world.scope():
        return list(MailMessage.objects.values_list("body_text", flat=True))


def world_build(name: str) -> World:
    """A new exercise with the demo world, in which the owner connects the practice, logs in,
    imports from NemID, bulk-activates everyone (private MitID or kodeviser), gives a user the
    user administrator role; the birth-date employee activates with private MitID and the code
    the administrator revealed and logs in; another employee activates a separate MitID kodeviser
    and logs in with her bruger-ID; the user administrator activates and logs in; the
    administrator (also rights administrator) makes a group with a service and a member and a
    power of attorney, the separate MitID's owner requests a right, and the administrator changes
    the birth-date employee's email (a confirmation link waits). Returns the logged-in clients,
    users, tokens, codes and object ids."""
    sandbox, _invite = sandbox_create(name=name)
    world = World(sandbox)
    owner = PEOPLE["owner"]

    # G2: the owner logs in with private MitID and connects the practice, appointing herself.
    admin = sandbox_client(sandbox)
    broker_login(admin, sandbox.pk, owner.username)
    response = admin.post(reverse("organisations:choose"), {"cvr": demo.PRACTICE_CVR})
    assert response.status_code == 302, response
    terms_url = response.url
    admin.post(terms_url, {"accept": "on"})
    connection_pk = int(terms_url.strip("/").split("/")[-2])
    response = admin.post(
        reverse("organisations:admin", args=[connection_pk]),
        {"choice": "self", "requester_email": "hanne@example.dk"},
    )
    assert response.url == reverse("activation:connect_confirm", args=[connection_pk]), response
    response = admin.post(response.url)
    assert response.status_code == 302, response
    world.objects["connection"] = connection_pk

    with world.scope():
        practice = Organisation.objects.get(cvr=demo.PRACTICE_CVR)
        # The settings page's choice, written directly: every means offered, private MitID too.
        Organisation.objects.filter(pk=practice.pk).update(
            allow_private_mitid=True,
            allowed_means=["app", "kodeviser"],
            preferred_means="app",
        )
    world.objects["practice"] = practice

    # G3: the organisation administrator logs in to the portal.
    admin = sandbox_client(sandbox)
    page = broker_login(admin, sandbox.pk, owner.username)
    assert page.status_code == 200
    with world.scope():
        world.users["org_admin"] = User.objects.get(
            organisation=practice, cpr_hash=crypto.cpr_hash(owner.cpr)
        )
    assert page.context["request"].user == world.users["org_admin"]
    world.clients["org_admin"] = admin

    # G4: import from NemID and activate everyone.
    assert admin.post(reverse("users:import"), {}).status_code == 302
    admin.post(reverse("activation:bulk_start"), {"all_matching": "1", "q": ""})
    admin.post(reverse("activation:bulk_means"), {"means": ["private", "kodeviser"]})
    confirm = admin.post(reverse("activation:bulk_confirm"))
    assert confirm.url == reverse("activation:bulk_receipt"), confirm

    with world.scope():
        practice_users = {
            person.key: User.objects.filter(organisation=practice, email=person.email).first()
            for person in demo.PEOPLE
            if person.email
        }
    birthe = practice_users["birthe"]
    with world.scope():
        invitation = Invitation.objects.get(user=birthe, state=Invitation.State.LIVE)
    world.objects["invitation_birthe"] = invitation.pk
    # A bulk action's job (issue 14), chosen for Birthe and not yet confirmed.
    chosen = admin.post(
        reverse("activation:bulk_action"),
        {"source": "afventer", "action": "resend", "user": [birthe.pk]},
    )
    assert chosen.status_code == 302, chosen
    with world.scope():
        world.objects["bulk_job"] = BulkJob.objects.filter(organisation=practice).latest("pk").pk
    shown = admin.post(reverse("activation:code_reveal", args=[invitation.pk]))
    code = CODE.search(shown.content.decode()).group(1)
    world.codes.append(code)

    bodies = _mailbox_bodies(world)
    tokens = {m.group(1) for body in bodies for m in [LINK.search(body)] if m}
    assert tokens, "no activation link in the mailbox"
    world.tokens += sorted(tokens)

    def token_of(person_key: str) -> str:
        email = PEOPLE[person_key].email
        with world.scope():
            body = (
                MailMessage.objects.filter(recipients__address=email.lower())
                .filter(body_text__contains="/aktiver/link/")
                .latest("id")
                .body_text
            )
        return LINK.search(body).group(1)

    # G6: the birth-date employee activates with private MitID and the revealed code.
    employee = sandbox_client(sandbox)
    assert employee.get(reverse("employee:link", args=[token_of("birthe")])).status_code == 302
    callback = broker_login(employee, sandbox.pk, PEOPLE["birthe"].username, start="employee:login")
    assert urlsplit(callback.url).path == reverse("employee:choose"), callback
    assert employee.post(reverse("employee:choose"), {"use_private": "yes"}).status_code == 302
    done = employee.post(reverse("employee:code"), {"code": code})
    assert done.url == reverse("employee:receipt"), done
    world.users["employee"] = birthe
    world.clients["employee_journey"] = employee
    # Now a user with private MitID, she logs in to the portal.
    employee = sandbox_client(sandbox)
    page = broker_login(employee, sandbox.pk, PEOPLE["birthe"].username)
    assert page.context["request"].user == birthe, page.redirect_chain
    world.clients["employee"] = employee

    # G7: another employee chooses a separate MitID kodeviser and logs in with her bruger-ID.
    separate = sandbox_client(sandbox)
    lise = practice_users["lise"]
    assert separate.get(reverse("employee:link", args=[token_of("lise")])).status_code == 302
    callback = broker_login(separate, sandbox.pk, PEOPLE["lise"].username, start="employee:login")
    assert urlsplit(callback.url).path == reverse("employee:choose"), callback
    response = separate.post(reverse("employee:choose"), {"use_private": "no"})
    assert response.status_code == 302, response
    bruger_id = f"lise.{name.lower()}"
    separate.post(reverse("separate:start"), {"kind": "kodeviser"})
    separate.post(reverse("separate:physical"))
    response = separate.post(reverse("separate:bruger_id"), {"bruger_id": bruger_id})
    assert response.status_code == 302, response.content.decode()
    phone = PEOPLE["lise"].phone
    response = separate.post(reverse("separate:phone"), {"number": phone})
    assert response.status_code == 302, response.content.decode()
    separate.post(reverse("separate:overview"))
    with world.scope():
        sms = SmsMessage.objects.filter(number=phone).order_by("-sent_at", "-id").first()
    sms_code = re.search(r"\b(\d{6})\b", sms.text).group(1)
    response = separate.post(reverse("separate:verify"), {"code": sms_code})
    assert response.headers["Location"] == reverse("separate:activation_start"), response
    separate.post(reverse("separate:activation_start"), {"choice": "new"})
    serial = separate.session["separate_activation"]["device_serial"]
    with world.scope():
        device = Device.objects.get(serial=serial)
    response = separate.post(
        reverse("separate:activate"), {"code": totp.code_at(device.totp_secret, time.time())}
    )
    assert response.status_code == 302, response.content.decode()
    with world.scope():
        assert BoundMeans.objects.filter(user=lise, device_serial=serial).exists()
    world.objects["device"] = serial
    world.objects["bruger_id"] = bruger_id
    world.users["separate"] = lise

    # The separate MitID's owner logs in with bruger-ID and kodeviser.
    login = sandbox_client(sandbox)
    login.post(reverse("separate:login"), {"bruger_id": bruger_id, "method": "code"})
    response = login.post(
        reverse("separate:login_verify"), {"code": totp.code_at(device.totp_secret, time.time())}
    )
    assert response.status_code == 302, response.content.decode()
    assert int(login.session["_auth_user_id"]) == lise.pk

    # The administrator makes Søren user administrator (G3.6); he logs in with private MitID.
    soeren = practice_users["soeren"]
    response = admin.post(
        reverse("organisations:role_add"),
        {"user": soeren.pk, "role": RoleGrant.Role.USER_ADMIN, "confirmed": "1"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    world.users["user_admin"] = soeren
    # He activates with private MitID from his link (no code: NemID knew his CPR) and logs in.
    user_admin = sandbox_client(sandbox)
    assert user_admin.get(reverse("employee:link", args=[token_of("soeren")])).status_code == 302
    callback = broker_login(
        user_admin, sandbox.pk, PEOPLE["soeren"].username, start="employee:login"
    )
    assert user_admin.post(reverse("employee:choose"), {"use_private": "yes"}).status_code == 302
    user_admin = sandbox_client(sandbox)
    page = broker_login(user_admin, sandbox.pk, PEOPLE["soeren"].username)
    assert page.context["request"].user == soeren, page.redirect_chain
    world.clients["user_admin"] = user_admin
    world.clients["separate"] = login

    # Rights: a group with a service and a member, a power of attorney to the other
    # organisation, and a pending right request from the separate MitID's owner.
    services = list(PublicService.objects.order_by("code")[:2])
    response = admin.post(
        reverse("organisations:role_add"),
        {
            "user": world.users["org_admin"].pk,
            "role": RoleGrant.Role.RIGHTS_ADMIN,
            "confirmed": "1",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    response = admin.post(reverse("organisations:groups"), {"name": f"Gruppe {name}"})
    assert response.status_code == 302, response.content.decode()[:2000]
    group_pk = int(response.url.strip("/").split("/")[-1])
    admin.post(
        reverse("organisations:group_service_add", args=[group_pk]), {"service": services[0].pk}
    )
    admin.post(reverse("organisations:group_member_add", args=[group_pk]), {"user": lise.pk})
    response = admin.post(
        reverse("organisations:power_new"),
        {"cvr": demo.OTHER_CVR, "services": [services[0].pk]},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    power_pk = int(response.url.strip("/").split("/")[-1])
    form = login.get(reverse("organisations:right_request_new")).context["form"]
    requested = form.fields["service"].queryset.first()
    response = login.post(
        reverse("organisations:right_request_new"), {"service": requested.pk, "reason": name}
    )
    assert response.status_code == 302, response.content.decode()[:2000]

    # An email change waiting for its confirmation link (users:email_confirm_link).
    edit = admin.get(reverse("users:edit", args=[birthe.pk]))
    version = edit.context["form"].initial["version"]
    response = admin.post(
        reverse("users:edit", args=[birthe.pk]),
        {
            "version": version,
            "first_name": birthe.first_name,
            "last_name": birthe.last_name,
            "email": f"birthe.{name.lower()}@example.dk",
            "phone": birthe.phone,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]

    # An IdM API client of the organisation (the SCIM API's OAuth client, issue 15).
    response = admin.post(reverse("idm:clients"), {"name": f"IdM {name}"})
    assert response.status_code == 200, response.content.decode()[:2000]

    with world.scope():
        world.objects.update(
            api_client=OAuthClient.objects.get(kind=OAuthClient.Kind.IDM).pk,
            group=group_pk,
            power=power_pk,
            right_request=RightRequest.objects.get().pk,
            role_grant=RoleGrant.objects.get(user=soeren).pk,
            import_run=ImportRun.objects.latest("pk").pk,
            invitation=Invitation.objects.filter(user=practice_users["maria"]).latest("pk").pk,
            bound_means=BoundMeans.objects.filter(user=lise).get().pk,
            person=Person.objects.get(cpr_hash=crypto.cpr_hash(PEOPLE["maria"].cpr)).pk,
            nemid_employee=NemIDEmployee.objects.filter(cvr=demo.PRACTICE_CVR).first().pk,
            login_request=str(LoginRequest.objects.latest("created_at").pk),
            mail=MailMessage.objects.filter(recipients__address=PEOPLE["maria"].email)
            .latest("pk")
            .pk,
            mail_address=PEOPLE["maria"].email,
            service=services[0].pk,
            link_token=token_of("maria"),
            email_token=re.search(
                r"/brugere/e-mail/([^/\s\"<]+)/",
                MailMessage.objects.filter(body_text__contains="/brugere/e-mail/")
                .latest("pk")
                .body_text,
            ).group(1),
        )
    tokens = set()
    for body in _mailbox_bodies(world):
        tokens |= set(
            re.findall(r"/(?:aktiver/link|opsaetning|brugere/e-mail)/([^/\s\"<]+)/", body)
        )
    world.tokens = sorted(tokens)
    world.users.update({f"person_{key}": user for key, user in practice_users.items() if user})
    world.objects["practice_users"] = practice_users
    return world


def sandboxed_models() -> list[type]:
    return [m for m in apps.get_models() if issubclass(m, SandboxedModel)]


def snapshot(sandbox_id: int) -> dict[str, list[dict]]:
    """Every row of ``sandbox_id`` in every sandboxed table, read unscoped."""
    rows = {}
    with sandbox_scope(None):
        for model in sandboxed_models():
            objects = model._base_manager.filter(sandbox_id=sandbox_id).order_by("pk")
            rows[model._meta.label] = list(objects.values())
            for m2m in model._meta.many_to_many:
                rows[f"{model._meta.label}.{m2m.name}"] = list(
                    objects.filter(**{f"{m2m.name}__isnull": False})
                    .values_list("pk", f"{m2m.name}__pk")
                    .order_by("pk", f"{m2m.name}__pk")
                )
    return rows


# Text fields that carry a name or a message, marked in the world whose data must not leak.
MARKED_FIELDS = {
    "name",
    "first_name",
    "last_name",
    "subject",
    "body_text",
    "body_html",
    "text",
    "receiver_name",
    "reason",
    "actor_name",
    "person_name",
    "company_name",
    "created_by_name",
    "started_by_name",
    "granted_by_name",
    "target",
}


def mark(world: World, marker: str) -> None:
    """Append `` marker`` to every name, subject and message text of ``world``'s rows, so a page
    that shows any of them shows the marker."""
    suffix = f" {marker}"
    with sandbox_scope(None):
        for model in sandboxed_models():
            fields = [
                f
                for f in model._meta.concrete_fields
                if f.name in MARKED_FIELDS
                and f.get_internal_type() in ("CharField", "TextField")
                and not f.choices
            ]
            if not fields:
                continue
            rows = model._base_manager.filter(sandbox_id=world.pk)
            for pk, *values in rows.values_list("pk", *(f.attname for f in fields)):
                changes = {}
                for f, value in zip(fields, values, strict=True):
                    if not value:
                        continue
                    limit = f.max_length or 10**6
                    changes[f.attname] = value[: limit - len(suffix)] + suffix
                if changes:
                    model._base_manager.filter(pk=pk).update(**changes)


def cross_sandbox_links() -> list[str]:
    """Every foreign key and many-to-many link between rows of two different sandboxes (there
    must be none: a form that took another sandbox's id would leave one)."""
    found = []
    with sandbox_scope(None):
        for model in sandboxed_models():
            for f in model._meta.get_fields():
                target = getattr(f, "related_model", None)
                if f.auto_created or target is None or not issubclass(target, SandboxedModel):
                    continue
                if f.many_to_many:
                    source, other = f.m2m_field_name(), f.m2m_reverse_field_name()
                    rows = f.remote_field.through._base_manager.exclude(
                        **{f"{source}__sandbox": F(f"{other}__sandbox")}
                    )
                elif f.many_to_one or f.one_to_one:
                    rows = model._base_manager.filter(**{f"{f.name}__isnull": False}).exclude(
                        **{f"{f.name}__sandbox": F("sandbox")}
                    )
                else:
                    continue
                count = rows.count()
                if count:
                    found.append(f"{model._meta.label}.{f.name}: {count}")
    return found
