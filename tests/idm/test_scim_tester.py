"""scim2-tester, the independent SCIM RFC compliance checker, run against the live IdM API
(pytest-django's live server, a real token from /broker/token/ over HTTP). Its results are
printed; every check must pass or be listed in README.md ("Til IdM-integratorer (SCIM 2.0)",
*Ikke understøttet*) with a reason."""

import re
from pathlib import Path

import httpx
import pytest
from scim2_client import BaseSyncSCIMClient
from scim2_client.errors import RequestNetworkException
from scim2_tester import Status, check_server

from idm import scim
from idm.services import api_client_create
from organisations.services.rights import public_services_seed
from tests.idm.conftest import make_org

README = Path(__file__).resolve().parents[2] / "README.md"
PASSING = {Status.SUCCESS, Status.COMPLIANT, Status.ACCEPTABLE, Status.SKIPPED}


class HttpxSCIMClient(BaseSyncSCIMClient):
    """scim2-client's engine for httpx (its own engine targets httpx2, not installed here)."""

    def __init__(self, client: httpx.Client, **kwargs):
        super().__init__(**kwargs)
        self.client = client

    def _stays_under_base_url(self, endpoint: str) -> bool:
        try:
            url = str(self.client.build_request("GET", endpoint).url)
        except httpx.InvalidURL:
            return False
        return url.startswith(str(self.client.base_url).rstrip("/"))

    def _parse_json(self, response):
        return response.json()

    def request(self, method: str, url: str, **kwargs):
        try:
            return self.client.request(method, url, **kwargs)
        except httpx.RequestError as exc:
            raise RequestNetworkException() from exc


def _unsupported() -> list[tuple[str, str]]:
    """What README.md lists as not supported: ``scim2-tester: <ResourceType> <check> | <words
    of the failure's reason>``, as (check, words)."""
    found = re.findall(r"`scim2-tester: ([^`|]+)\|([^`]+)`", README.read_text(encoding="utf-8"))
    return [(check.strip(), words.strip()) for check, words in found]


def _listed(name: str, reason: str, unsupported: list[tuple[str, str]]) -> bool:
    return any(name == check and words in reason for check, words in unsupported)


@pytest.mark.django_db(transaction=True)
def test_scim2_tester_against_the_live_api(live_server):
    public_services_seed()
    organisation, admin = make_org("Compliance ApS")
    client, secret = api_client_create(organisation=organisation, name="scim2-tester", actor=admin)
    token = httpx.post(
        f"{live_server.url}/broker/token/",
        data={"grant_type": "client_credentials", "scope": "scim"},
        auth=(client.client_id, secret),
    ).json()["access_token"]
    http = httpx.Client(
        base_url=f"{live_server.url}/scim/v2",
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )
    scim_client = HttpxSCIMClient(http, provider=scim.PROVIDER)
    results = check_server(scim_client)
    assert results, "scim2-tester made no checks"

    unsupported = _unsupported()
    assert unsupported, "README.md lists no scim2-tester checks"
    failed = []
    print(f"\nscim2-tester {len(results)} checks against {live_server.url}/scim/v2")
    for result in results:
        name = f"{result.resource_type or '-'} {result.title}"
        print(f"  {result.status.name:<10} {name}: {result.reason or ''}"[:240])
        if result.status not in PASSING and not _listed(name, result.reason or "", unsupported):
            failed.append(f"{name} ({result.status.name}): {result.reason}")
    assert not failed, "scim2-tester checks failed (and not listed in README):\n" + "\n".join(
        failed
    )
