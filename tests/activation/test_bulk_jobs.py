"""Bulk actions on a selection of users, run as jobs (issue 14): each action's outcome per user
with the reasons for skipping, the confirm page, the selection's isolation, the threshold that
sends a job to the task worker, progress and receipt, the CSV, and exactly once across a chunk
that breaks halfway."""

import dataclasses
import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from activation import services
from activation.models import BulkJob, BulkJobItem, Invitation
from activation.services import bulkjobs
from activation.tasks import bulk_jobs_resume
from mitid_portal.models import AuditEvent, OutboundEmail
from organisations.models import PublicService, RoleGrant, UserGroup, UserRight
from tests.activation.factories import (
    BirthDateUserFactory,
    ImportedUserFactory,
    SetUpOrganisationFactory,
)
from tests.factories import RoleGrantFactory, UserFactory
from users.models import User

pytestmark = pytest.mark.django_db


def _awaiting(organisation, actor, n=1, **kwargs):
    users = ImportedUserFactory.create_batch(n, organisation=organisation, **kwargs)
    services.users_activation_start(
        organisation=organisation, users=users, means=["kodeviser"], actor=actor
    )
    return [User.objects.get(pk=u.pk) for u in users]


def _select(client, users, action, source="brugere"):
    response = client.post(
        reverse("activation:bulk_action"),
        {"source": source, "action": action, "user": [u.pk for u in users]},
    )
    assert response.status_code == 302, response
    job = BulkJob.objects.latest("pk")
    assert response.url == reverse("activation:bulk_job_confirm", args=[job.pk])
    return job


def _run(client, users, action, source="brugere", **fields):
    job = _select(client, users, action, source)
    response = client.post(reverse("activation:bulk_job_confirm", args=[job.pk]), fields)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert response.url == reverse("activation:bulk_job", args=[job.pk])
    job.refresh_from_db()
    return job


def _outcomes(job):
    return {
        item.user_id: (item.outcome, item.reason) for item in BulkJobItem.objects.filter(job=job)
    }


def _audits(action):
    return AuditEvent.objects.filter(action=action).count()


def test_resend_sends_a_new_link_to_those_awaiting_and_skips_the_rest(
    admin_client, organisation, org_admin
):
    awaiting = _awaiting(organisation, org_admin, 2)
    active = UserFactory(organisation=organisation)
    imported = ImportedUserFactory(organisation=organisation)
    before = _audits("activation_link_resent")

    job = _run(admin_client, [*awaiting, active, imported], "resend")

    assert job.state == BulkJob.State.DONE and job.processed == job.total == 4
    outcomes = _outcomes(job)
    assert outcomes[awaiting[0].pk] == ("ok", "")
    assert outcomes[awaiting[1].pk] == ("ok", "")
    assert outcomes[active.pk] == ("skipped", "Brugeren er allerede aktiv.")
    assert outcomes[imported.pk] == ("skipped", "Brugeren afventer ikke aktivering.")
    assert _audits("activation_link_resent") == before + 2
    assert Invitation.objects.filter(state="replaced").count() == 2


def test_remind_emails_each_user_awaiting_a_fresh_link(admin_client, organisation, org_admin):
    awaiting = _awaiting(organisation, org_admin, 2)
    hashes = dict(Invitation.objects.filter(state="live").values_list("user_id", "token_hash"))
    emails = OutboundEmail.objects.count()

    job = _run(admin_client, awaiting, "remind", source="afventer")

    assert {o for o, _ in _outcomes(job).values()} == {"ok"}
    assert OutboundEmail.objects.count() == emails + 2
    live = Invitation.objects.filter(state="live")
    assert all(i.reminded_at and i.token_hash != hashes[i.user_id] for i in live)
    assert _audits("activation_reminder_sent") == 2


def test_cancel_puts_users_back_under_imported(admin_client, organisation, org_admin):
    awaiting = _awaiting(organisation, org_admin, 2)
    active = UserFactory(organisation=organisation)

    job = _run(admin_client, [*awaiting, active], "cancel", source="afventer")

    outcomes = _outcomes(job)
    assert outcomes[active.pk][0] == "skipped"
    assert User.objects.filter(pk__in=[u.pk for u in awaiting], state="imported").count() == 2
    assert not Invitation.objects.filter(state="live").exists()


def test_suspend_needs_a_reason_and_skips_or_refuses_per_user(
    admin_client, organisation, org_admin
):
    active = UserFactory.create_batch(2, organisation=organisation)
    suspended = UserFactory(organisation=organisation, state=User.State.SUSPENDED)
    job = _select(admin_client, [*active, suspended, org_admin], "suspend")

    response = admin_client.post(reverse("activation:bulk_job_confirm", args=[job.pk]), {})
    page = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="error-summary"' in page and "begrundelse" in page
    job.refresh_from_db()
    assert job.state == BulkJob.State.DRAFT

    admin_client.post(reverse("activation:bulk_job_confirm", args=[job.pk]), {"reason": "Fratrådt"})
    outcomes = _outcomes(job)
    assert [outcomes[u.pk][0] for u in active] == ["ok", "ok"]
    assert outcomes[suspended.pk] == ("skipped", "Brugeren er allerede suspenderet.")
    assert outcomes[org_admin.pk] == (
        "failed",
        "Du kan ikke suspendere eller lukke din egen bruger.",
    )
    assert User.objects.filter(state="suspended").count() == 3
    event = AuditEvent.objects.filter(action="user_suspended").first()
    assert event.changes["reason"] == "Fratrådt"


def test_reactivate_and_close(admin_client, organisation):
    suspended = UserFactory(organisation=organisation, state=User.State.SUSPENDED)
    active = UserFactory(organisation=organisation)
    job = _run(admin_client, [suspended, active], "reactivate")
    assert _outcomes(job)[active.pk] == ("skipped", "Brugeren er allerede aktiv.")
    assert User.objects.get(pk=suspended.pk).state == "active"

    closed = UserFactory(organisation=organisation, state=User.State.CLOSED)
    job = _run(admin_client, [suspended, closed], "close", reason="Fratrådt")
    assert _outcomes(job) == {
        suspended.pk: ("ok", ""),
        closed.pk: ("skipped", "Brugeren er allerede lukket."),
    }
    assert User.objects.get(pk=suspended.pk).state == "closed"


def test_role_add_and_remove(admin_client, organisation):
    users = UserFactory.create_batch(2, organisation=organisation)
    RoleGrantFactory(user=users[0], organisation=organisation, role=RoleGrant.Role.USER_ADMIN)

    job = _run(admin_client, users, "role_add", role=RoleGrant.Role.USER_ADMIN)
    assert _outcomes(job) == {
        users[0].pk: ("skipped", "Brugeren har allerede rollen."),
        users[1].pk: ("ok", ""),
    }
    job = _run(admin_client, users, "role_remove", role=RoleGrant.Role.USER_ADMIN)
    assert {o for o, _ in _outcomes(job).values()} == {"ok"}
    assert not RoleGrant.objects.filter(user__in=users).exists()


def test_group_and_right_actions_are_for_the_granters(client, organisation, user_admin, org_admin):
    users = UserFactory.create_batch(2, organisation=organisation)
    group = UserGroup.objects.create(organisation=organisation, name="Løn")
    service = PublicService.objects.order_by("name").first() or PublicService.objects.create(
        code="test", name="Testtjeneste"
    )

    client.force_login(org_admin)  # an organisation administrator alone grants no rights
    response = client.post(
        reverse("activation:bulk_action"),
        {"source": "brugere", "action": "group_add", "user": [u.pk for u in users]},
    )
    assert response.status_code == 403
    assert not BulkJob.objects.exists()

    client.force_login(user_admin)
    group.members.add(users[0])
    job = _run(client, users, "group_add", group=group.pk)
    assert _outcomes(job)[users[0].pk] == ("skipped", "Brugeren er allerede med i gruppen.")
    assert group.members.count() == 2
    job = _run(client, users, "group_remove", group=group.pk)
    assert group.members.count() == 0

    job = _run(client, users, "right_add", service=service.pk)
    assert {o for o, _ in _outcomes(job).values()} == {"ok"}
    job = _run(client, users[:1], "right_remove", service=service.pk)
    assert not UserRight.objects.filter(user=users[0], service=service).exists()
    assert UserRight.objects.filter(user=users[1], service=service).exists()


def test_another_organisations_group_is_not_a_choice(client, organisation, user_admin):
    other = UserGroup.objects.create(organisation=SetUpOrganisationFactory(), name="Fremmed")
    client.force_login(user_admin)
    job = _select(client, [UserFactory(organisation=organisation)], "group_add")
    page = client.get(reverse("activation:bulk_job_confirm", args=[job.pk])).content.decode()
    assert "Fremmed" not in page
    response = client.post(
        reverse("activation:bulk_job_confirm", args=[job.pk]), {"group": other.pk}
    )
    assert response.status_code == 200
    assert BulkJob.objects.get(pk=job.pk).state == BulkJob.State.DRAFT


def test_the_confirm_page_names_the_count_and_what_happens(admin_client, organisation, org_admin):
    awaiting = _awaiting(organisation, org_admin, 3)
    job = _select(admin_client, awaiting, "resend", source="afventer")
    page = admin_client.get(reverse("activation:bulk_job_confirm", args=[job.pk])).content.decode()
    assert "<h1>Bekræft massehandling</h1>" in page
    assert 'data-testid="count">3<' in page
    assert "Send nyt aktiveringslink" in page
    assert "nyt aktiveringslink, der er gyldigt i 30 dage" in page
    assert "Udfør for 3 brugere" in page
    assert not Invitation.objects.filter(state="replaced").exists()  # nothing done yet


def test_a_double_confirm_runs_the_job_once(admin_client, organisation, org_admin):
    awaiting = _awaiting(organisation, org_admin, 2)
    job = _run(admin_client, awaiting, "resend")
    admin_client.post(reverse("activation:bulk_job_confirm", args=[job.pk]), {})
    assert _audits("activation_link_resent") == 2


def test_the_start_is_one_audit_event_naming_the_action_and_the_choice(
    admin_client, organisation, org_admin
):
    users = [UserFactory(organisation=organisation, state=User.State.ACTIVE) for _ in range(3)]
    job = _select(admin_client, users, "suspend")
    admin_client.post(reverse("activation:bulk_job_confirm", args=[job.pk]), {"reason": "Fratrådt"})
    event = AuditEvent.objects.get(action="bulk_job_started")
    assert event.organisation == organisation and event.actor_user == org_admin
    assert event.changes == {
        "massehandling": "Suspendér",
        "count": 3,
        "job": job.pk,
        "reason": "Fratrådt",
    }
    assert _audits("user_suspended") == 3  # and each user's act by its own service
    admin_client.post(reverse("activation:bulk_job_confirm", args=[job.pk]), {"reason": "x"})
    assert _audits("bulk_job_started") == 1  # a double click starts nothing twice


def test_a_foreign_id_refuses_the_whole_selection(admin_client, organisation):
    own = UserFactory(organisation=organisation)
    foreign = UserFactory(organisation=SetUpOrganisationFactory())
    response = admin_client.post(
        reverse("activation:bulk_action"),
        {"source": "brugere", "action": "suspend", "user": [own.pk, foreign.pk]},
    )
    assert response.status_code == 404
    assert not BulkJob.objects.exists() and not BulkJobItem.objects.exists()


def test_another_organisations_job_is_a_404(client, organisation, org_admin):
    job = bulkjobs.bulk_job_create(
        organisation=organisation,
        action="reactivate",
        users=User.objects.filter(pk=org_admin.pk),
        actor=org_admin,
    )
    other_admin = UserFactory(organisation=SetUpOrganisationFactory())
    RoleGrantFactory(user=other_admin, organisation=other_admin.organisation)
    client.force_login(other_admin)
    for name in ("bulk_job", "bulk_job_confirm", "bulk_job_csv"):
        assert client.get(reverse(f"activation:{name}", args=[job.pk])).status_code == 404
    assert client.post(reverse("activation:bulk_job_confirm", args=[job.pk])).status_code == 404
    page = client.get(reverse("activation:bulk_action")).content.decode()
    assert 'data-testid="no-jobs"' in page


def test_all_matching_takes_the_lists_filter(admin_client, organisation):
    matching = UserFactory.create_batch(3, organisation=organisation, last_name="Søndergaard")
    UserFactory.create_batch(2, organisation=organisation, last_name="Andersen")
    UserFactory(organisation=SetUpOrganisationFactory(), last_name="Søndergaard")
    admin_client.post(
        reverse("activation:bulk_action"),
        {
            "source": "brugere",
            "action": "suspend",
            "all_matching": "1",
            "filter": "q=S%C3%B8ndergaard",
        },
    )
    job = BulkJob.objects.get()
    assert set(job.items.values_list("user_id", flat=True)) == {u.pk for u in matching}


def test_an_empty_selection_is_told_and_creates_nothing(admin_client):
    response = admin_client.post(
        reverse("activation:bulk_action"), {"source": "brugere", "action": "suspend"}
    )
    assert response.status_code == 302
    assert not BulkJob.objects.exists()


def test_above_the_threshold_the_job_goes_to_the_task(
    admin_client, organisation, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(bulkjobs, "RUN_NOW_MAX", 2)
    users = UserFactory.create_batch(3, organisation=organisation, state=User.State.SUSPENDED)
    job = _select(admin_client, users, "reactivate")
    page = admin_client.get(reverse("activation:bulk_job_confirm", args=[job.pk])).content.decode()
    assert 'data-testid="runs-later"' in page

    with django_capture_on_commit_callbacks() as callbacks:
        admin_client.post(reverse("activation:bulk_job_confirm", args=[job.pk]))
    job.refresh_from_db()
    assert job.state == BulkJob.State.QUEUED and job.processed == 0
    page = admin_client.get(reverse("activation:bulk_job", args=[job.pk])).content.decode()
    assert 'id="bulk-job-progress"' in page and "hx-get" in page
    fragment = admin_client.get(
        reverse("activation:bulk_job", args=[job.pk]) + "?progress=1", HTTP_HX_REQUEST="true"
    )
    assert fragment.status_code == 200 and b"0 af 3" in fragment.content

    for callback in callbacks:
        callback()  # the immediate task backend runs the task here
    job.refresh_from_db()
    assert job.state == BulkJob.State.DONE and job.processed == 3
    assert User.objects.filter(state="active", pk__in=[u.pk for u in users]).count() == 3
    done = admin_client.get(
        reverse("activation:bulk_job", args=[job.pk]) + "?progress=1", HTTP_HX_REQUEST="true"
    )
    assert done.status_code == 204 and done["HX-Refresh"] == "true"


def test_the_receipt_and_its_csv(admin_client, organisation):
    suspended = UserFactory(
        organisation=organisation, state=User.State.SUSPENDED, first_name="=Ida", last_name="Holm"
    )
    active = UserFactory(organisation=organisation, first_name="Jens", last_name="Lund")
    job = _run(admin_client, [suspended, active], "reactivate")

    page = admin_client.get(reverse("activation:bulk_job", args=[job.pk])).content.decode()
    assert "<h1>Kvittering</h1>" in page
    assert 'data-testid="count-ok">1<' in page and 'data-testid="count-skipped">1<' in page
    assert page.count('data-testid="item"') == 2 and "Brugeren er allerede aktiv." in page
    skipped = admin_client.get(
        reverse("activation:bulk_job", args=[job.pk]), {"udfald": "skipped"}
    ).content.decode()
    assert skipped.count('data-testid="item"') == 1 and "Jens Lund" in skipped

    response = admin_client.get(reverse("activation:bulk_job_csv", args=[job.pk]))
    assert response["Content-Disposition"] == f'attachment; filename="massehandling-{job.pk}.csv"'
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeffFornavn;Efternavn;Bruger-ID;E-mail;Resultat;Årsag")
    assert "'=Ida;Holm;" in text  # formula-safe
    assert "Jens;Lund;;" in text and "Sprunget over;Brugeren er allerede aktiv." in text

    listing = admin_client.get(reverse("activation:bulk_action")).content.decode()
    assert "Genaktivér" in listing and reverse("activation:bulk_job", args=[job.pk]) in listing


def test_the_confirm_pages_queries_do_not_grow_with_the_selection(client, organisation, user_admin):
    UserGroup.objects.create(organisation=organisation, name="Løn")
    client.force_login(user_admin)

    def queries(n):
        job = _select(client, UserFactory.create_batch(n, organisation=organisation), "group_add")
        url = reverse("activation:bulk_job_confirm", args=[job.pk])
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    assert queries(3) == queries(60)


def test_a_chunk_that_breaks_leaves_earlier_chunks_done_and_the_rerun_does_each_user_once(
    organisation, org_admin, monkeypatch
):
    monkeypatch.setattr(bulkjobs, "CHUNK", 2)
    awaiting = _awaiting(organisation, org_admin, 5)
    job = bulkjobs.bulk_job_create(
        organisation=organisation,
        action="resend",
        users=User.objects.filter(pk__in=[u.pk for u in awaiting]).order_by("pk"),
        actor=org_admin,
    )
    bulkjobs.bulk_job_confirm(job=job, parameters={}, actor=org_admin)
    action = bulkjobs.BULK_ACTIONS["resend"]
    calls = []

    def breaking(user, ctx):
        calls.append(user.pk)
        if len(calls) == 4:  # the second user of the second chunk: a worker dies here
            raise RuntimeError("killed")
        action.run(user, ctx)

    monkeypatch.setitem(bulkjobs.BULK_ACTIONS, "resend", dataclasses.replace(action, run=breaking))
    with pytest.raises(RuntimeError):
        bulkjobs.bulk_job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.processed == 2 and job.state == BulkJob.State.RUNNING
    assert job.items.filter(done=True).count() == 2
    assert _audits("activation_link_resent") == 2  # the broken chunk left nothing behind

    monkeypatch.setitem(bulkjobs.BULK_ACTIONS, "resend", action)
    bulkjobs.bulk_job_run(job_id=job.pk)
    bulkjobs.bulk_job_run(job_id=job.pk)  # a second run finds nothing left
    job.refresh_from_db()
    assert job.state == BulkJob.State.DONE and job.processed == 5
    events = AuditEvent.objects.filter(action="activation_link_resent")
    assert sorted(events.values_list("target", flat=True)) == sorted(u.full_name for u in awaiting)
    assert Invitation.objects.filter(state="live").count() == 5


def test_a_stale_job_is_taken_up_again_once(organisation, org_admin):
    users = UserFactory.create_batch(2, organisation=organisation, state=User.State.SUSPENDED)
    job = bulkjobs.bulk_job_create(
        organisation=organisation,
        action="reactivate",
        users=User.objects.filter(pk__in=[u.pk for u in users]),
        actor=org_admin,
    )
    bulkjobs.bulk_job_confirm(job=job, parameters={}, actor=org_admin)
    assert bulkjobs.bulk_jobs_stale() == []  # its heartbeat is fresh
    old = timezone.now() - bulkjobs.STALE_AFTER - datetime.timedelta(seconds=1)
    BulkJob.objects.filter(pk=job.pk).update(heartbeat_at=old)

    assert bulk_jobs_resume.call() == [job.pk]  # enqueued again: the immediate backend runs it
    job.refresh_from_db()
    assert job.state == BulkJob.State.DONE
    assert User.objects.filter(state="active", pk__in=[u.pk for u in users]).count() == 2
    assert bulkjobs.bulk_jobs_stale() == []


def test_bulk_activation_above_the_threshold_runs_as_a_job_with_the_g45_receipt(
    admin_client, organisation, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(bulkjobs, "RUN_NOW_MAX", 2)
    monkeypatch.setattr(bulkjobs, "CHUNK", 2)
    users = [
        *ImportedUserFactory.create_batch(2, organisation=organisation),
        BirthDateUserFactory(organisation=organisation),
    ]
    admin_client.post(reverse("activation:bulk_start"), {"user": [u.pk for u in users]})
    admin_client.post(reverse("activation:bulk_means"), {"means": ["kodeviser"]})
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(reverse("activation:bulk_confirm"))
    job = BulkJob.objects.get()
    assert response.url == reverse("activation:bulk_job", args=[job.pk])
    job.refresh_from_db()
    assert job.action == "activate" and job.state == BulkJob.State.DONE
    assert Invitation.objects.filter(state="live", user__in=users).count() == 3
    page = admin_client.get(response.url).content.decode()
    assert "<h1>Kvittering</h1>" in page
    assert "Aktiveringen er startet for 3 brugere." in page
    assert "MitID kodeviser" in page
    assert "1 bruger er oprettet med fødselsdato" in page
    # The codes of this job's birth-date users, together, once (Aktiveringskoder ?job=).
    assert f'href="{reverse("activation:codes")}?job={job.pk}"' in page


def test_a_job_stopped_by_an_error_can_be_resumed_for_the_rest(
    admin_client, organisation, monkeypatch
):
    monkeypatch.setattr(bulkjobs, "CHUNK", 2)
    users = UserFactory.create_batch(3, organisation=organisation, state=User.State.SUSPENDED)
    action = bulkjobs.BULK_ACTIONS["reactivate"]
    calls = []

    def breaking(user, ctx):
        calls.append(user.pk)
        if len(calls) == 3:  # the first user of the second chunk
            raise RuntimeError("database gone")
        action.run(user, ctx)

    monkeypatch.setitem(
        bulkjobs.BULK_ACTIONS, "reactivate", dataclasses.replace(action, run=breaking)
    )
    job = _run(admin_client, users, "reactivate")
    assert job.state == BulkJob.State.FAILED and job.processed == 2
    page = admin_client.get(reverse("activation:bulk_job", args=[job.pk])).content.decode()
    assert "Handlingen blev afbrudt" in page and "Genoptag handlingen" in page

    monkeypatch.setitem(bulkjobs.BULK_ACTIONS, "reactivate", action)
    admin_client.post(reverse("activation:bulk_job_retry", args=[job.pk]))
    job.refresh_from_db()
    assert job.state == BulkJob.State.DONE and job.processed == 3
    assert _audits("user_reactivated") == 3
    assert admin_client.post(reverse("activation:bulk_job_retry", args=[job.pk])).status_code == 302
    assert _audits("user_reactivated") == 3


def test_a_second_click_on_a_bulk_activation_job_goes_to_the_job(
    admin_client, organisation, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(bulkjobs, "RUN_NOW_MAX", 1)
    users = ImportedUserFactory.create_batch(2, organisation=organisation)
    admin_client.post(reverse("activation:bulk_start"), {"user": [u.pk for u in users]})
    admin_client.post(reverse("activation:bulk_means"), {"means": ["kodeviser"]})
    with django_capture_on_commit_callbacks(execute=True):
        first = admin_client.post(reverse("activation:bulk_confirm"))
        second = admin_client.post(reverse("activation:bulk_confirm"))
    assert second.url == first.url
    assert BulkJob.objects.count() == 1
    assert Invitation.objects.filter(user__in=users).count() == 2


# --- Review fixes: who a job acts as, resuming, expired reminders, refusals recorded ----------


def test_a_job_acts_as_the_administrator_who_confirmed_it(client, organisation, org_admin):
    other_admin = UserFactory(organisation=organisation, first_name="Birgitte")
    RoleGrantFactory(
        user=other_admin, organisation=organisation, role=RoleGrant.Role.ORGANISATION_ADMIN
    )
    users = UserFactory.create_batch(2, organisation=organisation, state=User.State.SUSPENDED)
    client.force_login(org_admin)
    job = _select(client, users, "reactivate")
    client.force_login(other_admin)
    client.post(reverse("activation:bulk_job_confirm", args=[job.pk]), {})
    events = AuditEvent.objects.filter(action__in=["bulk_job_started", "user_reactivated"])
    assert events.count() == 3
    assert {e.actor_user_id for e in events} == {other_admin.pk}
    assert {e.actor_name for e in events} == {other_admin.full_name}


def test_resuming_needs_the_actions_role_and_acts_as_the_resumer(
    client, organisation, org_admin, user_admin, monkeypatch
):
    monkeypatch.setattr(bulkjobs, "CHUNK", 2)
    users = UserFactory.create_batch(3, organisation=organisation)
    action = bulkjobs.BULK_ACTIONS["role_add"]
    calls = []

    def breaking(user, ctx):
        calls.append(user.pk)
        if len(calls) == 3:
            raise RuntimeError("database gone")
        action.run(user, ctx)

    monkeypatch.setitem(
        bulkjobs.BULK_ACTIONS, "role_add", dataclasses.replace(action, run=breaking)
    )
    client.force_login(org_admin)
    job = _run(client, users, "role_add", role=RoleGrant.Role.RIGHTS_ADMIN)
    assert job.state == BulkJob.State.FAILED and job.processed == 2
    monkeypatch.setitem(bulkjobs.BULK_ACTIONS, "role_add", action)

    # A user administrator may not give roles: resuming the organisation admin's job is refused.
    client.force_login(user_admin)
    response = client.post(reverse("activation:bulk_job_retry", args=[job.pk]))
    assert response.status_code == 403
    job.refresh_from_db()
    assert job.state == BulkJob.State.FAILED and job.processed == 2

    second_admin = UserFactory(organisation=organisation)
    RoleGrantFactory(
        user=second_admin, organisation=organisation, role=RoleGrant.Role.ORGANISATION_ADMIN
    )
    client.force_login(second_admin)
    client.post(reverse("activation:bulk_job_retry", args=[job.pk]))
    job.refresh_from_db()
    assert job.state == BulkJob.State.DONE and job.processed == 3
    resumed = AuditEvent.objects.get(action="bulk_job_resumed")
    assert resumed.actor_user == second_admin and resumed.changes["count"] == 1
    last = AuditEvent.objects.filter(action="role_granted").latest("pk")
    assert last.actor_user == second_admin


def test_remind_skips_a_link_that_has_expired(admin_client, organisation, org_admin):
    fresh, expired = _awaiting(organisation, org_admin, 2)
    Invitation.objects.filter(user=expired).update(
        expires_at=timezone.now() - datetime.timedelta(hours=1)
    )
    emails = OutboundEmail.objects.count()
    job = _run(admin_client, [fresh, expired], "remind", source="afventer")
    outcomes = _outcomes(job)
    assert outcomes[fresh.pk][0] == "ok"
    assert outcomes[expired.pk] == ("skipped", "Linket er udløbet. Send et nyt link i stedet.")
    assert OutboundEmail.objects.count() == emails + 1


def test_a_refusal_inside_a_job_is_recorded(admin_client, organisation, org_admin, monkeypatch):
    users = UserFactory.create_batch(2, organisation=organisation, state=User.State.SUSPENDED)
    job = _select(admin_client, users, "reactivate")
    # The administrator loses the role between choosing and the job's run.
    RoleGrant.objects.filter(user=org_admin).delete()
    RoleGrantFactory(user=org_admin, organisation=organisation, role=RoleGrant.Role.USER_ADMIN)
    action = bulkjobs.BULK_ACTIONS["reactivate"]

    def refused(user, ctx):
        raise PermissionDenied

    monkeypatch.setitem(
        bulkjobs.BULK_ACTIONS, "reactivate", dataclasses.replace(action, run=refused)
    )
    admin_client.post(reverse("activation:bulk_job_confirm", args=[job.pk]), {})
    job.refresh_from_db()
    assert {o for o, _ in _outcomes(job).values()} == {"failed"}
    assert _audits("permission_denied") == 2
