"""One function per email (STYLE.md "Emails"): each queues an outbox row whose subject and
bodies carry the values it was given, and no app module calls the shared builder directly."""

import datetime
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation

from activation import emails as activation_emails
from activation.models import BoundMeans, Invitation
from mitid_portal.models import OutboundEmail
from organisations import emails as organisation_emails
from organisations.models import ConnectionRequest, PowerOfAttorney, PublicService, RightRequest
from tests.factories import OrganisationFactory, UserFactory
from users import emails as user_emails

pytestmark = pytest.mark.django_db

NOON = timezone.make_aware(datetime.datetime(2026, 12, 31, 12, 0))
ROOT = Path(settings.BASE_DIR)
APPS = ("activation", "users", "organisations", "mitid_portal", "simulators")


@pytest.fixture(autouse=True)
def _danish():
    """Emails render in the active language (dates, means labels); these are the Danish ones,
    whatever an earlier test in the same worker left active."""
    with translation.override("da"):
        yield


def _queued(email: OutboundEmail | None, *, to: str) -> OutboundEmail:
    assert email is not None
    stored = OutboundEmail.objects.get(pk=email.pk)
    assert stored.to == to
    assert stored.state == OutboundEmail.State.QUEUED
    return stored


def _in_all(email: OutboundEmail, *values: str) -> None:
    for value in values:
        assert value in email.body_text, value
        assert value in email.body_html, value


@pytest.fixture
def organisation():
    return OrganisationFactory(name="Bager Hansen ApS")


@pytest.fixture
def user(organisation):
    return UserFactory(organisation=organisation, first_name="Åse", last_name="Bøg")


@pytest.fixture
def connection(organisation):
    return ConnectionRequest.objects.create(
        cvr=organisation.cvr,
        company_name=organisation.name,
        requester_name="Jens Hansen",
        requester_email="jens@example.dk",
        terms_version="2026-1",
        terms_accepted_at=NOON,
        decision_note="Dokumentationen viser ikke tegningsret.",
    )


@pytest.fixture
def power(organisation):
    power = PowerOfAttorney.objects.create(
        giver=organisation,
        receiver_cvr="12345674",
        receiver_name="Revisor Jensen A/S",
        valid_until=datetime.date(2027, 6, 30),
        created_by_name="Åse Bøg",
    )
    power.services.set(
        [
            PublicService.objects.create(code="test-moms", name="Moms"),
            PublicService.objects.create(code="test-loen", name="Lønsum"),
        ]
    )
    return power


@pytest.fixture
def service():
    return PublicService.objects.create(code="test-eindkomst", name="eIndkomst")


# ---------------------------------------------------------------------------------------------
# organisations.emails


def test_connection_pending_names_the_company_and_requester(connection):
    with transaction.atomic():
        email = organisation_emails.connection_pending(
            to="jens@example.dk", connection=connection, event_key=f"cp-{connection.pk}"
        )
    email = _queued(email, to="jens@example.dk")
    assert email.subject == ("Din anmodning om tilslutning af Bager Hansen ApS afventer behandling")
    assert email.event_key == f"cp-{connection.pk}"
    _in_all(email, "Kære Jens Hansen", f"CVR {connection.cvr}", "10 arbejdsdage")


def test_connection_rejected_gives_the_reason(connection):
    with transaction.atomic():
        email = organisation_emails.connection_rejected(
            to="jens@example.dk", connection=connection, event_key="cr"
        )
    email = _queued(email, to="jens@example.dk")
    assert email.subject == "Din anmodning om tilslutning af Bager Hansen ApS er afvist"
    _in_all(email, "Kære Jens Hansen", "Dokumentationen viser ikke tegningsret.")


def test_connection_receipt_lists_terms_and_admins(connection, organisation):
    with transaction.atomic():
        email = organisation_emails.connection_receipt(
            to="jens@example.dk",
            connection=connection,
            organisation=organisation,
            admins=["Jens Hansen (jens@example.dk)", "Åse Bøg (aase@example.dk)"],
            event_key="receipt",
        )
    email = _queued(email, to="jens@example.dk")
    assert email.subject == "Kvittering: Bager Hansen ApS er tilsluttet MitID Erhverv"
    _in_all(
        email,
        "Kære Jens Hansen",
        "version 2026-1",
        "31. december 2026",
        "Jens Hansen (jens@example.dk)",
        "Åse Bøg (aase@example.dk)",
    )
    assert "- Åse Bøg (aase@example.dk)" in email.body_text
    assert "<li>Åse Bøg (aase@example.dk)</li>" in email.body_html


def test_admin_setup_link_carries_the_link_and_expiry(organisation):
    link = "http://127.0.0.1:8000/opsaetning/TOKEN/"
    with transaction.atomic():
        email = organisation_emails.admin_setup_link(
            to="aase@example.dk",
            organisation=organisation,
            user_name="Åse Bøg",
            link=link,
            expires_at=NOON,
            event_key="setup",
        )
    email = _queued(email, to="aase@example.dk")
    assert email.subject == (
        "Du er udpeget som organisationsadministrator for Bager Hansen ApS i MitID Erhverv"
    )
    _in_all(email, "Kære Åse Bøg", link, "31. december 2026", f"CVR {organisation.cvr}")


@pytest.mark.parametrize(
    ("function", "subject"),
    [
        ("powers_created", "Bager Hansen ApS har givet jer en fuldmagt i MitID Erhverv"),
        ("powers_requested", "Revisor Jensen A/S beder om en fuldmagt i MitID Erhverv"),
        ("powers_approved", "Jeres anmodning om fuldmagt er godkendt"),
        ("powers_rejected", "Jeres anmodning om fuldmagt er afvist"),
        ("powers_revoked", "En fuldmagt i MitID Erhverv er tilbagekaldt"),
    ],
)
def test_powers_emails_name_giver_and_services(function, subject, power, organisation):
    with transaction.atomic():
        email = getattr(organisation_emails, function)(
            to="admin@example.dk",
            admin_name="Karen Admin",
            organisation=organisation,
            power=power,
            event_key=f"power-{function}",
        )
    email = _queued(email, to="admin@example.dk")
    assert email.subject == subject
    _in_all(email, "Kære Karen Admin", "Lønsum, Moms")  # services sorted by name
    if function != "powers_requested":
        _in_all(email, f"Bager Hansen ApS (CVR {organisation.cvr})")
    if function in ("powers_created", "powers_requested"):
        _in_all(email, "30. juni 2027")
    if function in ("powers_requested", "powers_revoked"):
        _in_all(email, "Revisor Jensen A/S", "12345674")
    if function in ("powers_created", "powers_requested", "powers_approved"):
        _in_all(email, settings.PORTAL_BASE_URL + reverse("organisations:powers"))


def test_rights_request_new_asks_the_admin(organisation, service):
    with transaction.atomic():
        email = organisation_emails.rights_request_new(
            to="rights@example.dk",
            admin_name="Karen Admin",
            user_name="Åse Bøg",
            service=service,
            reason="Jeg indberetter løn.",
            organisation=organisation,
            event_key="rr-new",
        )
    email = _queued(email, to="rights@example.dk")
    assert email.subject == "Åse Bøg beder om en rettighed i MitID Erhverv"
    _in_all(email, "Kære Karen Admin", "eIndkomst", "Jeg indberetter løn.", organisation.name)
    _in_all(email, settings.PORTAL_BASE_URL + reverse("organisations:right_requests"))


@pytest.mark.parametrize(
    ("function", "subject", "word"),
    [
        ("rights_request_approved", "Din anmodning om rettighed er godkendt", "godkendt af"),
        ("rights_request_rejected", "Din anmodning om rettighed er afvist", "afvist af"),
    ],
)
def test_rights_request_decision_tells_the_user(function, subject, word, user, service):
    right_request = RightRequest.objects.create(
        organisation=user.organisation,
        user=user,
        service=service,
        decision_note="Aftalt med din leder.",
        decided_by_name="Karen Admin",
    )
    with transaction.atomic():
        email = getattr(organisation_emails, function)(
            to=user.email, user_name="Åse Bøg", right_request=right_request, event_key=function
        )
    email = _queued(email, to=user.email)
    assert email.subject == subject
    _in_all(
        email,
        "Kære Åse Bøg",
        "eIndkomst",
        f"{word} Karen Admin",
        "Aftalt med din leder.",
        "Bager Hansen ApS",
    )


# ---------------------------------------------------------------------------------------------
# users.emails


def test_user_email_confirm_links_to_the_confirmation(user):
    user.pending_email = "ny@example.dk"
    user.pending_email_expires_at = NOON
    with transaction.atomic():
        email = user_emails.user_email_confirm(to="ny@example.dk", user=user, token="TOKEN123")
    email = _queued(email, to="ny@example.dk")
    assert email.subject == "Bekræft din nye e-mailadresse i MitID Erhverv hos Bager Hansen ApS"
    assert email.event_key is None
    _in_all(email, "Kære Åse Bøg", user_emails.email_confirm_link("TOKEN123"), "31. december 2026")
    assert user_emails.email_confirm_link("TOKEN123").endswith("/TOKEN123/")


# ---------------------------------------------------------------------------------------------
# activation.emails


@pytest.fixture
def invitation(user, organisation):
    return Invitation.objects.create(
        user=user, organisation=organisation, token_hash="h" * 64, code_hash="c", expires_at=NOON
    )


@pytest.mark.parametrize(
    ("function", "subject"),
    [
        ("activation_link", "Aktivér din bruger i MitID Erhverv hos Bager Hansen ApS"),
        (
            "activation_reminder",
            "Påmindelse: Aktivér din bruger i MitID Erhverv hos Bager Hansen ApS",
        ),
    ],
)
def test_activation_link_emails_carry_link_and_code_notice(function, subject, invitation, user):
    with transaction.atomic():
        email = getattr(activation_emails, function)(
            invitation=invitation, token="TOKEN123", event_key=f"{function}-{invitation.pk}"
        )
    email = _queued(email, to=user.email)
    assert email.subject == subject
    link = activation_emails.activation_url("TOKEN123")
    assert link.startswith(settings.PORTAL_BASE_URL) and link.endswith("/TOKEN123/")
    _in_all(email, "Kære Åse Bøg", link, "31. december 2026", "aktiveringskode på 8 cifre")


def test_an_event_key_queues_the_email_once(invitation):
    with transaction.atomic():
        first = activation_emails.activation_link(invitation=invitation, token="A", event_key="k")
        second = activation_emails.activation_link(invitation=invitation, token="B", event_key="k")
    assert first is not None and second is None
    assert OutboundEmail.objects.filter(event_key="k").count() == 1


def test_means_added_names_the_means(user, organisation):
    with transaction.atomic():
        email = activation_emails.means_added(
            to=user.email,
            user=user,
            organisation=organisation,
            kind=BoundMeans.Kind.PRIVATE,
            bound_at=NOON,
            event_key="ma",
        )
    email = _queued(email, to=user.email)
    assert email.subject == "Et identifikationsmiddel er tilføjet din bruger i MitID Erhverv"
    _in_all(email, "Kære Åse Bøg", "Privat MitID", "31. december 2026 12:00", "Bager Hansen ApS")


def test_means_removed_names_the_means(user):
    binding = BoundMeans.objects.create(
        user=user, kind=BoundMeans.Kind.APP, device_serial="T-1", bound_at=NOON, removed_at=NOON
    )
    with transaction.atomic():
        email = activation_emails.means_removed(
            to=user.email, user=user, binding=binding, event_key="mr"
        )
    email = _queued(email, to=user.email)
    assert email.subject == "Et identifikationsmiddel er fjernet fra din bruger i MitID Erhverv"
    _in_all(email, "Kære Åse Bøg", "MitID app", "31. december 2026 12:00", "Bager Hansen ApS")


def test_separate_means_added_names_device_and_serial(user, organisation):
    binding = BoundMeans.objects.create(
        user=user, kind=BoundMeans.Kind.KODEVISER, device_serial="KV-0042", bound_at=NOON
    )
    with transaction.atomic():
        email = activation_emails.separate_means_added(
            to=user.email, user=user, organisation=organisation, binding=binding, event_key="sm"
        )
    email = _queued(email, to=user.email)
    assert email.subject == "Et identifikationsmiddel er tilføjet til din bruger i MitID Erhverv"
    _in_all(email, "Kære Åse Bøg", "MitID kodeviser", "KV-0042", "31. december 2026 kl. 12:00")


def test_html_bodies_escape_names():
    organisation = OrganisationFactory(name="Bøg & Søn <A/S>")
    with transaction.atomic():
        email = organisation_emails.admin_setup_link(
            to="a@example.dk",
            organisation=organisation,
            user_name="Ann <b>",
            link="http://127.0.0.1:8000/x/?a=1&b=2",
            expires_at=NOON,
            event_key="esc",
        )
    email = _queued(email, to="a@example.dk")
    assert "Kære Ann &lt;b&gt;" in email.body_html
    assert "Bøg &amp; Søn &lt;A/S&gt;" in email.body_html


# ---------------------------------------------------------------------------------------------
# Who may call the shared builder


def _python_files():
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path


def test_only_the_apps_email_modules_and_the_kernel_call_email_queue():
    allowed = {f"{app}/emails.py" for app in ("activation", "users", "organisations")}
    allowed.add("mitid_portal/emails.py")
    offenders = [
        str(path.relative_to(ROOT))
        for path in _python_files()
        if re.search(r"\b(link_)?email_queue\b", path.read_text(encoding="utf-8"))
        and str(path.relative_to(ROOT)) not in allowed
    ]
    assert offenders == []


def test_each_email_template_belongs_to_one_email_module():
    names = sorted(
        path.name.removesuffix("-subject.txt")
        for path in (ROOT / "templates" / "emails").glob("*-subject.txt")
    )
    modules = {
        app: (ROOT / app / "emails.py").read_text(encoding="utf-8")
        for app in ("activation", "users", "organisations")
    }
    for name in names:
        for part in ("subject.txt", "body.txt", "body.html"):
            assert (ROOT / "templates" / "emails" / f"{name}-{part}").exists(), (name, part)
        owners = [app for app, source in modules.items() if f'"{name}"' in source]
        assert len(owners) == 1, (name, owners)
