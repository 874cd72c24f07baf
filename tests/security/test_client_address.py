"""The client's address behind the host's own proxies (``TRUSTED_PROXY_COUNT``, issue 12): rate
limits, the Revisionslog and the login history see the client, not the proxy, and a client that
talks to the portal directly cannot choose its address with a forged ``X-Forwarded-For``."""

import pytest
from django.conf import settings
from django.test import RequestFactory

from mitid_portal import operator_login
from mitid_portal.audit import audit_record
from mitid_portal.clientip import client_address

PROXY = "10.0.0.1"
ALICE = "203.0.113.5"
BOB = "203.0.113.6"
LOGIN = f"/{settings.OPERATOR_PATH}login/"


def _request(remote: str, forwarded: str | None = None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


@pytest.mark.parametrize(
    ("count", "remote", "forwarded", "expected"),
    [
        (0, ALICE, None, ALICE),
        (0, ALICE, "198.51.100.9", ALICE),  # forged by a direct client: ignored
        (1, PROXY, ALICE, ALICE),
        (1, PROXY, f"198.51.100.9, {ALICE}", ALICE),  # the left one was written by the client
        (1, ALICE, None, ALICE),  # came past no proxy: what there is
        (2, PROXY, f"198.51.100.9, {ALICE}, 10.0.0.2", ALICE),
        (1, PROXY, "not-an-address", PROXY),  # garbage is never an address
        (1, PROXY, "2001:db8::1", "2001:db8::1"),
    ],
)
def test_the_client_is_found_through_the_trusted_proxies_only(
    settings, count, remote, forwarded, expected
):
    settings.TRUSTED_PROXY_COUNT = count
    assert client_address(_request(remote, forwarded)) == expected


@pytest.mark.django_db
def test_the_revisionslog_records_the_client_behind_the_proxy(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    event = audit_record(
        action="user_activated", actor_name="Test", request=_request(PROXY, f"{BOB}, {ALICE}")
    )
    assert event.ip_address == ALICE


def _operator_try(client, n: int, remote: str, forwarded: str | None = None) -> bool:
    """One wrong password for a user name of its own (only the address limit can bite);
    True when the password was checked, False when the try was refused unchecked."""
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    response = client.post(
        LOGIN, {"username": f"ukendt{n}", "password": "forkert", "next": "/"}, **extra
    )
    assert response.status_code == 200
    return "For mange forsøg" not in response.content.decode()


@pytest.mark.django_db
def test_two_clients_behind_one_proxy_are_limited_separately(client, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    limit = operator_login.LIMIT_PER_ADDRESS
    assert all(_operator_try(client, n, PROXY, ALICE) for n in range(limit))
    assert not _operator_try(client, limit, PROXY, ALICE)  # Alice has used her tries
    assert _operator_try(client, limit + 1, PROXY, BOB)  # Bob, behind the same proxy, has not


@pytest.mark.django_db
def test_a_forged_forwarded_for_from_a_direct_client_is_ignored(client, settings):
    settings.TRUSTED_PROXY_COUNT = 0
    limit = operator_login.LIMIT_PER_ADDRESS
    # A new made-up address on every try: all of them count against the real one.
    assert all(_operator_try(client, n, ALICE, f"198.51.100.{n}") for n in range(limit))
    assert not _operator_try(client, limit, ALICE, "198.51.100.250")
    assert _operator_try(client, limit + 1, BOB)  # another real client is not affected
