"""Every email and SMS in the recipient's language (issue 13): each email of the portal rendered
for a Danish and an English recipient, each SMS text in both languages, and the language carried
from the user (``User.language``) to what is sent, also by the bulk start's builder."""

import datetime
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation

from activation import emails as activation_emails
from activation.models import BoundMeans, Invitation
from activation.separate import services as separate_services
from activation.services.emails import LinkEmailBuilder
from mitid_portal.models import OutboundEmail
from organisations import emails as organisation_emails
from organisations.models import ConnectionRequest, PowerOfAttorney, PublicService, RightRequest
from simulators.sms.models import SmsMessage
from tests.factories import OrganisationFactory, UserFactory
from users import emails as user_emails

pytestmark = pytest.mark.django_db

NOON = timezone.make_aware(datetime.datetime(2026, 12, 31, 12, 0))
ROOT = Path(settings.BASE_DIR)

# Danish words and phrases of the emails and SMS that no English text contains.
DANISH = (
    " og ",
    "aktivering",
    "bruger",
    "venlig hilsen",
    "Kære",
    " du ",
    " din ",
    " er ",
    " hos ",
    " til ",
    "identifikationsmiddel",
    "fuldmagt",
    "rettighed",
    "anmodning",
    "Linket",
    "gyldig",
    "øvelsesmiljø",
    "kode ",
    "udløber",
)
# Words that every Danish email has, and English ones that no Danish email has.
ENGLISH = (" you", "Dear ", "Kind regards", " the ", " is ", " has ")


@pytest.fixture
def organisation():
    return OrganisationFactory(name="Northwind Ltd")


@pytest.fixture
def connection(organisation):
    return ConnectionRequest.objects.create(
        cvr=organisation.cvr,
        company_name=organisation.name,
        requester_name="Jane Smith",
        requester_email="jane@example.com",
        terms_version="2026-1",
        terms_accepted_at=NOON,
        decision_note="Missing signature.",
    )


@pytest.fixture
def power(organisation):
    power = PowerOfAttorney.objects.create(
        giver=organisation,
        receiver_cvr="12345674",
        receiver_name="Contoso Audit",
        valid_until=datetime.date(2027, 6, 30),
        created_by_name="Jane Smith",
    )
    power.services.set([PublicService.objects.create(code="test-vat", name="VAT")])
    return power


@pytest.fixture
def service():
    return PublicService.objects.create(code="test-income", name="eIncome")


def _user(organisation, language):
    return UserFactory(
        organisation=organisation,
        first_name="Alex",
        last_name="Taylor",
        email="alex@example.com",
        language=language,
        pending_email_expires_at=NOON,
    )


def _binding(user, kind=BoundMeans.Kind.KODEVISER):
    return BoundMeans.objects.create(
        user=user, kind=kind, device_serial="KV-0042", bound_at=NOON, removed_at=NOON
    )


def _invitation(user):
    return Invitation.objects.create(
        user=user,
        organisation=user.organisation,
        token_hash="h" * 64,
        code_hash="c",
        expires_at=NOON,
    )


def _right_request(user, service):
    return RightRequest.objects.create(
        organisation=user.organisation,
        user=user,
        service=service,
        decision_note="Agreed with your manager.",
        decided_by_name="Chris Admin",
    )


def _power_sender(name):
    def send(f, lang):
        return getattr(organisation_emails, name)(
            to="chris@example.com",
            admin_name="Chris Admin",
            organisation=f["organisation"],
            power=f["power"],
            event_key=None,
            language=lang,
        )

    return send


def _decision_sender(name):
    def send(f, lang):
        return getattr(organisation_emails, name)(
            to="alex@example.com",
            user_name="Alex Taylor",
            right_request=_right_request(_user(f["organisation"], lang), f["service"]),
            event_key=None,
            language=lang,
        )

    return send


# Each email of the portal: how to send it to a recipient of a given language. Emails to a user
# take the language from the user; the others are given the recipient's language.
SENDERS = {
    "activation_link": lambda f, lang: activation_emails.activation_link(
        invitation=_invitation(_user(f["organisation"], lang)), token="T", event_key=None
    ),
    "activation_reminder": lambda f, lang: activation_emails.activation_reminder(
        invitation=_invitation(_user(f["organisation"], lang)), token="T", event_key=None
    ),
    "means_added": lambda f, lang: activation_emails.means_added(
        to="alex@example.com",
        user=_user(f["organisation"], lang),
        organisation=f["organisation"],
        kind=BoundMeans.Kind.PRIVATE,
        bound_at=NOON,
        event_key=None,
    ),
    "means_removed": lambda f, lang: activation_emails.means_removed(
        to="alex@example.com",
        user=(user := _user(f["organisation"], lang)),
        binding=_binding(user, BoundMeans.Kind.APP),
        event_key=None,
    ),
    "separate_means_added": lambda f, lang: activation_emails.separate_means_added(
        to="alex@example.com",
        user=(user := _user(f["organisation"], lang)),
        organisation=f["organisation"],
        binding=_binding(user),
        event_key=None,
    ),
    "user_email_confirm": lambda f, lang: user_emails.user_email_confirm(
        to="new@example.com", user=_user(f["organisation"], lang), token="T"
    ),
    "connection_pending": lambda f, lang: organisation_emails.connection_pending(
        to="jane@example.com", connection=f["connection"], event_key=None, language=lang
    ),
    "connection_rejected": lambda f, lang: organisation_emails.connection_rejected(
        to="jane@example.com", connection=f["connection"], event_key=None, language=lang
    ),
    "connection_receipt": lambda f, lang: organisation_emails.connection_receipt(
        to="jane@example.com",
        connection=f["connection"],
        organisation=f["organisation"],
        admins=["Jane Smith (jane@example.com)"],
        event_key=None,
        language=lang,
    ),
    "admin_setup_link": lambda f, lang: organisation_emails.admin_setup_link(
        to="jane@example.com",
        organisation=f["organisation"],
        user_name="Jane Smith",
        link="http://127.0.0.1:8000/x/",
        expires_at=NOON,
        event_key=None,
        language=lang,
    ),
    **{
        name: _power_sender(name)
        for name in (
            "powers_created",
            "powers_requested",
            "powers_approved",
            "powers_rejected",
            "powers_revoked",
        )
    },
    "rights_request_new": lambda f, lang: organisation_emails.rights_request_new(
        to="chris@example.com",
        admin_name="Chris Admin",
        user_name="Alex Taylor",
        service=f["service"],
        reason="I report payroll.",
        organisation=f["organisation"],
        event_key=None,
        language=lang,
    ),
    **{
        name: _decision_sender(name)
        for name in ("rights_request_approved", "rights_request_rejected")
    },
}
DATED = {  # emails that show a date: the locale's format
    "activation_link",
    "activation_reminder",
    "means_added",
    "means_removed",
    "separate_means_added",
    "user_email_confirm",
    "connection_receipt",
    "admin_setup_link",
}


def test_every_email_template_is_rendered_here():
    templates = (ROOT / "templates" / "emails").glob("*-subject.txt")
    names = {path.name.removesuffix("-subject.txt") for path in templates}
    assert names == set(SENDERS)


def _texts(email: OutboundEmail) -> dict[str, str]:
    """Subject and bodies as read: without tags, and without links (whose paths are Danish)."""
    html = re.sub(r"<[^>]+>", " ", email.body_html)
    texts = {"subject": email.subject, "text": email.body_text, "html": html}
    return {part: re.sub(r"https?://\S+", "", text) for part, text in texts.items()}


@pytest.mark.parametrize("name", sorted(SENDERS))
def test_an_english_recipient_gets_the_email_in_english(
    name, organisation, connection, power, service
):
    fixtures = {"organisation": organisation, "connection": connection, "power": power}
    fixtures["service"] = service
    with translation.override("da"), transaction.atomic():  # a Danish administrator acts
        email = SENDERS[name](fixtures, "en")
    assert email is not None
    for part, text in _texts(email).items():
        found = [word for word in DANISH if word.lower() in text.lower()]
        assert found == [], (name, part, found, text)
    assert any(word in email.body_text for word in ENGLISH), email.body_text
    assert 'lang="en"' in email.body_html
    if name in DATED:
        assert re.search(r"\b31 December 2026\b", email.body_text), email.body_text
        assert re.search(r"\b31 December 2026\b", email.body_html)


@pytest.mark.parametrize("name", sorted(SENDERS))
def test_a_danish_recipient_gets_the_email_in_danish(
    name, organisation, connection, power, service
):
    fixtures = {"organisation": organisation, "connection": connection, "power": power}
    fixtures["service"] = service
    with translation.override("en"), transaction.atomic():  # an English administrator acts
        email = SENDERS[name](fixtures, "da")
    assert email is not None
    texts = _texts(email)
    for part in ("text", "html"):
        assert "Kære " in texts[part], (name, part)
        assert "Dear " not in texts[part] and "Kind regards" not in texts[part]
    assert "Med venlig hilsen" in email.body_text
    assert "øvelsesmiljø" in email.body_html
    assert 'lang="da"' in email.body_html
    assert not any(w in texts["subject"] for w in (" you", " has been ", "Your ")), texts
    if name in DATED:
        assert "31. december 2026" in email.body_text, email.body_text
        assert "31. december 2026" in email.body_html


def test_the_bulk_builder_renders_each_users_language(organisation):
    builder = LinkEmailBuilder(organisation=organisation, expires_at=NOON)
    rows = {
        language: builder.row(
            to="a@example.com",
            name="Alex Taylor",
            token="T",
            code_required=True,
            event_key=None,
            language=language,
        )
        for language in ("da", "en")
    }
    assert rows["da"].subject == "Aktivér din bruger i MitID Erhverv hos Northwind Ltd"
    assert rows["en"].subject == "Activate your user in MitID Erhverv at Northwind Ltd"
    assert "Dear Alex Taylor" in rows["en"].body_text
    assert "31 December 2026" in rows["en"].body_html
    assert "Kære Alex Taylor" in rows["da"].body_text


# ---------------------------------------------------------------------------------------------
# SMS


def test_the_sms_code_text_in_both_languages():
    danish = separate_services.sms_code_text(code="123456", language="da")
    english = separate_services.sms_code_text(code="123456", language="en")
    assert danish == (
        "Din MitID Erhverv verifikationskode er 123456. Koden udløber om 10 minutter."
    )
    assert (
        english == "Your MitID Erhverv verification code is 123456. The code expires in 10 minutes."
    )
    assert [w for w in DANISH if w.lower() in english.lower()] == []


@pytest.mark.parametrize(("language", "start"), [("en", "Your MitID"), ("da", "Din MitID")])
def test_the_sms_is_sent_in_the_users_language(language, start, organisation):
    user = _user(organisation, language)
    other = "da" if language == "en" else "en"
    with translation.override(other):
        separate_services.sms_code_send(user=user, number="+4528904417")
    message = SmsMessage.objects.get()
    assert message.text.startswith(start), message.text
