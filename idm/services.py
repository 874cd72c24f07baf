"""State changes of the IdM API: the organisation administrator's API clients (create, renew the
secret, revoke), and what a local IdM does over SCIM to the organisation's users and groups.

A SCIM call acts through the same services as the portal's pages: a user is created by
*Opret bruger*'s ``user_create`` (same rules, audit and activation email), suspended and
reactivated by the users lifecycle, closed by *Luk bruger*. The client acts as ``ApiActor``: it
carries the client's name into every audit event and holds no administrator role, so (like a
user administrator) it cannot suspend or close an administrator, and the organisation never
loses its last organisation administrator through the API.
"""

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import unquote_plus

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from oauth2_provider.generators import generate_client_secret

from activation.services.create import bulk_means, user_create
from activation.services.lifecycle import user_close
from broker.models import AccessToken, Client
from idm.models import ScimGroup, ScimUser
from idm.selectors import scim_users
from mitid_portal.audit import audit_record
from mitid_portal.converters import id_from_text
from mitid_portal.errors import RuleError
from mitid_portal.identity import UserState
from mitid_portal.validators import normalise_phone
from organisations.models import Organisation, PublicService, UserGroup, UserRight
from organisations.services.roles import ORG_ADMIN, actor_require_role
from users.models import User
from users.services.lifecycle import user_edit, user_reactivate, user_suspend, user_version

NAME_MAX = 100
EXTERNAL_ID_MAX = 200  # ScimUser.external_id and ScimGroup.external_id


# --- The organisation administrator's API clients -------------------------------------------------


def _admin_name(actor) -> str:
    return (actor.full_name or actor.get_username())[:200]


def _client_audit(*, action: str, client: Client, actor, request, changes=None) -> None:
    audit_record(
        action=action,
        actor_name=_admin_name(actor),
        actor_user=actor,
        organisation=client.organisation,
        target=client.name,
        changes={"klient_id": client.client_id, **(changes or {})},
        request=request,
    )


def api_client_create(
    *, organisation: Organisation, name: str, actor, request: HttpRequest | None = None
) -> tuple[Client, str]:
    """An organisation administrator registers a local IdM: a confidential client with the
    client-credentials grant, bound to the organisation. Returns the client and its secret in
    clear, which is shown once and stored only hashed."""
    actor_require_role(
        actor=actor,
        organisation=organisation,
        roles=[ORG_ADMIN],
        act="api_client_create",
        request=request,
    )
    name = " ".join((name or "").split())
    if not name:
        raise RuleError("name", _("Giv klienten et navn."), field="name")
    if len(name) > 100:
        raise RuleError("name", _("Navnet er for langt (højst 100 tegn)."), field="name")
    secret = generate_client_secret()
    with transaction.atomic():
        client = Client(
            name=name,
            kind=Client.Kind.IDM,
            organisation=organisation,
            client_type=Client.CLIENT_CONFIDENTIAL,
            authorization_grant_type=Client.GRANT_CLIENT_CREDENTIALS,
            client_secret=secret,
            hash_client_secret=True,
            redirect_uris="",
            created_by_name=_admin_name(actor),
        )
        client.full_clean(exclude=["client_secret", "user"])
        client.save()
        _client_audit(action="api_client_created", client=client, actor=actor, request=request)
    return client, secret


def _client_tokens_end(client: Client) -> int:
    return AccessToken.objects.filter(application=client).delete()[0]


def api_client_secret_renew(*, client: Client, actor, request: HttpRequest | None = None) -> str:
    """A new secret for the client (the old one stops at once, and so do the tokens issued with
    it). Returns the new secret in clear, shown once."""
    assert client.organisation is not None  # an IdM client belongs to an organisation
    actor_require_role(
        actor=actor,
        organisation=client.organisation,
        roles=[ORG_ADMIN],
        act="api_client_secret_renew",
        request=request,
    )
    if client.revoked_at is not None:
        raise RuleError("revoked", _("Klienten er spærret."))
    secret = generate_client_secret()
    with transaction.atomic():
        client.client_secret = secret
        client.save(update_fields=["client_secret", "updated"])
        ended = _client_tokens_end(client)
        _client_audit(
            action="api_client_secret_renewed",
            client=client,
            actor=actor,
            request=request,
            changes={"tokens_ended": ended},
        )
    return secret


def api_client_revoke(*, client: Client, actor, request: HttpRequest | None = None) -> Client:
    """Revoke the client for good: its tokens end and its secret no longer gets new ones."""
    assert client.organisation is not None
    actor_require_role(
        actor=actor,
        organisation=client.organisation,
        roles=[ORG_ADMIN],
        act="api_client_revoke",
        request=request,
    )
    if client.revoked_at is not None:
        raise RuleError("revoked", _("Klienten er allerede spærret."))
    with transaction.atomic():
        client.revoked_at = timezone.now()
        client.client_secret = generate_client_secret()  # nobody knows it: no new tokens
        client.save(update_fields=["revoked_at", "client_secret", "updated"])
        ended = _client_tokens_end(client)
        _client_audit(
            action="api_client_revoked",
            client=client,
            actor=actor,
            request=request,
            changes={"tokens_ended": ended},
        )
    return client


# --- SCIM ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ApiActor:
    """The local IdM as the portal's services see an actor: a name for the audit, no portal
    user (``is_authenticated`` is false, so no audit event links a user and no role is held)."""

    client_id: int
    name: str
    organisation_id: int
    pk: None = None
    is_authenticated: bool = False

    @property
    def full_name(self) -> str:
        return self.name

    def get_username(self) -> str:
        return self.name


def api_actor(client: Client) -> ApiActor:
    assert client.organisation_id is not None
    return ApiActor(
        client_id=client.pk, name=client.name[:200], organisation_id=client.organisation_id
    )


@dataclass
class UserData:
    """What a SCIM User says about a MitID Erhverv user, parsed (``None``: not given)."""

    user_name: str
    first_name: str
    last_name: str
    email: str
    phone: str = ""
    external_id: str | None = None
    active: bool | None = None
    cpr: str | None = None
    birth_date: datetime.date | None = None
    means: list[str] | None = None
    anonymous: bool | None = None
    rights: list[str] | None = None


def _name(value: str, label: str) -> str:
    value = " ".join((value or "").split())
    if not value:
        raise RuleError("invalid", _("%(label)s mangler.") % {"label": label}, field=label)
    if len(value) > NAME_MAX:
        raise RuleError("invalid", _("%(label)s er for langt.") % {"label": label}, field=label)
    return value


def _external_id(value: str | None) -> str:
    value = value or ""
    if len(value) > EXTERNAL_ID_MAX:
        raise RuleError(
            "invalid",
            _("externalId er for langt (højst %(max)s tegn).") % {"max": EXTERNAL_ID_MAX},
            field="externalId",
        )
    return value


def user_data_clean(data: UserData) -> UserData:
    """Normalise and check what *Opret bruger*'s form checks: names, email, mobile number."""
    data.external_id = _external_id(data.external_id)
    data.first_name = _name(data.first_name, "name.givenName")
    data.last_name = _name(data.last_name, "name.familyName")
    data.user_name = " ".join((data.user_name or "").split())[:200]
    if not data.user_name:
        raise RuleError("invalid", _("userName mangler."), field="userName")
    data.email = (data.email or "").strip().lower()
    try:
        validate_email(data.email)
    except ValidationError as exc:
        raise RuleError("invalid", _("E-mailadressen er ikke gyldig."), field="emails") from exc
    if data.phone:
        try:
            data.phone = normalise_phone(data.phone)
        except ValidationError as exc:
            raise RuleError("invalid", exc.messages[0], field="phoneNumbers") from exc
    return data


def _services(codes: Sequence[str]) -> list[PublicService]:
    codes = list(dict.fromkeys(codes))
    found = list(PublicService.objects.filter(code__in=codes))
    unknown = set(codes) - {s.code for s in found}
    if unknown:
        raise RuleError(
            "invalid",
            _("Ukendt tjeneste: %(codes)s") % {"codes": ", ".join(sorted(unknown))},
            field="rights",
        )
    return found


def _user_name_check(*, organisation: Organisation, user_name: str, exclude: int | None) -> None:
    taken = scim_users(organisation=organisation).filter(
        scim_user_name__iexact=user_name  # type: ignore[misc]  # an annotation of scim_users
    )
    if exclude is not None:
        taken = taken.exclude(pk=exclude)
    if taken.exists():
        raise RuleError("uniqueness", _("userName er allerede i brug."), field="userName")


def _scim_row(user: User) -> ScimUser:
    row, _created = ScimUser.objects.get_or_create(
        user=user, defaults={"last_modified": timezone.now()}
    )
    return row


def user_touch(user_ids: Sequence[int]) -> None:
    """``meta.lastModified`` of these users is now."""
    now = timezone.now()
    have = set(ScimUser.objects.filter(user_id__in=user_ids).values_list("user_id", flat=True))
    ScimUser.objects.filter(user_id__in=have).update(last_modified=now)
    ScimUser.objects.bulk_create(
        [ScimUser(user_id=pk, last_modified=now) for pk in set(user_ids) - have],
        ignore_conflicts=True,
    )


def group_touch(group: UserGroup) -> None:
    ScimGroup.objects.update_or_create(group=group, defaults={"last_modified": timezone.now()})


def _rights_set(*, user: User, codes: list[str], actor: ApiActor, request) -> None:
    """The user's direct rights besides the *Basispakke* become exactly ``codes`` (the
    Basispakke every user holds and rights through groups stay as they are); each grant and
    removal audited like the portal's, with the client's name."""
    wanted = {s.pk: s for s in _services(codes) if not s.in_basic_package}
    held = {
        r.service_id: r
        for r in UserRight.objects.filter(
            user=user, service__in_basic_package=False
        ).select_related("service")
    }
    organisation = user.organisation
    for pk, service in wanted.items():
        if pk in held:
            continue
        UserRight.objects.create(user=user, service=service, granted_by_name=actor.name)
        audit_record(
            action="right_granted",
            actor_name=actor.name,
            organisation=organisation,
            target=user.full_name,
            changes={"tjeneste": service.name, "kilde": "IdM (SCIM)"},
            request=request,
        )
    for pk, right in held.items():
        if pk in wanted:
            continue
        changes = {"tjeneste": right.service.name, "kilde": "IdM (SCIM)"}
        if right.from_rid:
            changes["fra_rid"] = right.from_rid
        right.delete()
        audit_record(
            action="right_removed",
            actor_name=actor.name,
            organisation=organisation,
            target=user.full_name,
            changes=changes,
            request=request,
        )


@transaction.atomic
def scim_user_create(*, client: Client, data: UserData, request=None) -> User:
    """POST /Users: *Opret bruger* with what the IdM sent. The user is "Ikke aktiveret"
    (awaiting activation) and gets the activation email, exactly as from the portal; the means
    are those the IdM chose or the organisation's default."""
    organisation = client.organisation
    assert organisation is not None
    actor = api_actor(client)
    data = user_data_clean(data)
    if data.active is False:
        raise RuleError(
            "invalid",
            _("En ny bruger kan ikke oprettes suspenderet (active=false)."),
            field="active",
        )
    _user_name_check(organisation=organisation, user_name=data.user_name, exclude=None)
    if data.birth_date is None and not data.cpr:
        raise RuleError("invalid", _("Udfyld CPR-nummer eller fødselsdato."), field="birthDate")
    services = _services(data.rights or [])
    user = user_create(
        organisation=organisation,
        first_name=data.first_name,
        last_name=data.last_name,
        email=data.email,
        phone=data.phone,
        cpr=data.cpr or "",
        birth_date=data.birth_date,
        anonymous=bool(data.anonymous),
        means=data.means or bulk_means(organisation),
        services=services,
        actor=actor,
        request=request,
    )
    ScimUser.objects.update_or_create(
        user=user,
        defaults={
            "user_name": data.user_name,
            "external_id": data.external_id or "",
            "last_modified": timezone.now(),
        },
    )
    return user


@transaction.atomic
def scim_user_update(*, client: Client, user: User, data: UserData, request=None) -> User:
    """PUT or PATCH /Users/{id}: the user as the IdM wants it now. Name, email and mobile number
    through *Redigér* (an activated user's new email is confirmed by the user first, as in the
    portal), ``active`` through *Suspendér* / *Genaktivér*, the direct rights, and the SCIM-only
    userName and externalId. CPR, birth date, means and anonymity are set once, at creation, and
    ignored here."""
    organisation = client.organisation
    assert organisation is not None and user.organisation_id == organisation.pk
    actor = api_actor(client)
    data = user_data_clean(data)
    user = User.objects.select_for_update().get(pk=user.pk)
    # CPR and birth date are set once, at creation, and an update ignores them without comparing
    # them with the stored ones: an answer that differed with the value would let a client find a
    # CPR number it was never given by trying.
    _user_name_check(organisation=organisation, user_name=data.user_name, exclude=user.pk)

    if (data.first_name, data.last_name, data.email, data.phone) != (
        user.first_name,
        user.last_name,
        user.email if not user.pending_email else data.email,
        user.phone,
    ):
        user_edit(
            user=user,
            version=user_version(user),
            first_name=data.first_name,
            last_name=data.last_name,
            email=data.email,
            phone=data.phone,
            actor=actor,
            request=request,
        )
    if data.rights is not None:
        _rights_set(user=user, codes=data.rights, actor=actor, request=request)
    row = _scim_row(user)
    row.user_name = data.user_name
    row.external_id = data.external_id or ""  # PUT and PATCH send the whole resource
    row.last_modified = timezone.now()
    row.save()
    user.refresh_from_db()
    if data.active is False and user.state != UserState.SUSPENDED:
        if user.state != UserState.ACTIVE:
            raise RuleError(
                "invalid",
                _("Kun en aktiv bruger kan suspenderes; brugeren er ikke aktiveret endnu."),
                field="active",
            )
        user_suspend(
            user=user,
            reason=f"Suspenderet af IdM-klienten {actor.name} (SCIM active=false)",
            actor=actor,
            request=request,
        )
    elif data.active is True and user.state == UserState.SUSPENDED:
        user_reactivate(user=user, actor=actor, request=request)
    user.refresh_from_db()
    return user


@transaction.atomic
def scim_user_delete(*, client: Client, user: User, request=None) -> None:
    """DELETE /Users/{id}: *Luk bruger* (for good; the row stays for the audit log, the API no
    longer shows the user)."""
    actor = api_actor(client)
    user_close(
        user=user,
        reason=f"Lukket af IdM-klienten {actor.name} (SCIM DELETE)",
        actor=actor,
        request=request,
    )
    user_touch([user.pk])


# --- Groups -------------------------------------------------------------------------------------


def _group_audit(*, action: str, group: UserGroup, actor: ApiActor, request, **changes) -> None:
    audit_record(
        action=action,
        actor_name=actor.name,
        organisation=group.organisation,
        target=group.name,
        changes={"gruppe": group.name, "kilde": "IdM (SCIM)", **changes},
        request=request,
    )


def _group_name(*, organisation: Organisation, name: str, exclude: int | None) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise RuleError("invalid", _("Giv gruppen et navn."), field="displayName")
    if len(name) > 100:
        raise RuleError("invalid", _("Navnet er for langt (højst 100 tegn)."), field="displayName")
    taken = UserGroup.objects.filter(organisation=organisation, name__iexact=name)
    if exclude is not None:
        taken = taken.exclude(pk=exclude)
    if taken.exists():
        raise RuleError("uniqueness", _("Der findes allerede en gruppe med det navn."))
    return name


def _members(*, organisation: Organisation, ids: Sequence[str]) -> list[User]:
    """The users named by ``ids``: every one a user of the organisation the API shows (another
    organisation's user is as unknown as one that never existed)."""
    parsed = [id_from_text(i) for i in ids]
    pks = {pk for pk in parsed if pk is not None}
    if len(pks) != len(set(parsed)):
        raise RuleError("invalid", _("Ukendt bruger i members."), field="members")
    users = list(scim_users(organisation=organisation).filter(pk__in=pks))
    if len(users) != len(pks):
        raise RuleError("invalid", _("Ukendt bruger i members."), field="members")
    return users


def _members_set(*, group: UserGroup, ids: Sequence[str], actor: ApiActor, request) -> None:
    organisation = group.organisation
    wanted = {u.pk: u for u in _members(organisation=organisation, ids=ids)}
    held = {u.pk: u for u in group.members.all()}
    added = [u for pk, u in wanted.items() if pk not in held]
    removed = [u for pk, u in held.items() if pk not in wanted]
    if added:
        group.members.add(*added)
    if removed:
        group.members.remove(*removed)
    for user in added:
        _group_audit(
            action="user_group_member_added",
            group=group,
            actor=actor,
            request=request,
            bruger=user.full_name,
        )
    for user in removed:
        _group_audit(
            action="user_group_member_removed",
            group=group,
            actor=actor,
            request=request,
            bruger=user.full_name,
        )
    user_touch([*(u.pk for u in added), *(u.pk for u in removed)])


@transaction.atomic
def scim_group_create(
    *,
    client: Client,
    name: str,
    members: Sequence[str],
    external_id: str | None,
    request=None,
) -> UserGroup:
    organisation = client.organisation
    assert organisation is not None
    actor = api_actor(client)
    external_id = _external_id(external_id)
    name = _group_name(organisation=organisation, name=name, exclude=None)
    group = UserGroup.objects.create(organisation=organisation, name=name)
    ScimGroup.objects.update_or_create(
        group=group,
        defaults={"external_id": external_id or "", "last_modified": timezone.now()},
    )
    _group_audit(action="user_group_created", group=group, actor=actor, request=request)
    _members_set(group=group, ids=members, actor=actor, request=request)
    return group


@transaction.atomic
def scim_group_update(
    *,
    client: Client,
    group: UserGroup,
    name: str,
    members: Sequence[str],
    external_id: str | None,
    request=None,
) -> UserGroup:
    organisation = client.organisation
    assert organisation is not None and group.organisation_id == organisation.pk
    actor = api_actor(client)
    external_id = _external_id(external_id)
    group = UserGroup.objects.select_for_update().get(pk=group.pk)
    name = _group_name(organisation=organisation, name=name, exclude=group.pk)
    if name != group.name:
        before = group.name
        group.name = name
        group.save(update_fields=["name"])
        # No action of its own in the kernel's vocabulary: recorded as the SCIM call it was.
        _group_audit(
            action="scim_request",
            group=group,
            actor=actor,
            request=request,
            name={"before": before, "after": name},
        )
    _members_set(group=group, ids=members, actor=actor, request=request)
    row, _created = ScimGroup.objects.get_or_create(
        group=group, defaults={"last_modified": timezone.now()}
    )
    row.external_id = external_id or ""
    row.last_modified = timezone.now()
    row.save()
    return group


@transaction.atomic
def scim_group_delete(*, client: Client, group: UserGroup, request=None) -> None:
    actor = api_actor(client)
    member_ids = list(group.members.values_list("pk", flat=True))
    _group_audit(
        action="user_group_deleted",
        group=group,
        actor=actor,
        request=request,
        medlemmer=len(member_ids),
    )
    group.delete()
    user_touch(member_ids)


def _call(request: HttpRequest) -> str:
    """The path and query of a call, decoded: ``audit_record`` masks anything shaped like a CPR
    number (a filter may name one), which it cannot see inside a percent-encoded query."""
    return unquote_plus(request.get_full_path())


def scim_request_record(
    *, client: Client, request: HttpRequest, status: int, target: str = ""
) -> None:
    """Every SCIM call, in the organisation's *Revisionslog*, with the client's name."""
    audit_record(
        action="scim_request",
        actor_name=client.name,
        organisation=client.organisation,
        target=(target or f"{request.method} {request.path}")[:300],
        changes={
            "kald": f"{request.method} {_call(request)}"[:300],
            "svarkode": status,
            "klient_id": client.client_id,
        },
        request=request,
    )
