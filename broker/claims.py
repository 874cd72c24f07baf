"""The claims the login broker gives a service about a professional identity (a MitID Erhverv
user), in the real broker's vocabulary (OIO-SAML 3 / the OIDC profile of the public login
broker) where it has a name for the thing. The same claims are in the ID token and answered by
userinfo; README "Til tjenesteudbydere (OpenID Connect)" has the table.

- ``sub``: a persistent pseudonym of the user for THIS service: a keyed hash of the client id and
  the user, never the database key or the CPR number. Stable across logins to one service,
  different for every other service, so two services cannot link their users by it.
- ``name``, ``given_name``, ``family_name`` (scope ``profile``) and ``email`` (scope ``email``),
  left out for a user the organisation keeps anonymous.
- ``…/professional/cvr`` and ``…/professional/orgName``: the organisation the user logged in for.
- ``…/professional/rid``: the user's RID number, where one was imported from NemID.
- ``…/nsis/loa``: the level of assurance of the means used at this login (``LOA_BY_MEANS``).
- ``…/privilegesIntermediate``: the user's rights for this client's public service, read at each
  login, as a JSON array of privilege URIs ``urn:dk:mitid-erhverv:privilege:<service code>``
  (``["urn:dk:mitid-erhverv:privilege:fmk"]``); an empty array when the user does not hold the
  right, and the service is expected to refuse them. Scoped to the organisation of the CVR claim.
- ``…/cprNumber``: the person's CPR number, only to a service registered as entitled to it.
"""

from broker import selectors
from broker.models import Client
from mitid_portal.crypto import keyed_hash
from users.models import User

CLAIM_CVR = "https://data.gov.dk/model/core/eid/professional/cvr"
CLAIM_ORG_NAME = "https://data.gov.dk/model/core/eid/professional/orgName"
CLAIM_RID = "https://data.gov.dk/model/core/eid/professional/rid"
CLAIM_LOA = "https://data.gov.dk/concept/core/nsis/loa"
CLAIM_PRIVILEGES = "https://data.gov.dk/model/core/eid/privilegesIntermediate"
CLAIM_CPR = "https://data.gov.dk/model/core/eid/cprNumber"

PROFESSIONAL_CLAIMS = (
    CLAIM_CVR,
    CLAIM_ORG_NAME,
    CLAIM_RID,
    CLAIM_LOA,
    CLAIM_PRIVILEGES,
    CLAIM_CPR,
)
PRIVILEGE_PREFIX = "urn:dk:mitid-erhverv:privilege:"

LOA_LOW = "Low"
LOA_SUBSTANTIAL = "Substantial"
LOA_HIGH = "High"
# The NSIS level of assurance of each means (activation BoundMeans.Kind values). The MitID chip
# is the only means of the simulated world at level High; the MitID app, kodeviser and
# kodeoplæser and a private MitID (app or code display) are at level Substantial, as in the real
# MitID. A login whose means is not known is given Low, never more than was proved.
LOA_BY_MEANS = {
    "chip": LOA_HIGH,
    "app": LOA_SUBSTANTIAL,
    "kodeviser": LOA_SUBSTANTIAL,
    "kodeoplaeser": LOA_SUBSTANTIAL,
    "private": LOA_SUBSTANTIAL,
}


def level_of_assurance(means: str) -> str:
    return LOA_BY_MEANS.get(means, LOA_LOW)


def pseudonym(*, client: Client, user: User) -> str:
    """The user's persistent pseudonym for ``client`` (the ``sub`` claim)."""
    return keyed_hash(f"{client.client_id}\x1f{user.pk}", purpose="broker-sub")


def privileges(*, client: Client, user: User) -> list[str]:
    """The user's privileges for ``client``'s public service: read now, never cached."""
    service = client.public_service
    if service is None or not selectors.user_holds_service(user=user, service_id=service.pk):
        return []
    return [PRIVILEGE_PREFIX + service.code]


def professional_claims(*, client: Client, user: User, means: str) -> dict[str, object]:
    """Every claim about ``user`` for ``client`` (the validator leaves out the ones the granted
    scopes do not cover)."""
    organisation = user.organisation
    claims: dict[str, object] = {
        "sub": pseudonym(client=client, user=user),
        CLAIM_LOA: level_of_assurance(means),
        CLAIM_PRIVILEGES: privileges(client=client, user=user),
    }
    if organisation is not None:
        claims[CLAIM_CVR] = organisation.cvr
        claims[CLAIM_ORG_NAME] = organisation.name
    if user.rid:
        claims[CLAIM_RID] = user.rid
    if not user.is_anonymous_user:
        claims.update(
            {
                "name": user.full_name,
                "given_name": user.first_name,
                "family_name": user.last_name,
            }
        )
        if user.email:
            claims["email"] = user.email
    if client.cpr_entitled and user.cpr:
        claims[CLAIM_CPR] = user.cpr
    return claims
