"""The simulated private MitID tells an unknown user name at once, as the real MitID does, instead
of leaving the person waiting for an approval no app can give (issue 13)."""

import pytest
from django.urls import reverse

from mitid_portal.errors import RuleError
from simulators.mitid import services
from simulators.mitid.models import LoginRequest
from tests.factories import MitIDAccountFactory

pytestmark = pytest.mark.django_db

UNKNOWN = "Der findes ikke et MitID med det bruger-ID. Tjek, at du har skrevet det rigtigt."


def _post(client, username, method):
    return client.post(
        reverse("mitid:login"),
        {
            "client": "MitID Erhverv",
            "return_url": "/log-paa/retur/",
            "state": "s",
            "username": username,
            "method": method,
        },
    )


@pytest.mark.parametrize("method", ["app", "code"])
def test_an_unknown_user_name_is_answered_on_the_login_page(client, method):
    response = _post(client, "ukendt.person", method)
    assert response.status_code == 200
    page = response.content.decode()
    assert UNKNOWN in page
    assert 'value="ukendt.person"' in page  # kept, to correct
    assert not LoginRequest.objects.exists()


def test_a_known_user_name_in_other_case_goes_on_to_approve(client):
    MitIDAccountFactory(username="hanne.vestergaard")
    response = _post(client, "Hanne.Vestergaard", "app")
    assert response.status_code == 302
    request = LoginRequest.objects.get()
    assert response.url == reverse("mitid:login_wait", args=[request.pk])


def test_the_service_refuses_an_unknown_user_name_on_its_field():
    with pytest.raises(RuleError) as refused:
        services.login_request_start(
            username="ingen.her", client="X", return_url="/", state="s", method="app"
        )
    assert refused.value.code == "unknown_user" and refused.value.field == "username"
