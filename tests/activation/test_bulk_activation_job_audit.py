"""The bulk activation run as a job (above ``bulkjobs.RUN_NOW_MAX`` users, issue 14): its audit
is the same pair as the activation in the request (``right_granted`` for the *Basispakke* and
``users_activation_started``), written once for the whole job, not once per chunk, also when a
worker dies mid-job and the job is taken up again; and the chosen identification means are
checked when the job is created, so a means the organisation does not allow creates no job.
Small thresholds and chunks stand in for 500 and 200."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from activation.models import BulkJob, BulkJobItem
from activation.services import bulkjobs, start
from activation.tasks import bulk_jobs_resume
from mitid_portal.errors import RuleError
from mitid_portal.models import AuditEvent
from organisations.models import PublicService
from tests.activation.factories import BirthDateUserFactory, ImportedUserFactory
from users.models import User

pytestmark = pytest.mark.django_db

PAIR = ("right_granted", "users_activation_started")


@pytest.fixture
def small(monkeypatch):
    monkeypatch.setattr(bulkjobs, "RUN_NOW_MAX", 2)
    monkeypatch.setattr(bulkjobs, "CHUNK", 2)


def _users(organisation, n: int = 5) -> list[User]:
    users = [
        *ImportedUserFactory.create_batch(n - 1, organisation=organisation),
        BirthDateUserFactory(organisation=organisation),
    ]
    return sorted(users, key=lambda u: u.pk)


def _events(action: str):
    return AuditEvent.objects.filter(action=action).order_by("pk")


def _job(organisation, actor, users, means=("kodeviser",)) -> BulkJob:
    job = bulkjobs.bulk_job_create(
        organisation=organisation,
        action=bulkjobs.ACTIVATE,
        users=User.objects.filter(pk__in=[u.pk for u in users]),
        actor=actor,
        parameters={"means": list(means)},
    )
    bulkjobs.bulk_job_confirm(job=job, parameters={}, actor=actor)
    return job


def _dying_on(monkeypatch, calls: set[int]) -> list[int]:
    """``users_activation_start`` in the job does its work and then the worker dies (the chunk's
    transaction is lost) on the given calls, counted from 1."""
    real = bulkjobs.users_activation_start
    seen: list[int] = []

    def dying(**kwargs):
        result = real(**kwargs)
        seen.append(len(kwargs["users"]))
        if len(seen) in calls:
            raise RuntimeError("worker killed")
        return result

    monkeypatch.setattr(bulkjobs, "users_activation_start", dying)
    return seen


def _make_stale(job: BulkJob) -> None:
    old = timezone.now() - bulkjobs.STALE_AFTER - datetime.timedelta(seconds=1)
    BulkJob.objects.filter(pk=job.pk).update(heartbeat_at=old)


def test_a_job_writes_one_audit_pair_for_the_whole_activation_like_the_request(
    admin_client, organisation, org_admin, small, django_capture_on_commit_callbacks
):
    assert PublicService.objects.filter(in_basic_package=True).exists()
    # In the request (at most RUN_NOW_MAX users): the pair the job must match.
    few = _users(organisation, 2)
    admin_client.post(reverse("activation:bulk_start"), {"user": [u.pk for u in few]})
    admin_client.post(reverse("activation:bulk_means"), {"means": ["kodeviser"]})
    admin_client.post(reverse("activation:bulk_confirm"))
    assert not BulkJob.objects.exists()
    in_request = {action: _events(action).get() for action in PAIR}

    # Five users in chunks of two: three chunks, one pair.
    many = _users(organisation, 5)
    admin_client.post(reverse("activation:bulk_start"), {"user": [u.pk for u in many]})
    admin_client.post(reverse("activation:bulk_means"), {"means": ["kodeviser"]})
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(reverse("activation:bulk_confirm"))
    job = BulkJob.objects.get()
    assert job.state == BulkJob.State.DONE and job.processed == 5

    for action in PAIR:
        assert _events(action).count() == 2, action  # the request's and the job's
    started = _events("users_activation_started").last()
    assert started.target == "5 brugere"
    assert started.changes == {
        "count": 5,
        "means": ["kodeviser"],
        "with_code": 1,
        "without_email": 0,
        "job": job.pk,
    }
    assert started.actor_user == org_admin and started.organisation == organisation
    assert set(in_request["users_activation_started"].changes) | {"job"} == set(started.changes)
    granted = _events("right_granted").last()
    basic = PublicService.objects.filter(in_basic_package=True).count()
    assert granted.target == "5 brugere"
    assert granted.changes == {
        **in_request["right_granted"].changes,
        "rettigheder": 5 * basic,
    }
    assert granted.actor_user == org_admin
    assert _events("bulk_job_started").get().changes["count"] == 5  # unchanged


def test_a_worker_dying_mid_job_and_resumed_gives_one_pair(
    organisation, org_admin, small, monkeypatch
):
    users = _users(organisation, 5)
    job = _job(organisation, org_admin, users)
    seen = _dying_on(monkeypatch, {2})

    with pytest.raises(RuntimeError):
        bulkjobs.bulk_job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.state == BulkJob.State.RUNNING and job.processed == 2
    for action in PAIR:
        assert not _events(action).exists(), action  # not per chunk

    monkeypatch.setattr(bulkjobs, "users_activation_start", start.users_activation_start)
    _make_stale(job)
    assert bulk_jobs_resume.call() == [job.pk]
    job.refresh_from_db()
    assert job.state == BulkJob.State.DONE and job.processed == 5
    assert seen == [2, 2]  # the dead chunk was done again after resuming
    started = _events("users_activation_started").get()
    assert (started.target, started.changes["count"], started.changes["with_code"]) == (
        "5 brugere",
        5,
        1,
    )
    assert _events("right_granted").get().target == "5 brugere"

    bulkjobs.bulk_job_run(job_id=job.pk)  # a late second run finds the job done
    for action in PAIR:
        assert _events(action).count() == 1, action


def test_a_worker_dying_in_the_last_chunk_loses_the_audit_with_it_and_the_rerun_writes_it_once(
    organisation, org_admin, small, monkeypatch
):
    users = _users(organisation, 5)
    job = _job(organisation, org_admin, users)
    _dying_on(monkeypatch, {3})  # the last chunk (one user), the one that ends the job

    with pytest.raises(RuntimeError):
        bulkjobs.bulk_job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.state == BulkJob.State.RUNNING and job.processed == 4
    last = job.items.get(done=False).user_id  # the dead chunk's user was started, then lost
    assert User.objects.get(pk=last).state == User.State.IMPORTED
    for action in PAIR:
        assert not _events(action).exists(), action

    monkeypatch.setattr(bulkjobs, "users_activation_start", start.users_activation_start)
    bulkjobs.bulk_job_run(job_id=job.pk)
    bulkjobs.bulk_job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.state == BulkJob.State.DONE
    assert _events("users_activation_started").get().changes["count"] == 5
    assert _events("right_granted").count() == 1


def test_a_job_stopped_by_an_error_audits_what_it_did_and_genoptag_the_rest(
    organisation, org_admin, small, monkeypatch
):
    users = _users(organisation, 5)
    job = _job(organisation, org_admin, users)
    _dying_on(monkeypatch, {2})
    with pytest.raises(RuntimeError) as stopped:
        bulkjobs.bulk_job_run(job_id=job.pk)
    bulkjobs.bulk_job_fail(job_id=job.pk, error=bulkjobs.bulk_job_error(stopped.value))
    bulkjobs.bulk_job_fail(job_id=job.pk, error="again")  # a second report changes nothing
    job.refresh_from_db()
    assert job.state == BulkJob.State.FAILED and job.processed == 2
    # The two users activated before the stop are in the log even if nobody resumes the job.
    first = _events("users_activation_started").get()
    assert (first.target, first.changes["count"]) == ("2 brugere", 2)
    assert _events("right_granted").count() == 1

    monkeypatch.setattr(bulkjobs, "users_activation_start", start.users_activation_start)
    assert bulkjobs.bulk_job_retry(job=job, actor=org_admin)
    bulkjobs.bulk_job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.state == BulkJob.State.DONE and job.processed == 5
    counts = [e.changes["count"] for e in _events("users_activation_started")]
    assert counts == [2, 3]  # each user in exactly one record
    assert sum(e.changes["with_code"] for e in _events("users_activation_started")) == 1
    assert _events("right_granted").count() == 2


def test_a_job_whose_users_were_all_started_elsewhere_writes_no_pair(
    organisation, org_admin, small
):
    users = _users(organisation, 3)
    job = _job(organisation, org_admin, users)
    start.users_activation_start(
        organisation=organisation, users=users, means=["app"], actor=org_admin
    )
    AuditEvent.objects.filter(action__in=PAIR).delete()

    bulkjobs.bulk_job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.state == BulkJob.State.DONE
    assert set(job.items.values_list("outcome", flat=True)) == {BulkJobItem.Outcome.SKIPPED}
    assert not AuditEvent.objects.filter(action__in=PAIR).exists()


# --- The means are checked when the job is created ------------------------------------------


def test_a_means_the_organisation_does_not_allow_creates_no_job(organisation, org_admin):
    users = _users(organisation, 3)
    with pytest.raises(RuleError) as refused:
        _job(organisation, org_admin, users, means=["hemmelig-nøgle"])
    assert refused.value.code == "means" and refused.value.field == "means"
    assert str(refused.value.message) == (
        "Organisationen tillader ikke det valgte identifikationsmiddel."
    )
    assert not BulkJob.objects.exists() and not BulkJobItem.objects.exists()
    assert not AuditEvent.objects.filter(action="bulk_job_started").exists()


def test_a_means_withdrawn_after_the_form_creates_no_job(organisation, org_admin):
    users = _users(organisation, 3)
    organisation.allowed_means = ["app"]  # kodeviser withdrawn between the form and the confirm
    organisation.save(update_fields=["allowed_means"])
    with pytest.raises(RuleError) as refused:
        _job(organisation, org_admin, users, means=["kodeviser"])
    assert refused.value.code == "means"
    assert not BulkJob.objects.exists()


def test_no_means_creates_no_job(organisation, org_admin):
    with pytest.raises(RuleError) as refused:
        _job(organisation, org_admin, _users(organisation, 2), means=[])
    assert str(refused.value.message) == "Vælg mindst ét identifikationsmiddel."
    assert not BulkJob.objects.exists()


def test_the_jobs_means_are_kept_in_the_guides_order_without_repeats(organisation, org_admin):
    job = _job(organisation, org_admin, _users(organisation, 2), means=["chip", "app", "chip"])
    job.refresh_from_db()
    assert job.parameters["means"] == ["app", "chip"]


def test_the_confirm_page_says_a_withdrawn_means_and_starts_no_job(
    admin_client, organisation, small
):
    """Through the wizard: a means withdrawn between *Vælg identifikationsmidler* and the
    confirm sends the administrator back to the means with the rule's message; no job."""
    users = _users(organisation)
    response = admin_client.post(reverse("activation:bulk_start"), {"user": [u.pk for u in users]})
    assert response.url == reverse("activation:bulk_means")
    response = admin_client.post(reverse("activation:bulk_means"), {"means": ["kodeviser"]})
    assert response.url == reverse("activation:bulk_confirm")
    organisation.allowed_means = ["app"]
    organisation.save(update_fields=["allowed_means"])

    response = admin_client.post(reverse("activation:bulk_confirm"), follow=True)
    assert response.redirect_chain[-1][0] == reverse("activation:bulk_means")
    messages = [str(m) for m in response.context["messages"]]
    assert messages and all(m.strip() for m in messages)
    assert not BulkJob.objects.exists()
    assert (
        not User.objects.filter(pk__in=[u.pk for u in users])
        .exclude(state=User.State.IMPORTED)
        .exists()
    )


def test_a_stopped_job_whose_administrator_is_gone_is_audited_in_their_name(
    organisation, org_admin, small, monkeypatch
):
    """Not as the operator's command line: the audit names the administrator who started it."""
    users = _users(organisation, 5)
    job = _job(organisation, org_admin, users)
    _dying_on(monkeypatch, {2})
    with pytest.raises(RuntimeError):
        bulkjobs.bulk_job_run(job_id=job.pk)
    name = org_admin.full_name
    job.refresh_from_db()
    # The administrator's user is gone (the job keeps the name it was started with).
    BulkJob.objects.filter(pk=job.pk).update(
        created_by=None, parameters={**job.parameters, bulkjobs.ACTOR_KEY: -1}
    )
    bulkjobs.bulk_job_fail(job_id=job.pk, error="stopped")
    event = _events("users_activation_started").get()
    assert event.actor_name == name and "activate_users" not in event.actor_name
