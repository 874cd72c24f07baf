"""Which exercise a machine-to-machine call belongs to: the sandbox of its client or its token.

Called by the sandbox middleware, unscoped, before the view runs (``mitid_portal.registry``,
machine-to-machine endpoints). A credential that names nothing gives None: the request then runs
in no exercise and the view refuses it as it refuses any bad credential.
"""

import base64
import binascii
import hashlib
from urllib.parse import unquote_plus

from django.http import HttpRequest

from broker.models import AccessToken, Client


def _bearer(request: HttpRequest) -> str | None:
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return None


def _basic_client_id(request: HttpRequest) -> str | None:
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    client_id, sep, _ = decoded.partition(":")
    return unquote_plus(client_id) if sep else None


def sandbox_of_token(token: str) -> int | None:
    """The sandbox of the access token ``token`` (looked up by its checksum, as the tokens are
    stored hashed)."""
    checksum = hashlib.sha256(token.encode("utf-8")).hexdigest()
    return (
        AccessToken.objects.filter(token_checksum=checksum)
        .values_list("sandbox_id", flat=True)
        .first()
    )


def sandbox_of_credential(request: HttpRequest) -> int | None:
    """The sandbox of the bearer token, or of the client named by HTTP Basic or ``client_id``."""
    token = _bearer(request)
    if token is not None:
        return sandbox_of_token(token)
    client_id = _basic_client_id(request)
    if client_id is None and request.method == "POST":
        client_id = request.POST.get("client_id") or None
    if client_id is None:
        return None
    return Client.objects.filter(client_id=client_id).values_list("sandbox_id", flat=True).first()


def no_credential(request: HttpRequest) -> None:
    """Discovery and the signing keys name no exercise and read no exercise's rows."""
    return None
