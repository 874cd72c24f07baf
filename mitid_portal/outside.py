"""The interfaces through which the portal talks to the outside world.

Each national system the real process touches is reached only through one of these protocols; the
implementations in ``simulators/`` are chosen by ``settings.OUTSIDE_WORLD``, so a real integration
can replace a simulator without touching the portal.
"""

import datetime
from dataclasses import dataclass
from typing import Protocol

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
