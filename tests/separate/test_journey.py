"""Aktivering med særskilt MitID (G7.1–G7.10): every step's page, its rules and the end."""

import datetime
import time

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from activation.models import BoundMeans, Invitation, LoginEvent, SmsVerification
from activation.separate import selectors, services
from mitid_portal import outside
from mitid_portal.models import AuditEvent, OutboundEmail
from simulators.mitid import business_app, totp
from simulators.mitid.models import Device
from simulators.sms.models import SmsMessage
from tests.factories import DeviceFactory, MitIDAccountFactory, PersonFactory, UserFactory
from tests.separate.factories import invitation_create, session_start
from tests.separate.helpers import (
    PHONE,
    current_code,
    latest_sms_code,
    post,
    walk_to_activate,
    walk_to_activation_start,
    walk_to_phone,
    walk_to_verify,
)
from users.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture
def invitation(client):
    invitation, _token = invitation_create(means=["kodeviser"])
    session_start(client, invitation)
    return invitation


def page(client, name: str) -> str:
    response = client.get(reverse(f"separate:{name}"))
    assert response.status_code == 200, response.status_code
    return response.content.decode()


# --- the entry -------------------------------------------------------------------------------


def test_without_an_invitation_in_the_session_it_says_to_use_the_emailed_link(client):
    response = client.get(reverse("separate:start"))
    assert response.status_code == 403
    assert "Start aktiveringen via linket i din e-mail" in response.content.decode()


def test_an_expired_or_used_invitation_is_refused(client, invitation):
    invitation.expires_at = timezone.now() - datetime.timedelta(seconds=1)
    invitation.save()
    assert "Start aktiveringen via linket" in client.get(reverse("separate:start")).content.decode()
    invitation.expires_at = timezone.now() + datetime.timedelta(days=1)
    invitation.state = Invitation.State.USED
    invitation.save()
    assert client.get(reverse("separate:start")).status_code == 403


def test_a_later_step_cannot_be_reached_before_the_earlier_ones(client, invitation):
    response = client.get(reverse("separate:verify"))
    assert response.headers["Location"] == reverse("separate:start")


# --- G7.1, G7.2 ------------------------------------------------------------------------------


def test_it_shows_the_means_the_administrator_chose(client, invitation):
    html = page(client, "start")
    assert "Aktivér identifikationsmidler" in html
    assert "MitID kodeviser" in html
    assert "MitID chip" not in html
    assert "Næste" in html


def test_the_user_picks_one_of_several_means(client):
    invitation, _ = invitation_create(means=["private", "app", "chip"])
    session_start(client, invitation)
    html = page(client, "start")
    assert "MitID app" in html and "MitID chip" in html and "Privat MitID" not in html
    response = post(client, "start", {"kind": "kodeviser"})  # not chosen by the administrator
    assert response.status_code == 200
    response = post(client, "start", {"kind": "chip"})
    assert response.headers["Location"] == reverse("separate:physical")


def test_a_physical_means_is_checked_before_the_bruger_id(client, invitation):
    post(client, "start", {"kind": "kodeviser"})
    assert client.get(reverse("separate:bruger_id")).headers["Location"] == reverse(
        "separate:physical"
    )
    html = page(client, "physical")
    assert "Kontrollér det fysiske identifikationsmiddel" in html
    assert "Vælg knappen Næste" not in html  # says what to do, does not narrate the screen
    response = post(client, "physical")
    assert response.headers["Location"] == reverse("separate:bruger_id")
    assert "Opret MitID Erhverv bruger-ID" in page(client, "bruger_id")


def test_the_app_skips_the_physical_check(client):
    invitation, _ = invitation_create(means=["app"])
    session_start(client, invitation)
    response = post(client, "start", {"kind": "app"})
    assert response.headers["Location"] == reverse("separate:bruger_id")


# --- G7.3 bruger-ID --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("abc", "Bruger-ID skal være 5 til 48 tegn langt."),
        ("hans%jensen", "Bruger-ID må kun indeholde"),
        ("hans<b>", "Bruger-ID må kun indeholde"),
        ("0101901234", "Bruger-ID må ikke være et CPR-nummer eller 10 cifre."),
        (" hansen", "Bruger-ID må ikke begynde eller slutte med mellemrum."),
        ("", "Indtast et bruger-ID."),
    ],
)
def test_it_refuses_a_bad_bruger_id_and_keeps_what_was_typed(client, invitation, value, message):
    post(client, "start", {"kind": "kodeviser"})
    post(client, "physical")
    assert "Opret MitID Erhverv bruger-ID" in page(client, "bruger_id")
    response = post(client, "bruger_id", {"bruger_id": value})
    html = response.content.decode()
    assert response.status_code == 200
    assert message in html
    if value.strip():
        assert 'value="' in html


def test_a_taken_bruger_id_is_refused_regardless_of_case_without_saying_who(client, invitation):
    UserFactory(bruger_id="Lone.Hansen", first_name="Hemmelig", last_name="Indehaver")
    post(client, "start", {"kind": "kodeviser"})
    post(client, "physical")
    response = post(client, "bruger_id", {"bruger_id": "lone.hansen"})
    html = response.content.decode()
    assert "Bruger-ID&#x27;et er optaget. Vælg et andet." in html
    assert "Hemmelig" not in html and "Indehaver" not in html


@pytest.mark.parametrize(("held", "typed"), [("ÆbleGård.1", "æblegård.1"), ("søren.ø", "SØREN.Ø")])
def test_a_taken_bruger_id_with_æøå_is_refused_in_any_case(client, invitation, held, typed):
    UserFactory(bruger_id=held)
    post(client, "start", {"kind": "kodeviser"})
    post(client, "physical")
    response = post(client, "bruger_id", {"bruger_id": typed})
    assert "Bruger-ID&#x27;et er optaget. Vælg et andet." in response.content.decode()


def test_the_database_refuses_the_same_bruger_id_in_another_case():
    from django.db import IntegrityError, transaction

    UserFactory(bruger_id="Åse.Ørum")
    with pytest.raises(IntegrityError), transaction.atomic():
        UserFactory(bruger_id="åse.ørum")


def test_a_valid_bruger_id_leads_to_the_mobile_number(client, invitation):
    post(client, "start", {"kind": "kodeviser"})
    post(client, "physical")
    response = post(client, "bruger_id", {"bruger_id": "Søren Æblegård (praksis)"})
    assert response.headers["Location"] == reverse("separate:phone")
    assert "Indtast mobilnummer" in page(client, "phone")
    invitation.user.refresh_from_db()
    assert invitation.user.bruger_id is None  # reserved only at the end


# --- G7.4 mobile number and SMS --------------------------------------------------------------


@pytest.mark.parametrize("number", ["1234567", "12345678", "+46 22334455", "2233445a", ""])
def test_it_refuses_a_bad_mobile_number(client, invitation, number):
    walk_to_phone(client)
    response = post(client, "phone", {"number": number})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Indtast et dansk mobilnummer på 8 cifre" in html or "Indtast dit mobilnummer." in html
    assert not SmsMessage.objects.exists()


@pytest.mark.parametrize("number", ["22334455", "+45 22 33 44 55", "0045 2233 4455"])
def test_the_sms_with_a_6_digit_code_reaches_the_simulated_phone(client, invitation, number):
    walk_to_phone(client)
    response = post(client, "phone", {"number": number})
    assert response.headers["Location"] == reverse("separate:overview")
    message = SmsMessage.objects.get(number=PHONE)
    code = latest_sms_code()
    assert f"Din MitID Erhverv verifikationskode er {code}." in message.text
    assert "Koden udløber om 10 minutter." in message.text
    verification = SmsVerification.objects.get(user=invitation.user)
    assert verification.number == PHONE
    assert code not in verification.code_hash and len(verification.code_hash) == 64
    assert verification.expires_at - verification.created_at == datetime.timedelta(minutes=10)
    assert PHONE in client.get(reverse("sms:phone", args=[PHONE])).content.decode()


def test_the_overview_shows_the_choices(client, invitation):
    walk_to_verify(client, bruger_id="Kodeviser.Karen")
    html = page(client, "overview")
    assert "Aktivering af MitID ID-midler" in html
    for text in ("Kodeviser.Karen", PHONE, "MitID kodeviser", escape(invitation.organisation.name)):
        assert text in html
    assert "Indtast verifikationskode" in page(client, "verify")


def test_a_new_sms_waits_60_seconds(client, invitation):
    walk_to_verify(client)
    response = post(client, "resend", follow=True)
    assert "Du kan først få en ny SMS om" in response.content.decode()
    assert SmsMessage.objects.count() == 1


def test_at_most_5_sms_an_hour_per_number(client, invitation):
    walk_to_verify(client)
    for _ in range(4):
        SmsVerification.objects.update(created_at=timezone.now() - datetime.timedelta(minutes=2))
        post(client, "resend")
    assert SmsMessage.objects.count() == 5
    SmsVerification.objects.update(created_at=timezone.now() - datetime.timedelta(minutes=2))
    response = post(client, "resend", follow=True)
    assert "Der er sendt 5 SMS&#x27;er til nummeret den seneste time." in response.content.decode()
    assert SmsMessage.objects.count() == 5


# --- G7.6 verification code ------------------------------------------------------------------


def _wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def test_a_code_with_letters_or_7_digits_is_refused(client, invitation):
    walk_to_verify(client)
    for bad in ("12a456", "1234567", ""):
        response = post(client, "verify", {"code": bad})
        assert response.status_code == 200
    assert SmsVerification.objects.get().failures == 0


def test_three_wrong_codes_lock_the_code(client, invitation):
    walk_to_verify(client)
    code = latest_sms_code()
    html = post(client, "verify", {"code": _wrong(code)}).content.decode()
    assert "Forkert verifikationskode. Du har 2 forsøg tilbage." in html
    post(client, "verify", {"code": _wrong(code)})
    html = post(client, "verify", {"code": _wrong(code)}).content.decode()
    assert "Du har indtastet en forkert kode 3 gange. Vælg Send ny kode." in html
    html = post(client, "verify", {"code": code}).content.decode()
    assert "Du har indtastet en forkert kode 3 gange." in html
    assert SmsVerification.objects.get().failures == 3
    assert not client.session["separate_activation"].get("sms_verified")


def test_a_new_code_kills_the_old_one_and_keeps_the_failures(client, invitation):
    walk_to_verify(client)
    old = latest_sms_code()
    post(client, "verify", {"code": _wrong(old)})
    SmsVerification.objects.update(created_at=timezone.now() - datetime.timedelta(minutes=2))
    post(client, "resend")
    new = latest_sms_code()
    assert SmsVerification.objects.order_by("-created_at").first().failures == 1
    if old != new:
        assert "Forkert verifikationskode" in post(client, "verify", {"code": old}).content.decode()
    response = post(client, "verify", {"code": new})
    assert response.headers["Location"] == reverse("separate:activation_start")


def test_an_expired_code_is_refused(client, invitation):
    walk_to_verify(client)
    SmsVerification.objects.update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    html = post(client, "verify", {"code": latest_sms_code()}).content.decode()
    assert "Koden er udløbet. Vælg Send ny kode." in html


def test_a_code_is_single_use(invitation):
    user = invitation.user
    services.sms_code_send(user=user, number=PHONE)
    code = latest_sms_code()
    services.sms_code_verify(user=user, number=PHONE, code=code)
    with pytest.raises(services.RuleError, match="allerede brugt"):
        services.sms_code_verify(user=user, number=PHONE, code=code)


# --- G7.7–G7.9 the means ---------------------------------------------------------------------


def test_start_activation_page_uses_the_guides_words(client, invitation):
    walk_to_activation_start(client)
    html = page(client, "activation_start")
    assert "Aktivering af MitID kodeviser" in html
    assert "Start aktivering af MitID kodeviser" in html
    assert "Du har fået en mitid kodeviser fra din organisation" in html.lower() or (
        "fra din organisation" in html
    )


def test_kodeviser_is_activated_with_the_code_it_shows_now(client, invitation):
    device = walk_to_activate(client)
    assert device.kind == "kodeviser" and device.account is None
    html = page(client, "activate")
    assert device.serial in html
    assert reverse("mitid:device", args=[device.serial]) in html
    assert not BoundMeans.objects.exists()  # nothing bound before the end

    response = post(client, "activate", {"code": current_code(device)})
    assert response.headers["Location"] == reverse("separate:receipt")
    user = User.objects.get(pk=invitation.user.pk)
    assert user.state == User.State.ACTIVE
    assert user.bruger_id == "min.bruger" and user.phone == PHONE
    assert user.uses_private_mitid is False
    binding = BoundMeans.objects.get(user=user)
    assert binding.device_serial == device.serial and binding.kind == "kodeviser"
    invitation.refresh_from_db()
    assert invitation.state == Invitation.State.USED and invitation.used_at
    event = AuditEvent.objects.get(action="user_activated")
    assert event.changes["means"] == "kodeviser" and event.organisation == invitation.organisation

    html = page(client, "receipt")
    assert "Kvittering" in html and "min.bruger" in html and device.serial in html


def test_a_code_from_two_steps_ago_is_refused(client, invitation):
    device = walk_to_activate(client)
    old = totp.code_at(device.totp_secret, time.time() - 2 * totp.STEP_SECONDS)
    if totp.verify(device.totp_secret, old, window=1):
        pytest.skip("the old code happens to equal a current one")
    response = post(client, "activate", {"code": old})
    assert "Koden passer ikke. Indtast den kode, enheden viser nu." in response.content.decode()
    assert not BoundMeans.objects.exists()
    assert User.objects.get(pk=invitation.user.pk).state == User.State.AWAITING


def test_going_back_reuses_the_pending_device(client, invitation):
    device = walk_to_activate(client)
    post(client, "activation_start", {"choice": "new"})
    assert client.session["separate_activation"]["device_serial"] == device.serial
    assert Device.objects.count() == 1


def test_kodeoplaeser_page_can_read_the_code_aloud(client):
    invitation, _ = invitation_create(means=["kodeoplaeser"])
    session_start(client, invitation)
    device = walk_to_activate(client, kind="kodeoplaeser")
    html = page(client, "activate")
    assert "Aktivér din MitID kodeoplæser" in html
    assert (
        "Læs koden op" in client.get(reverse("mitid:device", args=[device.serial])).content.decode()
    )
    assert post(client, "activate", {"code": current_code(device)}).status_code == 302


def test_chip_is_activated_by_a_press_after_the_step_started(client):
    invitation, _ = invitation_create(means=["chip"])
    session_start(client, invitation)
    device = walk_to_activate(client, kind="chip")
    html = post(client, "activate").content.decode()
    assert "Chippen er ikke trykket endnu." in html
    client.post(reverse("mitid:device_press", args=[device.serial]))
    response = post(client, "activate")
    assert response.headers["Location"] == reverse("separate:receipt")
    assert BoundMeans.objects.get().device_serial == device.serial


def test_a_press_before_the_step_started_does_not_count(client):
    invitation, _ = invitation_create(means=["chip"])
    session_start(client, invitation)
    device = walk_to_activate(client, kind="chip")
    Device.objects.filter(pk=device.pk).update(
        last_pressed_at=timezone.now() - datetime.timedelta(minutes=1)
    )
    assert "Chippen er ikke trykket endnu." in post(client, "activate").content.decode()


def test_new_app_is_activated_with_the_code_shown_in_the_guide(client):
    invitation, _ = invitation_create(means=["app"])
    session_start(client, invitation)
    walk_to_activation_start(client, kind="app")
    html = page(client, "activation_start")
    assert "Download og aktivér MitID App på en ny enhed" in html
    assert "Brug den MitID app, du har som privatperson" not in html  # has no private app
    response = post(client, "activation_start", {"choice": "new"})
    html = response.content.decode()
    assert "Download og aktivér MitID App" in html
    device = Device.objects.get(kind="app")
    code = response.context["activation_code"]
    assert len(code) == 8 and code in html

    assert "Appen er ikke aktiveret endnu." in post(client, "activate").content.decode()
    app_url = reverse("business_app:activate", args=[device.serial])
    assert (
        "Aktiveringskoden passer ikke."
        in client.post(
            app_url, {"code": "00000000" if code != "00000000" else "11111111"}
        ).content.decode()
    )
    assert (
        "Indtast aktiveringskoden"
        in client.get(reverse("business_app:app", args=[device.serial])).content.decode()
    )
    client.post(app_url, {"code": code})
    response = post(client, "activate")
    assert response.headers["Location"] == reverse("separate:receipt")
    assert BoundMeans.objects.get().device_serial == device.serial


def test_the_private_app_can_be_used(client):
    person = PersonFactory()
    private_app = DeviceFactory(account=MitIDAccountFactory(person=person), kind="app")
    invitation, _ = invitation_create(means=["app"])
    User.objects.filter(pk=invitation.user.pk).update(cpr=person.cpr, cpr_hash=person.cpr_hash)
    session_start(client, invitation)
    walk_to_activation_start(client, kind="app")
    assert "Brug den MitID app, du har som privatperson" in page(client, "activation_start")
    response = post(client, "activation_start", {"choice": "private"})
    business_app.activation_code_enter(
        serial=private_app.serial, code=response.context["activation_code"]
    )
    post(client, "activate")
    assert BoundMeans.objects.get().device_serial == private_app.serial


# --- G7.10 Kvittering, once ------------------------------------------------------------------


def test_reload_and_back_after_kvittering_activate_nothing_twice(
    client, invitation, django_capture_on_commit_callbacks
):
    device = walk_to_activate(client)
    with django_capture_on_commit_callbacks(execute=True):
        post(client, "activate", {"code": current_code(device)})
    assert page(client, "receipt")
    assert client.get(reverse("separate:receipt")).status_code == 200
    # Back button and a re-submitted form go to the receipt; nothing is written again.
    for name in ("activate", "verify", "start"):
        response = post(client, name, {"code": current_code(device), "kind": "kodeviser"})
        assert response.headers["Location"] == reverse("separate:receipt")
    binding = services.separate_activation_complete(
        invitation=invitation,
        bruger_id="min.bruger",
        phone=PHONE,
        device=outside.device_registry().get(serial=device.serial),
    )
    assert BoundMeans.objects.count() == 1 and binding == BoundMeans.objects.get()
    assert AuditEvent.objects.filter(action="user_activated").count() == 1
    assert (
        OutboundEmail.objects.filter(subject__contains="identifikationsmiddel er tilføjet").count()
        == 1
    )
    assert len(mail.outbox) == 1


def test_the_user_is_emailed_that_a_means_was_added(
    client, invitation, django_capture_on_commit_callbacks
):
    device = walk_to_activate(client)
    with django_capture_on_commit_callbacks(execute=True):
        post(client, "activate", {"code": current_code(device)})
    (message,) = mail.outbox
    assert message.to == [invitation.user.email]
    assert "Et identifikationsmiddel er tilføjet" in message.subject
    assert "MitID kodeviser" in message.body and device.serial in message.body
    assert invitation.organisation.name in message.body


def test_after_activation_the_user_is_signed_in_with_a_login_event(client, invitation):
    device = walk_to_activate(client)
    post(client, "activate", {"code": current_code(device)})
    assert int(client.session["_auth_user_id"]) == invitation.user.pk
    assert LoginEvent.objects.get(user=invitation.user).means == "kodeviser"


def test_two_people_claiming_the_same_bruger_id_one_wins(client, invitation, monkeypatch):
    device = walk_to_activate(client, bruger_id="Faelles.ID")
    # The other person claims it after this journey's checks passed: the database decides.
    other = UserFactory(bruger_id=None)
    monkeypatch.setattr(selectors, "bruger_id_taken", lambda **kwargs: False)
    other.bruger_id = "FAELLES.ID"
    other.save(update_fields=["bruger_id"])
    response = post(client, "activate", {"code": current_code(device)}, follow=True)
    html = response.content.decode()
    assert "Bruger-ID&#x27;et er optaget. Vælg et andet." in html
    assert "Opret MitID Erhverv bruger-ID" in html
    user = User.objects.get(pk=invitation.user.pk)
    assert user.state == User.State.AWAITING and user.bruger_id is None
    assert not BoundMeans.objects.exists()
    invitation.refresh_from_db()
    assert invitation.state == Invitation.State.LIVE
    # A new ID finishes the journey without another SMS.
    monkeypatch.undo()
    response = post(client, "bruger_id", {"bruger_id": "mit.eget.id"})
    assert response.headers["Location"] == reverse("separate:activate")
    post(client, "activate", {"code": current_code(device)})
    assert User.objects.get(pk=invitation.user.pk).bruger_id == "mit.eget.id"


def test_the_private_mitid_identity_must_be_confirmed_first(client):
    invitation, _ = invitation_create(means=["kodeviser"])
    session = client.session
    session["activation_invitation_id"] = invitation.pk
    session.save()
    response = client.get(reverse("separate:start"))
    assert response.status_code == 403
    assert "Bekræft først, hvem du er" in response.content.decode()


def test_a_bruger_id_written_past_save_without_its_key_is_refused():
    from django.db import IntegrityError, transaction

    user = UserFactory(bruger_id=None)
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.filter(pk=user.pk).update(bruger_id="uden.noegle")


def test_a_refusal_at_the_end_is_shown_on_the_page_not_a_server_error(
    client, invitation, monkeypatch
):
    """The invitation can stop being live between the means check and the end (a parallel tab,
    the administrator cancels): the refusal is shown where the means was checked."""
    device = walk_to_activate(client)

    def refuse(**kwargs):
        raise services.RuleError("not_live", "Aktiveringen findes ikke længere.")

    monkeypatch.setattr(services, "separate_activation_complete", refuse)
    response = post(client, "activate", {"code": current_code(device)})
    assert response.status_code == 200
    assert "Aktiveringen findes ikke længere." in response.content.decode()
    assert not BoundMeans.objects.exists()
