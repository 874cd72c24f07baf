"""Every audit action reads as sentences on the *Revisionslog*, in Danish and in English, and an
action not in ``AuditAction`` is refused when recorded."""

import html
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from mitid_portal.audit import AuditAction, audit_details, audit_record
from mitid_portal.models import AuditEvent
from organisations.models import RoleGrant
from tests.factories import OrganisationFactory, RoleGrantFactory

pytestmark = pytest.mark.django_db

# One realistic ``changes`` per action, as the code that records it writes them.
CHANGES: dict[str, dict] = {
    "connection_refused": {"reason": "not_representative"},
    "terms_accepted": {"version": "2024-1"},
    "documentation_uploaded": {"content_type": "application/pdf", "size": 48213},
    "connection_approved": {},
    "connection_rejected": {"reason": "Dokumentationen viser ikke tegningsret."},
    "organisation_connected": {"terms_version": "2024-1", "manual": False},
    "admin_appointed": {"role": "org_admin", "email": "hanne@laegehuset.dk"},
    "admin_setup_refused": {},
    "admin_setup_started": {},
    "setup_step_saved": {
        "allowed_means": {"før": [], "efter": ["app", "kodeviser"]},
        "allow_private_mitid": {"før": True, "efter": False},
    },
    "setup_completed": {},
    "settings_changed": {
        "preferred_means": {"før": "app", "efter": "kodeviser"},
        "billing_method": {"før": "email", "efter": "ean"},
        "allow_shared_means": {"før": False, "efter": True},
    },
    "nemid_import": {
        "run": 7,
        "signatures": 12,
        "imported": 10,
        "skipped": 1,
        "flagged": 1,
        "roles": [{"rid": "38416201", "role": "org_admin"}],
    },
    "nemid_access_refused": {"path": "/nemid/29183740/", "method": "GET"},
    "nemid_employee_revoked": {"status": {"old": "active", "new": "revoked"}},
    "nemid_email_changed": {"email": {"old": "", "new": "kim@laegehuset.dk"}},
    "nemid_cpr_linked": {
        "cpr": {"old": "", "new": "010190-****"},
        "birth_date": {"old": "", "new": "1990-01-01"},
    },
    "nemid_name_changed": {"name": {"old": "Kim Hansen", "new": "Kim Holm Hansen"}},
    "user_created": {
        "identitet": "CPR-nummer",
        "anonym": False,
        "identifikationsmidler": ["private", "app"],
        "rettigheder": ["Digital Post"],
        "form": "3f2b9c1e",
    },
    "users_bulk_created": {"count": 25, "batch": "9d8e7f", "with_birth_date_only": 3},
    "user_updated": {
        "email": {"before": "lise@old.dk", "after": "lise@new.dk"},
        "phone": {"before": "", "after": "+4522334455"},
    },
    "user_email_change_requested": {"email": {"before": "lise@old.dk", "after": "lise@new.dk"}},
    "user_email_confirmed": {"email": {"before": "lise@old.dk", "after": "lise@new.dk"}},
    "user_suspended": {
        "state": {"before": "active", "after": "suspended"},
        "reason": "Orlov",
        "sessions_ended": 2,
    },
    "user_reactivated": {"state": {"before": "suspended", "after": "active"}},
    "user_closed": {
        "state": {"before": "active", "after": "closed"},
        "reason": "Fratrådt",
        "means_removed": 1,
        "roles_removed": ["user_admin"],
        "sessions_ended": 0,
    },
    "users_activation_started": {
        "count": 8,
        "means": ["private", "app"],
        "with_code": 0,
        "without_email": 1,
    },
    "bulk_job_started": {"massehandling": "Suspendér", "count": 3, "job": 7, "reason": "Fratrådt"},
    "bulk_job_resumed": {"job": 7, "count": 2},
    "activation_code_revealed": {},
    "activation_code_renewed": {},
    "activation_link_resent": {"expires_at": "2026-12-31"},
    "activation_reminder_sent": {"expires_at": "2026-12-31"},
    "activation_cancelled": {},
    "activation_identity_mismatch": {"invitation": 42},
    "user_activated": {"means": "kodeviser", "serial": "KV-1234", "separate_mitid": True},
    "means_removed": {"means": "app", "serial": "APP-77"},
    "role_granted": {"rolle": "Brugeradministrator", "bruger": "Lise Holm"},
    "role_removed": {"rolle": "Brugeradministrator", "bruger": "Lise Holm"},
    "permission_denied": {"handling": "users:edit", "metode": "POST"},
    "right_granted": {"tjenester": ["Digital Post", "Sundhed.dk"], "kilde": "Basispakke"},
    "right_removed": {"tjeneste": "FMK", "fra_rid": "12345"},
    "right_requested": {"tjeneste": "Tinglysning"},
    "right_request_approved": {"tjeneste": "Tinglysning", "svar": "OK"},
    "right_request_rejected": {"tjeneste": "Tinglysning", "svar": "Ikke nødvendigt"},
    "user_group_created": {"gruppe": "Lægesekretærer"},
    "user_group_deleted": {"gruppe": "Lægesekretærer", "medlemmer": 3},
    "user_group_member_added": {"gruppe": "Lægesekretærer", "bruger": "Lise Holm"},
    "user_group_member_removed": {"gruppe": "Lægesekretærer", "bruger": "Lise Holm"},
    "power_created": {
        "fuldmagtsgiver": "29183740",
        "modtager": "31415926",
        "tjenester": ["Skat"],
        "gyldig_til": "2027-06-30",
    },
    "power_requested": {"fuldmagtsgiver": "29183740", "modtager": "31415926", "tjenester": []},
    "power_approved": {"fuldmagtsgiver": "29183740", "modtager": "31415926", "tjenester": ["Skat"]},
    "power_rejected": {"fuldmagtsgiver": "29183740", "modtager": "31415926", "tjenester": ["Skat"]},
    "power_revoked": {
        "fuldmagtsgiver": "29183740",
        "modtager": "31415926",
        "tjenester": ["Skat"],
        "side": "modtager",
    },
    "power_users_changed": {
        "fuldmagtsgiver": "29183740",
        "modtager": "31415926",
        "tjenester": ["Skat"],
        "tilføjet": ["Lise Holm"],
        "fjernet": [],
    },
    "service_login": {"tjeneste": "FMK – øvelse", "means": "app", "sikringsniveau": "Substantial"},
    "service_login_refused": {"tjeneste": "FMK – øvelse", "reason": "user_not_active"},
    "service_provider_registered": {"tjeneste": "FMK – øvelse", "klient_id": "oevelse-fmk-2"},
    "api_client_created": {"klient": "Okta"},
    "api_client_secret_renewed": {"klient": "Okta"},
    "api_client_revoked": {"klient": "Okta"},
    "scim_request": {"kald": "POST /scim/v2/Users", "svarkode": 201},
}

# Python's own spellings, which must never reach a reader.
REPRS = re.compile(r"[\[\]{}]|\bTrue\b|\bFalse\b|\bNone\b|'\w+':")
APPS = ("activation", "users", "organisations", "mitid_portal", "simulators", "broker", "idm")
ARGPARSE_ACTIONS = {"store_true", "store_false", "store_const", "append", "count"}


def test_every_recorded_action_is_an_audit_action_and_has_changes_here():
    """Every action string passed in the apps' code is one of AuditAction's values."""
    recorded = set()
    for app in APPS:
        for path in (Path(settings.BASE_DIR) / app).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            for line in path.read_text().splitlines():
                if "action=" in line and "add_argument" not in line:
                    recorded |= set(re.findall(r'"([a-z_]+)"', line.split("action=", 1)[1]))
    recorded -= ARGPARSE_ACTIONS
    assert recorded - set(AuditAction.values) == set()
    # The other direction does not hold for ever: an action no longer recorded (the NemID
    # self-service's own acts) stays so that old rows keep their name.
    assert set(CHANGES) == set(AuditAction.values)


def test_an_unknown_action_is_refused():
    with pytest.raises(ValueError):
        audit_record(action="user_suspendd", actor_name="Hanne", cvr="29183740")
    assert not AuditEvent.objects.exists()


@pytest.fixture
def organisation():
    return OrganisationFactory(name="Lægehuset Revision I/S")


@pytest.fixture
def admin_client(client, organisation):
    admin = RoleGrantFactory(
        user__organisation=organisation, role=RoleGrant.Role.ORGANISATION_ADMIN
    ).user
    client.force_login(admin)
    return client


def _page(client, action: str, language: str) -> str:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get(reverse("organisations:audit_log"), {"action": action})
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def _details_cell(page: str) -> str:
    rows = re.findall(r"<tbody>(.*?)</tbody>", page, flags=re.S)
    assert len(rows) == 1
    return rows[0]


@pytest.mark.parametrize("action", AuditAction.values)
def test_each_action_reads_as_sentences_in_danish_and_english(admin_client, organisation, action):
    changes = CHANGES[action]
    event = audit_record(
        action=action,
        actor_name="Hanne Admin",
        organisation=organisation,
        target="Lise Holm",
        changes=changes,
    )

    with translation.override("da"):
        danish_label = str(AuditAction(action).label)
        danish = audit_details(event)
    with translation.override("en"):
        english_label = str(AuditAction(action).label)
        english = audit_details(event)

    for language, label, sentences in (
        ("da", danish_label, danish),
        ("en", english_label, english),
    ):
        page = _page(admin_client, action, language)
        cell = _details_cell(page)
        assert label in cell
        assert (len(sentences) > 0) == bool(changes)
        for sentence in sentences:
            assert sentence in cell
            assert not REPRS.search(sentence), sentence
            for key in changes:
                assert not re.search(rf"(^|; ){re.escape(key)}:", sentence), sentence
        assert not REPRS.search(re.sub(r"<[^>]+>", " ", cell))

    assert english_label != danish_label
    english_page = _page(admin_client, action, "en")
    assert danish_label not in _details_cell(english_page)
    assert set(danish).isdisjoint(english)


def test_the_action_filter_offers_every_action_by_its_name(admin_client):
    page = _page(admin_client, "", "en")
    for action in AuditAction:
        with translation.override("en"):
            assert f'<option value="{action.value}">{action.label}</option>' in page
