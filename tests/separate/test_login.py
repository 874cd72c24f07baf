"""*Log på MitID Erhverv* with bruger-ID and the separate MitID bound at activation."""

import datetime
import time

import pytest
from django.urls import reverse
from django.utils import timezone

from activation.models import BoundMeans, LoginEvent
from simulators.mitid import totp
from tests.factories import DeviceFactory, OrganisationFactory, UserFactory
from users.models import User

pytestmark = pytest.mark.django_db


def bound_user(*, kind: str = "kodeviser", bruger_id: str = "Kim.Kodeviser", **fields):
    user = UserFactory(bruger_id=bruger_id, **fields)
    device = DeviceFactory(account=None, kind=kind)
    BoundMeans.objects.create(user=user, kind=kind, device_serial=device.serial)
    return user, device


def start(client, bruger_id: str, method: str = "code"):
    return client.post(reverse("separate:login"), {"bruger_id": bruger_id, "method": method})


def code_of(device) -> str:
    return totp.code_at(device.totp_secret, time.time())


def test_the_login_page_uses_the_guides_words(client):
    html = client.get(reverse("separate:login")).content.decode()
    assert "Log på MitID Erhverv" in html and "Bruger-ID" in html


def test_login_with_bruger_id_and_kodeviser(client):
    user, device = bound_user()
    response = start(client, "kim.kodeviser")  # case does not matter
    assert response.headers["Location"] == reverse("separate:login_verify")
    assert "Indtast kode" in client.get(reverse("separate:login_verify")).content.decode()
    response = client.post(reverse("separate:login_verify"), {"code": code_of(device)})
    assert response.status_code == 302
    assert int(client.session["_auth_user_id"]) == user.pk
    event = LoginEvent.objects.get(user=user)
    assert event.means == "kodeviser" and event.succeeded


def test_unknown_bruger_id_is_answered_like_a_wrong_code(client):
    _user, device = bound_user()
    start(client, "Kim.Kodeviser")
    wrong = client.post(
        reverse("separate:login_verify"), {"code": f"{(int(code_of(device)) + 7) % 10**6:06d}"}
    )
    client.session.flush()
    start(client, "ingen.saadan.bruger")
    unknown = client.post(reverse("separate:login_verify"), {"code": code_of(device)})
    assert wrong.status_code == unknown.status_code == 200
    for response in (wrong, unknown):
        assert "Forkert bruger-ID eller kode. Prøv igen." in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_code_from_two_steps_ago_does_not_log_in(client):
    _user, device = bound_user()
    start(client, "Kim.Kodeviser")
    old = totp.code_at(device.totp_secret, time.time() - 2 * totp.STEP_SECONDS)
    if totp.verify(device.totp_secret, old, window=1):
        pytest.skip("the old code happens to equal a current one")
    client.post(reverse("separate:login_verify"), {"code": old})
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize("state", [User.State.SUSPENDED, User.State.CLOSED])
def test_a_suspended_or_closed_user_cannot_log_in(client, state):
    user, device = bound_user(state=state)
    start(client, "Kim.Kodeviser")
    response = client.post(reverse("separate:login_verify"), {"code": code_of(device)})
    assert "Forkert bruger-ID eller kode. Prøv igen." in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert not LoginEvent.objects.filter(user=user).exists()


def test_logins_are_throttled_per_bruger_id(client):
    _user, device = bound_user()
    start(client, "Kim.Kodeviser")
    for _ in range(5):
        client.post(reverse("separate:login_verify"), {"code": "000000"})
    response = client.post(reverse("separate:login_verify"), {"code": code_of(device)})
    assert "For mange mislykkede forsøg." in response.content.decode()
    assert "_auth_user_id" not in client.session
    # A new start is refused too, regardless of case.
    assert "For mange mislykkede forsøg." in start(client, "KIM.KODEVISER").content.decode()


def test_logins_are_throttled_per_address(client):
    for n in range(20):
        start(client, f"ukendt.bruger{n}")
        client.post(reverse("separate:login_verify"), {"code": "000000"})
    assert "For mange mislykkede forsøg." in start(client, "endnu.en").content.decode()


def test_login_with_chip_press(client):
    user, device = bound_user(kind="chip", bruger_id="chip.bruger")
    device.last_pressed_at = timezone.now() - datetime.timedelta(minutes=1)
    device.save()
    start(client, "chip.bruger", "chip")
    html = client.post(reverse("separate:login_verify")).content.decode()
    assert "chippen er ikke trykket" in html
    client.post(reverse("mitid:device_press", args=[device.serial]))
    client.post(reverse("separate:login_verify"))
    assert int(client.session["_auth_user_id"]) == user.pk
    assert LoginEvent.objects.get(user=user).means == "chip"


def test_login_with_app_approval(client):
    user, device = bound_user(kind="app", bruger_id="app.bruger")
    start(client, "app.bruger", "app")
    assert "Godkend i MitID app" in client.get(reverse("separate:login_verify")).content.decode()
    app_page = client.get(reverse("business_app:app", args=[device.serial])).content.decode()
    assert "Log på MitID Erhverv hos" in app_page
    request_id = client.session["separate_login"]["request_id"]
    html = client.post(reverse("separate:login_verify")).content.decode()
    assert "Login er ikke godkendt endnu." in html
    client.post(
        reverse("business_app:decide", args=[device.serial]),
        {"request": request_id, "decision": "approve"},
    )
    assert "Login er godkendt" in client.get(reverse("separate:login_status")).content.decode()
    client.post(reverse("separate:login_verify"))
    assert int(client.session["_auth_user_id"]) == user.pk


def test_unknown_bruger_id_with_app_waits_like_a_real_one(client):
    start(client, "ingen.app", "app")
    html = client.get(reverse("separate:login_verify")).content.decode()
    assert "Godkend i MitID app" in html and "Venter på godkendelse" in html


def test_a_shared_means_lets_the_person_choose_the_organisation(client):
    first = OrganisationFactory(name="Lægehuset Vestergade I/S", allow_shared_means=True)
    second = OrganisationFactory(name="Tandklinikken Torvet", allow_shared_means=True)
    user, device = bound_user(organisation=first, bruger_id="delt.kodeviser")
    other = UserFactory(
        organisation=second, cpr=user.cpr, cpr_hash=user.cpr_hash, bruger_id="delt.2"
    )
    BoundMeans.objects.create(user=other, kind="kodeviser", device_serial=device.serial)

    start(client, "delt.kodeviser")
    response = client.post(reverse("separate:login_verify"), {"code": code_of(device)})
    assert response.headers["Location"] == reverse("separate:login_choose")
    html = client.get(reverse("separate:login_choose")).content.decode()
    assert "Vælg organisation" in html and "Tandklinikken Torvet" in html
    client.post(reverse("separate:login_choose"), {"user": other.pk})
    assert int(client.session["_auth_user_id"]) == other.pk


def test_a_shared_means_is_not_offered_where_an_organisation_does_not_allow_it(client):
    first = OrganisationFactory(allow_shared_means=True)
    second = OrganisationFactory(allow_shared_means=False)
    user, device = bound_user(organisation=first, bruger_id="ikke.delt")
    other = UserFactory(organisation=second, cpr=user.cpr, cpr_hash=user.cpr_hash)
    BoundMeans.objects.create(user=other, kind="kodeviser", device_serial=device.serial)
    start(client, "ikke.delt")
    client.post(reverse("separate:login_verify"), {"code": code_of(device)})
    assert int(client.session["_auth_user_id"]) == user.pk


def test_a_foreign_user_cannot_be_chosen(client):
    first = OrganisationFactory(allow_shared_means=True)
    second = OrganisationFactory(allow_shared_means=True)
    user, device = bound_user(organisation=first, bruger_id="delt.igen")
    other = UserFactory(organisation=second, cpr=user.cpr, cpr_hash=user.cpr_hash)
    BoundMeans.objects.create(user=other, kind="kodeviser", device_serial=device.serial)
    stranger = UserFactory()
    start(client, "delt.igen")
    client.post(reverse("separate:login_verify"), {"code": code_of(device)})
    response = client.post(reverse("separate:login_choose"), {"user": stranger.pk})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
