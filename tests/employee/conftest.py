from urllib.parse import urlsplit

import pytest
from django.urls import reverse

from simulators.mitid.models import LoginRequest


def mitid_login_on_link(client, username: str, *, approve: bool = True):
    """*Næste* on *Log ind med dit private MitID* (G6.3), the simulated broker with app approval,
    and the broker's return to the journey: the callback's response (not followed)."""
    start = client.post(reverse("employee:login"))
    assert start.status_code == 302, start
    broker_page = client.get(start.url)
    return_url, state = broker_page.context["return_url"], broker_page.context["state"]
    client.post(
        reverse("mitid:login"),
        {
            "client": "MitID Erhverv",
            "return_url": return_url,
            "state": state,
            "username": username,
            "method": "app",
        },
    )
    login_request = LoginRequest.objects.latest("created_at")
    if login_request.account:
        client.post(
            reverse("mitid:app_decide", args=[login_request.account.username, login_request.pk]),
            {"decision": "approve" if approve else "reject"},
        )
    finish = client.get(reverse("mitid:login_finish", args=[login_request.pk]))
    if finish.status_code != 302:
        return finish
    assert urlsplit(finish.url).path == reverse("employee:callback")
    return client.get(finish.url)


@pytest.fixture
def mitid_login():
    return mitid_login_on_link
