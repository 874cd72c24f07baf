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
