"""*Log på MitID Erhverv* with a separate MitID starts on the MitID app, as the real MitID does:
an app user who only types the bruger-ID is asked to approve in the app, not for a code that
ends in "Forkert bruger-ID eller kode" (issue 13)."""

import re

import pytest
from django.urls import reverse

from activation.models import BoundMeans
from activation.separate.forms import LoginForm
from tests.factories import DeviceFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_the_app_is_the_first_and_chosen_means():
    form = LoginForm()
    assert form.fields["method"].initial == "app"
    assert [value for value, _label in form.fields["method"].choices][0] == "app"


def test_the_login_page_has_the_app_checked(client):
    html = client.get(reverse("separate:login")).content.decode()
    checked = re.findall(r'<input[^>]*name="method"[^>]*>', html)
    assert checked, html
    assert [tag for tag in checked if "checked" in tag] == [
        next(tag for tag in checked if 'value="app"' in tag)
    ]


def test_an_app_user_submitting_the_defaults_is_asked_to_approve_in_the_app(client):
    user = UserFactory(bruger_id="app.bruger")
    device = DeviceFactory(account=None, kind="app")
    BoundMeans.objects.create(user=user, kind="app", device_serial=device.serial)
    form = LoginForm()
    response = client.post(
        reverse("separate:login"),
        {"bruger_id": "app.bruger", "method": form.fields["method"].initial},
    )
    assert response.status_code == 302
    page = client.get(reverse("separate:login_verify")).content.decode()
    assert "Godkend i MitID app" in page
    assert "Forkert bruger-ID eller kode" not in page


def test_the_code_page_offers_another_means(client):
    client.post(reverse("separate:login"), {"bruger_id": "kim.kodeviser", "method": "code"})
    page = client.get(reverse("separate:login_verify")).content.decode()
    assert 'data-testid="other-means"' in page
    assert f'href="{reverse("separate:login")}"' in page
