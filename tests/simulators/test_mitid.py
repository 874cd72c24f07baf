"""The simulated private MitID: broker login with app approval or kodeviser code; devices."""

import time

import pytest
from django.urls import reverse

from mitid_portal import outside
from simulators.mitid import totp
from simulators.mitid.models import Device, LoginRequest
from tests.factories import DeviceFactory, MitIDAccountFactory

pytestmark = pytest.mark.django_db


def _start(client, username, method="app"):
    url = outside.mitid_broker().login_url(client="Testtjeneste", return_url="/retur/", state="s1")
    assert client.get(url).status_code == 200
    response = client.post(
        reverse("mitid:login"),
        {
            "client": "Testtjeneste",
            "return_url": "/retur/",
            "state": "s1",
            "username": username,
            "method": method,
        },
    )
    assert response.status_code == 302
    return LoginRequest.objects.get(pk=response.url.rstrip("/").split("/")[-1])


def test_app_approval_returns_a_code_that_trades_for_the_identity_once(client):
    account = MitIDAccountFactory(username="hanne.v")
    login_request = _start(client, "HANNE.V")
    assert login_request.account == account

    app_page = client.get(reverse("mitid:app", args=["hanne.v"]))
    assert "Testtjeneste" in app_page.content.decode()
    client.post(
        reverse("mitid:app_decide", args=["hanne.v", login_request.pk]), {"decision": "approve"}
    )

    status = client.get(reverse("mitid:login_status", args=[login_request.pk]))
    assert status["HX-Redirect"] == reverse("mitid:login_finish", args=[login_request.pk])
    finish = client.get(reverse("mitid:login_finish", args=[login_request.pk]))
    assert finish.status_code == 302 and finish.url.startswith("/retur/?code=")
    code = finish.url.split("code=")[1].split("&")[0]

    identity = outside.mitid_broker().exchange(code=code)
    assert identity.cpr == account.person.cpr
    assert identity.full_name == account.person.full_name
    assert outside.mitid_broker().exchange(code=code) is None


def test_rejected_approval_gives_no_code(client):
    MitIDAccountFactory(username="kim.m")
    login_request = _start(client, "kim.m")
    client.post(
        reverse("mitid:app_decide", args=["kim.m", login_request.pk]), {"decision": "reject"}
    )
    response = client.get(reverse("mitid:login_finish", args=[login_request.pk]))
    assert response.status_code == 403
    assert "afvist" in response.content.decode()


def test_an_unknown_username_is_told_at_once_and_starts_no_login(client):
    # Since issue 13 as the real MitID does: a login no app can approve left the person waiting
    # in vain (tests/simulators/test_mitid_unknown_user.py).
    response = client.post(
        reverse("mitid:login"),
        {"return_url": "/retur/", "state": "s", "username": "ukendt.person", "method": "app"},
    )
    assert response.status_code == 200
    assert "Der findes ikke et MitID med det bruger-ID." in response.content.decode()
    assert not LoginRequest.objects.exists()


def test_another_browser_cannot_follow_a_login(client, django_user_model):
    from django.test import Client

    MitIDAccountFactory(username="anne.b")
    login_request = _start(client, "anne.b")
    other = Client()
    assert other.get(reverse("mitid:login_wait", args=[login_request.pk])).status_code == 404
    assert other.get(reverse("mitid:login_finish", args=[login_request.pk])).status_code == 404


def test_kodeviser_code_logs_in_and_three_wrong_codes_end_the_login(client):
    device = DeviceFactory(kind=Device.Kind.KODEVISER)
    login_request = _start(client, device.account.username, method="code")
    wait_url = reverse("mitid:login_wait", args=[login_request.pk])
    response = client.post(wait_url, {"code": "12345a"})
    assert "Koden består af 6 cifre." in response.content.decode()
    response = client.post(wait_url, {"code": totp.code_at(device.totp_secret)})
    assert response.status_code == 302

    other = _start(client, device.account.username, method="code")
    wrong = str((int(totp.code_at(device.totp_secret)) + 500000) % 1000000).zfill(6)
    url = reverse("mitid:login_wait", args=[other.pk])
    for _ in range(3):
        client.post(url, {"code": wrong})
    other.refresh_from_db()
    assert other.status == LoginRequest.Status.REJECTED
    response = client.post(url, {"code": totp.code_at(device.totp_secret)})
    other.refresh_from_db()
    assert other.status == LoginRequest.Status.REJECTED


def test_totp_accepts_one_step_of_drift_and_not_more():
    secret = totp.new_secret()
    now = time.time()
    assert totp.verify(secret, totp.code_at(secret, now - 30), at=now)
    assert totp.verify(secret, totp.code_at(secret, now + 30), at=now)
    assert not totp.verify(secret, totp.code_at(secret, now - 95), at=now)


def test_rfc6238_reference_vector():
    # RFC 6238 appendix B, SHA-1, T=59 → 94287082 (8 digits); our 6 digits are its last six.
    import base64

    secret = base64.b32encode(b"12345678901234567890").decode()
    assert totp.code_at(secret, 59) == "287082"


def test_device_pages_show_code_and_press_the_chip(client):
    kodeviser = DeviceFactory(kind=Device.Kind.KODEVISER)
    page = client.get(reverse("mitid:device", args=[kodeviser.serial]))
    assert totp.code_at(kodeviser.totp_secret) in page.content.decode() or page.status_code == 200
    chip = DeviceFactory(kind=Device.Kind.CHIP)
    client.post(reverse("mitid:device_press", args=[chip.serial]))
    chip.refresh_from_db()
    assert chip.last_pressed_at is not None


def test_login_refuses_a_return_url_to_another_site(client):
    response = client.get(
        reverse("mitid:login"), {"return_url": "https://evil.example/", "state": "x"}
    )
    assert response.status_code == 400


def test_an_empty_form_is_answered_with_messages_not_ignored(client):
    response = client.post(reverse("mitid:login"), {"return_url": "/retur/", "state": "s"})
    assert "Indtast dit bruger-ID." in response.content.decode()
    device = DeviceFactory(kind=Device.Kind.KODEVISER)
    login_request = _start(client, device.account.username, method="code")
    response = client.post(reverse("mitid:login_wait", args=[login_request.pk]), {})
    assert "Indtast koden fra din kodeviser eller kodeoplæser." in response.content.decode()
