"""No personal data in the logs (DESIGN.md "Rules": CPR numbers never logged; secrets only as
keyed hashes): every log record of a whole journey – the owner connects the practice, the
organisation administrator logs in with private MitID, imports from NemID and bulk-activates,
reveals a code with *Vis*, and a birth-date employee activates from the emailed link with a wrong
and then the right code – is searched for every CPR number and every code and link token."""

import contextlib
import datetime
import logging
import re
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from activation.models import Invitation
from organisations.models import Organisation
from simulators import demo
from simulators.mitid.models import LoginRequest
from simulators.registers.models import Person
from tests.employee.conftest import mitid_login_on_link
from tests.helpers import demo_accountant_appoint, demo_practice_connect
from users.models import User

pytestmark = pytest.mark.django_db(transaction=True)

LINK = re.compile(r"/aktiver/link/([^/\s\"<]+)/")


def _broker_login(client, username: str):
    start = client.get(reverse("login:start"))
    broker_page = client.get(start.url)
    client.post(
        reverse("mitid:login"),
        {
            "client": "MitID Erhverv",
            "return_url": broker_page.context["return_url"],
            "state": broker_page.context["state"],
            "username": username,
            "method": "app",
        },
    )
    login_request = LoginRequest.objects.latest("created_at")
    client.post(
        reverse("mitid:app_decide", args=[username, login_request.pk]), {"decision": "approve"}
    )
    finish = client.get(reverse("mitid:login_finish", args=[login_request.pk]))
    return client.get(finish.url, follow=True)


def _record_text(record: logging.LogRecord) -> str:
    parts = [str(record.msg), repr(record.args)]
    with contextlib.suppress(Exception):  # a broken format string is text too
        parts.append(record.getMessage())
    if record.exc_info:
        parts.append(logging.Formatter().formatException(record.exc_info))
    if record.exc_text:
        parts.append(record.exc_text)
    request = getattr(record, "request", None)
    if request is not None and hasattr(request, "get_full_path"):
        parts.append(request.get_full_path())
    return "\n".join(parts)


def _secrets_found(records, secrets: set[str]) -> list[tuple[str, str]]:
    found = []
    for record in records:
        text = _record_text(record)
        found += [(secret, text[:300]) for secret in secrets if secret and secret in text]
    return found


def _cpr_forms() -> set[str]:
    cprs = set()
    for person in Person.objects.all():
        cprs |= {person.cpr, f"{person.cpr[:6]}-{person.cpr[6:]}"}
    for user in User.objects.exclude(cpr=""):
        cprs |= {user.cpr, f"{user.cpr[:6]}-{user.cpr[6:]}"}
    return cprs


@pytest.fixture
def journey(caplog):
    """The whole journey; returns the secrets it handled (codes, link tokens)."""
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="django")
    # A db_worker run earlier in the process may have turned these down (its verbosity 0).
    for name in ("django_tasks", "django_tasks_db", "mitid_portal", "activation", "users"):
        caplog.set_level(logging.DEBUG, logger=name)
    # The owner connects the practice and appoints herself (G2).
    demo_practice_connect()
    people = {p.key: p for p in demo.PEOPLE}
    owner = people["owner"]
    Organisation.objects.filter(cvr=demo.PRACTICE_CVR).update(
        allow_private_mitid=True, allowed_means=["app"], preferred_means="app"
    )

    # The organisation administrator logs in, imports and bulk-activates everyone (G3–G4).
    admin = Client()
    assert _broker_login(admin, owner.username).status_code == 200
    assert admin.post(reverse("users:import"), {}).status_code == 302
    assert User.objects.filter(organisation__cvr=demo.PRACTICE_CVR, state="imported").exists()
    admin.post(reverse("activation:bulk_start"), {"all_matching": "1", "q": ""})
    admin.post(reverse("activation:bulk_means"), {"means": ["private"]})
    assert admin.post(reverse("activation:bulk_confirm")).url == reverse("activation:bulk_receipt")

    # *Vis* the birth-date employee's temporary activation code (G5.7).
    birthe = User.objects.get(
        organisation__cvr=demo.PRACTICE_CVR, email="birthe.noergaard@laegehuset-vestergade.dk"
    )
    invitation = Invitation.objects.get(user=birthe, state="live")
    shown = admin.post(reverse("activation:code_reveal", args=[invitation.pk])).content.decode()
    code = re.search(r'data-testid="activation-code">(\d{8})<', shown).group(1)

    tokens = {LINK.search(m.body).group(1) for m in mail.outbox if LINK.search(m.body)}
    assert tokens
    birthe_mail = next(m for m in mail.outbox if m.to == [birthe.email])
    birthe_token = LINK.search(birthe_mail.body).group(1)

    # The employee activates from the link with private MitID and the code (G6).
    employee = Client()
    assert employee.get(reverse("employee:link", args=[birthe_token])).status_code == 302
    callback = mitid_login_on_link(employee, "birthe.noergaard")
    assert urlsplit(callback.url).path == reverse("employee:choose")
    assert employee.post(reverse("employee:choose"), {"use_private": "yes"}).status_code == 302
    wrong = "00000000" if code != "00000000" else "11111111"
    assert employee.post(reverse("employee:code"), {"code": wrong}).status_code == 200
    done = employee.post(reverse("employee:code"), {"code": code})
    assert done.url == reverse("employee:receipt")
    assert employee.get(done.url).status_code == 200
    invitation.refresh_from_db()
    assert invitation.state == Invitation.State.USED
    return {
        "codes": {code, wrong},
        "tokens": tokens,
        "birthe_token": birthe_token,
        "employee": employee,
    }


def test_a_whole_journey_logs_no_cpr_number_and_no_code_or_token(caplog, journey):
    records = caplog.get_records("setup") + caplog.records  # the journey runs in the fixture
    assert len(records) > 10  # the journey does log (the tasks, ...)
    found = _secrets_found(records, _cpr_forms())
    assert found == [], found
    found = _secrets_found(records, journey["codes"] | journey["tokens"])
    assert found == [], found


def test_opening_a_spent_link_again_logs_no_token(caplog, journey):
    caplog.clear()
    response = journey["employee"].get(reverse("employee:link", args=[journey["birthe_token"]]))
    assert response.status_code < 500
    found = _secrets_found(caplog.records, {journey["birthe_token"]})
    assert found == [], found


def test_opening_an_expired_setup_link_logs_no_token(caplog, client):
    call_command("seed_demo", verbosity=0)
    people = {p.key: p for p in demo.PEOPLE}
    accountant = people["accountant"]
    demo_accountant_appoint(cvr=demo.PRACTICE_CVR, email="jesper@example.dk")
    setup = next(m for m in mail.outbox if "/opsaetning/" in m.body)
    path = re.search(r"(/opsaetning/[^/\s]+/)", setup.body).group(1)
    token = path.split("/")[2]
    Organisation.objects.get(cvr=demo.PRACTICE_CVR).admin_invitations.update(
        expires_at=timezone.now() - datetime.timedelta(seconds=1)
    )
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="django")
    response = client.get(path)
    assert response.status_code < 500
    found = _secrets_found(caplog.records, {token, accountant.cpr})
    assert found == [], found
