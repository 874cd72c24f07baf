"""An employee with a kodeviser activates a separate MitID from the activation link's session
to *Kvittering* (G7.1–G7.7, G7.9, G7.10), reading the SMS code on the simulated phone and the
code on the simulated kodeviser, then logs in with bruger-ID + kodeviser."""

import re

import pytest
from django.conf import settings
from playwright.sync_api import expect

from activation.models import BoundMeans
from simulators.mailbox.models import MailMessage
from tests.browser.conftest import axe_check
from tests.separate.factories import invitation_create
from users.models import User
from users.sessions import SessionStore

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = "+4522446688"


def _session_for(context, live_server, invitation) -> None:
    """What the emailed link's landing leaves behind: the invitation's pk in the session."""
    session = SessionStore()
    session["activation_invitation_id"] = invitation.pk
    session["employee_identity"] = {"invitation_id": invitation.pk}
    session.create()
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": session.session_key,
                "url": live_server.url,
            }
        ]
    )


def _heading(page, text: str) -> None:
    expect(page.get_by_role("heading", level=1)).to_have_text(text)
    axe_check(page)


def _device_code(context, serial: str) -> str:
    device = context.new_page()
    device.goto(f"/simulator/mitid/enhed/{serial}/")
    axe_check(device)
    code = device.locator("#device-code").get_attribute("data-code")
    device.close()
    return code


def test_kodeviser_user_activates_a_separate_mitid_and_logs_in(
    context, page, live_server, mailbox_backend
):
    invitation, _token = invitation_create(means=["kodeviser"])
    user = invitation.user
    _session_for(context, live_server, invitation)

    page.goto("/saerskilt-mitid/")
    _heading(page, "Aktivér identifikationsmidler")
    expect(page.get_by_label("MitID kodeviser")).to_be_checked()
    page.get_by_role("button", name="Næste").click()

    _heading(page, "Kontrollér det fysiske identifikationsmiddel")
    page.get_by_role("button", name="Næste").click()

    _heading(page, "Opret MitID Erhverv bruger-ID")
    page.get_by_label("Bruger-ID").fill("12345 67890")
    page.get_by_role("button", name="Næste").click()
    # The error summary links to the field, and the field says it too.
    expect(page.locator('[data-testid="error-summary"] a[href="#id_bruger_id"]')).to_contain_text(
        "Bruger-ID må ikke være et CPR-nummer eller 10 cifre."
    )
    expect(page.locator("#id_bruger_id_error")).to_contain_text(
        "Bruger-ID må ikke være et CPR-nummer eller 10 cifre."
    )
    axe_check(page)
    page.get_by_label("Bruger-ID").fill("Karen.Kodeviser")
    page.get_by_role("button", name="Næste").click()

    _heading(page, "Indtast mobilnummer")
    page.get_by_label("Mobilnummer").fill("22 44 66 88")
    page.get_by_role("button", name="Næste").click()

    _heading(page, "Aktivering af MitID ID-midler")
    expect(page.get_by_test_id("overview")).to_contain_text("Karen.Kodeviser")
    expect(page.get_by_test_id("overview")).to_contain_text(PHONE)
    page.get_by_role("button", name="Næste").click()

    _heading(page, "Indtast verifikationskode")
    phone = context.new_page()
    phone.goto(f"/simulator/sms/{PHONE}/")
    axe_check(phone)
    sms = phone.get_by_test_id("sms-inbox").inner_text()
    code = re.search(r"verifikationskode er (\d{6})", sms).group(1)
    phone.close()
    page.get_by_label("Verifikationskode").fill(code)
    page.get_by_role("button", name="Næste").click()

    _heading(page, "Aktivering af MitID kodeviser")
    page.get_by_label("Du har fået en mitid kodeviser fra din organisation").check()
    page.get_by_role("button", name="Start aktivering af MitID kodeviser").click()

    _heading(page, "Aktivér din MitID kodeviser")
    serial = page.get_by_test_id("serial").inner_text()
    page.get_by_label("Koden, som enheden viser nu").fill(_device_code(context, serial))
    page.get_by_role("button", name="Aktivér").click()

    _heading(page, "Kvittering")
    expect(page.get_by_test_id("receipt")).to_contain_text("Karen.Kodeviser")
    expect(page.get_by_test_id("receipt")).to_contain_text(serial)
    page.reload()
    _heading(page, "Kvittering")

    user.refresh_from_db()
    assert user.state == User.State.ACTIVE and user.bruger_id == "Karen.Kodeviser"
    assert BoundMeans.objects.filter(user=user, device_serial=serial).count() == 1
    assert MailMessage.objects.filter(
        subject__contains="Et identifikationsmiddel er tilføjet"
    ).exists()

    # Log af, then Log på MitID Erhverv with bruger-ID + kodeviser.
    page.get_by_role("button", name="Log af").click()
    page.goto("/saerskilt-mitid/log-paa/")
    _heading(page, "Log på MitID Erhverv")
    page.get_by_label("Bruger-ID").fill("karen.kodeviser")
    page.get_by_label("MitID kodeviser eller kodeoplæser").check()
    page.get_by_role("button", name="Fortsæt").click()
    _heading(page, "Indtast kode")
    page.get_by_label("Koden, som enheden viser nu").fill(_device_code(context, serial))
    page.get_by_role("button", name="Log på").click()
    expect(page.get_by_test_id("signed-in")).to_contain_text(user.full_name)
    axe_check(page)
