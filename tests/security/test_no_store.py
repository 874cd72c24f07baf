"""``Cache-Control: no-store`` on the pages with personal data or a secret (issue 12): no browser
or proxy may keep a copy of the user list, a user's page or the Revisionslog. Static files keep
their own caching."""

import pytest
from django.core.management import call_command

from organisations.models import RoleGrant
from simulators import demo
from users.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_and_client(client):
    call_command("seed_demo", verbosity=0)
    admin = User.objects.filter(
        organisation__cvr=demo.OTHER_CVR, role_grants__role=RoleGrant.Role.ORGANISATION_ADMIN
    ).first()
    assert admin is not None
    client.force_login(admin)
    return admin, client


def _no_store(response) -> bool:
    directives = {d.strip() for d in response.headers.get("Cache-Control", "").split(",")}
    return "no-store" in directives


def test_pages_with_personal_data_are_not_stored(admin_and_client):
    admin, client = admin_and_client
    for url in ["/brugere/", f"/brugere/{admin.pk}/", "/organisation/revisionslog/"]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert _no_store(response), (url, response.headers.get("Cache-Control"))


def test_the_login_pages_and_their_refusals_are_not_stored_either(client):
    for url in ["/saerskilt-mitid/log-paa/", "/operatoer/login/", "/brugere/"]:
        assert _no_store(client.get(url)), url
