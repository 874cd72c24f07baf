"""Walking the separate-MitID journey with the Django test client."""

import re
import time

from django.urls import reverse

from simulators.mitid import totp
from simulators.mitid.models import Device
from simulators.sms.models import SmsMessage

PHONE = "+4522334455"


def latest_sms_code(number: str = PHONE) -> str:
    text = SmsMessage.objects.filter(number=number).order_by("-sent_at", "-id").first().text
    return re.search(r"\b(\d{6})\b", text).group(1)


def post(client, name: str, data: dict | None = None, **kwargs):
    return client.post(reverse(f"separate:{name}"), data or {}, **kwargs)


def walk_to_phone(client, *, kind: str = "kodeviser", bruger_id: str = "min.bruger") -> None:
    post(client, "start", {"kind": kind})
    if kind != "app":
        post(client, "physical")
    response = post(client, "bruger_id", {"bruger_id": bruger_id})
    assert response.status_code == 302, response.content.decode()


def walk_to_verify(client, *, number: str = PHONE, **kwargs) -> None:
    walk_to_phone(client, **kwargs)
    response = post(client, "phone", {"number": number})
    assert response.status_code == 302, response.content.decode()
    post(client, "overview")


def walk_to_activation_start(client, **kwargs) -> None:
    walk_to_verify(client, **kwargs)
    response = post(client, "verify", {"code": latest_sms_code(kwargs.get("number", PHONE))})
    assert response.headers["Location"] == reverse("separate:activation_start")


def walk_to_activate(client, *, choice: str = "new", **kwargs) -> Device:
    walk_to_activation_start(client, **kwargs)
    response = post(client, "activation_start", {"choice": choice})
    assert response.status_code in (200, 302), response.content.decode()
    return Device.objects.get(serial=client.session["separate_activation"]["device_serial"])


def current_code(device: Device) -> str:
    return totp.code_at(device.totp_secret, time.time())
