"""The portal's users and groups as SCIM resources (``idm.scim``), and back: what a SCIM payload
says, as the ``UserData`` the services take. ``meta.version`` is a weak ETag over everything the
resource shows, so any change by anyone (the portal's pages too) gives a new one."""

import datetime
import hashlib
import json

from django.utils.translation import gettext as _
from scim2_models import Context

from idm import scim
from idm.services import UserData
from mitid_portal.errors import RuleError
from organisations.models import RoleGrant, UserGroup, UserRight
from users.models import User


def _etag(payload: dict) -> str:
    digest = hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()
    return f'W/"{digest[:32]}"'


def _with_version(resource) -> None:
    payload = resource.model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE)
    payload.pop("meta", None)
    assert resource.meta is not None
    resource.meta.version = _etag(payload)


def _meta(*, resource_type: str, created, last_modified, location: str) -> dict:
    return {
        "resourceType": resource_type,
        "created": created,
        "lastModified": last_modified,
        "location": location,
    }


def user_resource(user: User, *, base: str):
    """``user`` (from ``selectors.scim_users``: annotated) as a SCIM User with its extension."""
    scim_row = getattr(user, "scim", None) if hasattr(user, "scim") else None
    held = UserRight.objects.filter(user=user).values_list(
        "service__code", "service__in_basic_package"
    )
    rights = sorted(code for code, basic in held if not basic)
    basic_package = sorted(code for code, basic in held if basic)
    roles = sorted(RoleGrant.objects.filter(user=user).values_list("role", flat=True))
    groups = list(user.user_groups.order_by("pk").values_list("pk", "name"))
    data: dict = {
        "schemas": [scim.USER_SCHEMA, scim.ERHVERV_SCHEMA],
        "id": str(user.pk),
        "externalId": (scim_row.external_id if scim_row else "") or None,
        "userName": getattr(user, "scim_user_name", None) or user.username,
        "name": {"givenName": user.first_name, "familyName": user.last_name},
        "displayName": user.full_name,
        "emails": [{"value": user.email}] if user.email else None,
        "phoneNumbers": [{"value": user.phone}] if user.phone else None,
        "active": user.state != User.State.SUSPENDED,
        "groups": [
            {"value": str(pk), "display": name, "$ref": f"{base}/Groups/{pk}"}
            for pk, name in groups
        ]
        or None,
        "meta": _meta(
            resource_type="User",
            created=user.date_joined,
            last_modified=scim_row.last_modified if scim_row else user.date_joined,
            location=f"{base}/Users/{user.pk}",
        ),
        scim.ERHVERV_SCHEMA: {
            "means": list(user.means or []) or None,
            "anonymous": user.is_anonymous_user,
            "rights": rights,
            "basicPackage": basic_package or None,
            "state": str(user.state),
            "roles": roles or None,
        },
    }
    resource = scim.ScimUser.model_validate(data)
    _with_version(resource)
    return resource


def group_resource(group: UserGroup, *, base: str):
    scim_row = getattr(group, "scim", None) if hasattr(group, "scim") else None
    members = list(
        group.members.exclude(state=User.State.CLOSED).order_by("pk").values_list("pk", flat=True)
    )
    data: dict = {
        "schemas": [scim.GROUP_SCHEMA],
        "id": str(group.pk),
        "externalId": (scim_row.external_id if scim_row else "") or None,
        "displayName": group.name,
        "members": [
            {
                "value": str(pk),
                "$ref": f"{base}/Users/{pk}",
                "type": "User",
            }
            for pk in members
        ]
        or None,
        "meta": _meta(
            resource_type="Group",
            created=group.created_at,
            last_modified=scim_row.last_modified if scim_row else group.created_at,
            location=f"{base}/Groups/{group.pk}",
        ),
    }
    resource = scim.ScimGroup.model_validate(data)
    _with_version(resource)
    return resource


def _birth_date(text: str | None) -> datetime.date | None:
    if not text:
        return None
    try:
        value = datetime.date.fromisoformat(str(text))
    except ValueError as exc:
        raise RuleError("invalid", "birthDate skal skrives ÅÅÅÅ-MM-DD.", field="birthDate") from exc
    if value > datetime.date.today() or value.year < 1900:  # the range of *Opret bruger*
        raise RuleError(
            "invalid", _("Fødselsdatoen er ikke en gyldig fødselsdato."), field="birthDate"
        )
    return value


def user_data(resource) -> UserData:
    """What a SCIM User (validated by scim2-models) asks for."""
    extension = resource[scim.ErhvervUser] or scim.ErhvervUser.model_validate({})
    name = resource.name or scim.UserName.model_validate({})
    emails = resource.emails or []
    email = emails[0].value if emails else ""  # one email per user
    phones = resource.phone_numbers or []
    phone = phones[0].value if phones else ""
    return UserData(
        user_name=resource.user_name or "",
        first_name=name.given_name or "",
        last_name=name.family_name or "",
        email=str(email or ""),
        phone=str(phone or ""),
        external_id=resource.external_id,
        active=resource.active,
        cpr=extension.cpr,
        birth_date=_birth_date(extension.birth_date),
        means=extension.means,
        anonymous=extension.anonymous,
        rights=extension.rights,
    )
