"""The IdM API's SCIM 2.0 vocabulary (RFC 7643), as scim2-models pydantic models: the core User
as far as MitID Erhverv keeps it, the MitID Erhverv extension, the core Group, and what the
discovery endpoints publish (``PROVIDER``: schemas, resource types, service provider config).

A MitID Erhverv user has a name, one email, at most one mobile number and a birth date (and
usually a CPR number); the core attributes the portal does not keep (addresses, titles, photos…)
are not in the published schema, so a client is never told a value was stored that was not.
"""

from typing import Annotated, Any

from pydantic import ConfigDict, EmailStr, Field
from scim2_models import (
    URN,
    CaseExact,
    ComplexAttribute,
    Extension,
    GroupMembership,
    Mutability,
    Reference,
    Required,
    Resource,
    ResourceType,
    Returned,
    ScimProvider,
    ServiceProviderConfig,
    Uniqueness,
)

USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"
ERHVERV_SCHEMA = "urn:mitid:params:scim:schemas:extension:erhverv:2.0:User"
MAX_RESULTS = 1000
DEFAULT_COUNT = 100


# What an IdM sends and the portal does not keep (``name.formatted``, ``middleName``…: the name
# is given and family name; an email's or phone's ``primary`` and ``type``: a user has one of
# each) is accepted and ignored, and not in the published schema.
_IGNORE_OTHERS = ConfigDict(extra="ignore")


class UserName(ComplexAttribute):
    model_config = _IGNORE_OTHERS

    family_name: Annotated[str | None, Required.true] = Field(
        default=None, examples=["Hansen", "Jensen"]
    )
    given_name: Annotated[str | None, Required.true] = Field(
        default=None, examples=["Mette", "Rasmus"]
    )


class UserEmail(ComplexAttribute):
    model_config = _IGNORE_OTHERS

    value: Annotated[EmailStr | None, Required.true] = None


class UserPhoneNumber(ComplexAttribute):
    model_config = _IGNORE_OTHERS

    value: str | None = Field(default=None, examples=["+4522334455", "+4540506070"])


class ErhvervUser(Extension):
    """The MitID Erhverv parts of a user. ``cpr`` and ``birthDate`` are written once, at
    creation, and never returned; ``means`` and ``anonymous`` are chosen at creation (as in
    *Opret bruger*); ``rights`` are the public services the user holds directly (codes);
    ``basicPackage`` (the *Basispakke* every user holds), ``state`` and the administrator
    ``roles`` are read-only (roles are given in the portal)."""

    __schema__ = URN(ERHVERV_SCHEMA)

    cpr: Annotated[str | None, Mutability.write_only, Returned.never] = None
    birth_date: Annotated[str | None, Mutability.write_only, Returned.never, Required.true] = Field(
        None, examples=["1980-12-24", "1975-06-01", "1991-02-28"]
    )
    means: Annotated[list[str] | None, Mutability.immutable] = Field(default=None, examples=["app"])
    anonymous: Annotated[bool | None, Mutability.immutable] = None
    rights: list[str] | None = Field(default=None, examples=["fmk", "nemrefusion"])
    basic_package: Annotated[list[str] | None, Mutability.read_only] = None
    state: Annotated[str | None, Mutability.read_only] = None
    roles: Annotated[list[str] | None, Mutability.read_only] = None


class User(Resource[Any]):
    """The core User of RFC 7643 §4.1, only the attributes MitID Erhverv keeps."""

    __schema__ = URN(USER_SCHEMA)

    user_name: Annotated[str | None, Uniqueness.server, Required.true] = None
    name: Annotated[UserName | None, Required.true] = None
    display_name: Annotated[str | None, Mutability.read_only] = None
    emails: Annotated[list[UserEmail] | None, Required.true] = None
    phone_numbers: list[UserPhoneNumber] | None = None
    active: bool | None = None
    groups: Annotated[list[GroupMembership] | None, Mutability.read_only] = None


ScimUser = User[Annotated[ErhvervUser, Required.true]]  # type: ignore[type-arg]


class Member(ComplexAttribute):
    """A member of a group: a user of the organisation (groups do not nest). Its name is the
    user's own (GET /Users/{value}); a ``display`` sent is ignored."""

    model_config = _IGNORE_OTHERS

    value: Annotated[str | None, Mutability.immutable, CaseExact.true] = None
    ref: Annotated[Reference["User"] | None, Mutability.immutable] = Field(
        default=None, serialization_alias="$ref", validation_alias="$ref"
    )
    type: Annotated[str | None, Mutability.immutable] = Field(default=None, examples=["User"])


class ErhvervGroup(Resource[Any]):
    """The core Group of RFC 7643 §4.2: an organisation's user group (*Brugergrupper*)."""

    __schema__ = URN(GROUP_SCHEMA)

    display_name: Annotated[str | None, Required.true] = None
    members: list[Member] | None = None


ScimGroup = ErhvervGroup

USER_TYPE = ResourceType.model_validate(
    {
        "id": "User",
        "name": "User",
        "endpoint": "/Users",
        "description": "MitID Erhverv-brugere",
        "schema": USER_SCHEMA,
        "schemaExtensions": [{"schema": ERHVERV_SCHEMA, "required": True}],
    }
)
GROUP_TYPE = ResourceType.model_validate(
    {
        "id": "Group",
        "name": "Group",
        "endpoint": "/Groups",
        "description": "Brugergrupper",
        "schema": GROUP_SCHEMA,
    }
)

CONFIG = ServiceProviderConfig.model_validate(
    {
        "patch": {"supported": True},
        "bulk": {"supported": False, "maxOperations": 0, "maxPayloadSize": 0},
        "filter": {"supported": True, "maxResults": MAX_RESULTS},
        "changePassword": {"supported": False},
        "sort": {"supported": False},
        "etag": {"supported": True},
        "authenticationSchemes": [
            {
                "type": "oauthbearertoken",
                "name": "OAuth Bearer Token",
                "description": "OAuth 2.0 client credentials (/broker/token/, scope scim)",
                "primary": True,
            }
        ],
    }
)

PROVIDER = ScimProvider(
    models=[User, ErhvervUser, ErhvervGroup],
    resource_types=[USER_TYPE, GROUP_TYPE],
    config=CONFIG,
)
