"""The interfaces through which the portal talks to the outside world.

Each national system the real process touches is reached only through one of these protocols; the
implementations in ``simulators/`` are chosen by ``settings.OUTSIDE_WORLD``, so a real integration
can replace a simulator without touching the portal.
"""

import datetime
from collections.abc import Iterator
from dataclasses import dataclass
from typing import NamedTuple, Protocol

from django.conf import settings
from django.utils.module_loading import import_string


@dataclass(frozen=True)
class Identity:
    """What a MitID login returns: the person's CPR and name (as in the CPR register)."""

    cpr: str
    first_name: str
    last_name: str
    birth_date: datetime.date

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


@dataclass(frozen=True)
class CprRecord:
    cpr: str
    first_name: str
    last_name: str
    birth_date: datetime.date

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


@dataclass(frozen=True)
class CvrRecord:
    cvr: str
    name: str
    legal_form: str
    is_public: bool


@dataclass(frozen=True)
class Representative:
    cvr: str
    cpr: str
    full_name: str
    role: str


class MitIDBroker(Protocol):
    def login_url(self, *, client: str, return_url: str, state: str) -> str:
        """Where to send the browser to log in; the broker comes back to ``return_url`` with
        ``code`` and ``state`` in the query string."""

    def exchange(self, *, code: str) -> Identity | None:
        """Trade a one-time result code for the identity; None if unknown, used or expired."""


class CprRegister(Protocol):
    def lookup(self, *, cpr: str) -> CprRecord | None: ...


class CvrRegister(Protocol):
    def lookup(self, *, cvr: str) -> CvrRecord | None: ...

    def representatives(self, *, cvr: str) -> list[Representative]: ...

    def companies_represented_by(self, *, cpr: str) -> list[CvrRecord]: ...


class SmsGateway(Protocol):
    def send(self, *, number: str, text: str) -> None: ...


def _load(name: str):
    return import_string(settings.OUTSIDE_WORLD[name])()


def mitid_broker() -> MitIDBroker:
    return _load("mitid")


def cpr_register() -> CprRegister:
    return _load("cpr")


def cvr_register() -> CvrRegister:
    return _load("cvr")


def sms_gateway() -> SmsGateway:
    return _load("sms")


# ---------------------------------------------------------------------------------------------
# The business MitID devices: the registry of identification devices and their authenticators
# (the kodeviser's and kodeoplæser's codes, the chip's button, the MitID app's approvals).


@dataclass(frozen=True)
class DeviceRecord:
    """An identification device as the registry knows it. ``kind`` is one of ``"app"``,
    ``"kodeviser"``, ``"kodeoplaeser"``, ``"chip"``; ``is_private`` when it belongs to a person's
    private MitID rather than being handed out by an organisation."""

    serial: str
    kind: str
    label: str
    is_active: bool
    is_private: bool


class DeviceRegistry(Protocol):
    def issue(self, *, kind: str, label: str) -> DeviceRecord:
        """A new device of ``kind`` handed out by an organisation (in no private MitID)."""

    def get(self, *, serial: str) -> DeviceRecord | None: ...

    def active(self, *, serials: list[str], kinds: list[str]) -> list[DeviceRecord]:
        """The active devices of the given kinds among ``serials``, ordered by kind and serial."""

    def private_app(self, *, cpr: str) -> DeviceRecord | None:
        """The person's oldest active MitID app of their private MitID, if any."""

    def code_verify(self, *, serial: str, code: str) -> bool:
        """Whether ``code`` is what the kodeviser or kodeoplæser shows now (one step either
        side); False for any other kind."""

    def chip_pressed_since(self, *, serial: str, since: datetime.datetime) -> bool: ...

    def app_activation_begin(self, *, serial: str, reference: str) -> str:
        """Start activating the MitID app ``serial`` for ``reference`` (the caller's own key):
        returns the activation code that the person types into the app. A new code replaces the
        previous one."""

    def app_activation_done(self, *, serial: str, reference: str) -> bool:
        """Whether the person typed the activation code of ``reference`` into the app."""

    def app_approval_start(self, *, serials: list[str], requester: str) -> str:
        """Ask the MitID apps ``serials`` to approve a login at ``requester``; returns the
        request's id. With no serials, no app can approve it."""

    def app_approval_status(self, *, request_id: str) -> str:
        """``"pending"``, ``"approved"``, ``"rejected"`` or ``"expired"`` (also once consumed)."""

    def app_approval_consume(self, *, request_id: str) -> str | None:
        """The serial of the app that approved the request, once; None while not approved."""


def device_registry() -> DeviceRegistry:
    return _load("devices")


# ---------------------------------------------------------------------------------------------
# The old NemID medarbejdersignatur self-service: the source of the NemID import (G3.5–G3.7).


@dataclass(frozen=True)
class NemIDAdministrator:
    """An active NemID administrator of a CVR, whom the import can give an administrator role."""

    id: int  # the signature's id in the NemID source (``User.nemid_employee_id``)
    rid: str
    first_name: str
    last_name: str

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


class NemIDSignature(NamedTuple):
    """One employee signature (medarbejdersignatur) as the import reads it. A tuple rather than a
    dataclass: an import streams 50,000 or more of them, and a tuple is five times cheaper to
    build."""

    id: int  # the signature's id in the NemID source, kept as ``User.nemid_employee_id``
    rid: str  # "" when the signature has none
    first_name: str
    last_name: str
    email: str  # "" when missing
    # The CPR as stored, encrypted with the portal's own keys (``mitid_portal.crypto``), so the
    # import copies it without ever holding it in plain text; "" when no CPR is linked. A source
    # that receives plain CPR numbers encrypts them with ``crypto.encrypt`` here.
    cpr_ciphertext: str
    cpr_hash: str  # ``crypto.cpr_hash`` of the CPR; "" when no CPR is linked
    birth_date: datetime.date | None
    is_active: bool  # False once revoked (spærret): such a signature is not imported
    is_nemid_admin: bool


class NemIDSignatureRight(NamedTuple):
    """A right to a public service held by a signature (it hangs on the RID)."""

    signature_id: int
    service_code: str
    service_name: str


class NemIDSource(Protocol):
    """Read-only access to a CVR's NemID employee signatures. The streaming methods answer in
    lists of at most ``chunk_size`` rows, one query per list, never one per row."""

    def signature_count(self, *, cvr: str) -> int:
        """How many signatures (active and revoked) the CVR has: the total an import reports."""

    def signatures(self, *, cvr: str, chunk_size: int) -> Iterator[list[NemIDSignature]]:
        """Every signature of the CVR, active and revoked, in ascending ``id`` order."""

    def rights(self, *, cvr: str, chunk_size: int) -> Iterator[list[NemIDSignatureRight]]:
        """The rights of the CVR's active signatures, in no particular order."""

    def rights_between(self, *, cvr: str, first_id: int, last_id: int) -> list[NemIDSignatureRight]:
        """The rights of the CVR's active signatures whose id is from ``first_id`` to ``last_id``
        (one chunk of ``signatures``), in one query: an import holds one chunk's rights at a
        time, never all of them."""

    def shared_cpr_hashes(self, *, cvr: str) -> set[str]:
        """The CPR hashes that more than one active signature of the CVR carries (one person
        with several signatures)."""

    def replaced_cpr_hashes(self, *, cvr: str) -> set[str]:
        """The CPR hashes that both a revoked and an active signature of the CVR carry (a person
        whose duplicate signature was deleted, who is still here with another one)."""

    def administrators(self, *, cvr: str) -> list[NemIDAdministrator]:
        """The CVR's active NemID administrators, by last name, first name and id."""

    def signature_id(self, *, cvr: str, rid: str) -> int | None:
        """The id of the CVR's signature with this RID, if there is one."""


def nemid_source() -> NemIDSource:
    return _load("nemid")
