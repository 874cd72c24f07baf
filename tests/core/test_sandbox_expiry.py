"""Exercises expire: the hourly job deletes each expired sandbox with every row in it (the portal's
and the simulated world's), and leaves the default sandbox and the unexpired ones alone."""

import datetime

import pytest
from django.apps import apps
from django.core.mail import send_mail
from django.utils import timezone

from mitid_portal.models import Sandbox
from mitid_portal.registry import periodic_jobs
from mitid_portal.sandbox import DEFAULT_SANDBOX_ID, SandboxedModel, sandbox_scope
from mitid_portal.sandboxes import sandbox_create, sandboxes_expire
from tests.factories import PersonFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("mailbox_backend")]


def _rows(sandbox_id: int) -> dict[str, int]:
    """How many rows of each sandboxed model belong to ``sandbox_id`` (unscoped count)."""
    counts = {}
    for model in apps.get_models():
        if issubclass(model, SandboxedModel):
            counts[model._meta.label] = model._base_manager.filter(sandbox_id=sandbox_id).count()
    return counts


def _fill(sandbox_id: int, tag: str) -> None:
    """Rows beyond the demo world: a user, a person, a mail."""
    with sandbox_scope(sandbox_id):
        UserFactory(email=f"{tag}@example.dk")
        PersonFactory()
        send_mail(f"Til {tag}", "Teksten", "noreply@mitid-erhverv.test", [f"{tag}@example.dk"])


def _expire_job():
    return next(job for job in periodic_jobs() if job.name == "sandboxes_expire")


def test_the_job_deletes_an_expired_sandbox_with_everything_in_it_and_nothing_else():
    expired, _ = sandbox_create(name="Udløbet")
    alive, _ = sandbox_create(name="Lever")
    _fill(expired.pk, "udloebet")
    _fill(alive.pk, "lever")
    _fill(DEFAULT_SANDBOX_ID, "standard")
    Sandbox.objects.filter(pk=expired.pk).update(expires_at=timezone.now())

    before = {pk: _rows(pk) for pk in (expired.pk, alive.pk, DEFAULT_SANDBOX_ID)}
    for label in (
        "users.User",
        "organisations.Organisation",
        "sim_registers.Person",
        "sim_mailbox.MailMessage",
        "sim_mitid.MitIDAccount",
        "sim_mitid.Device",
        "sim_nemid.NemIDEmployee",
    ):
        assert before[expired.pk][label] > 0, label

    result = _expire_job().task.enqueue()  # the immediate backend in tests: runs now
    assert result.return_value == 1

    assert not Sandbox.objects.filter(pk=expired.pk).exists()
    assert set(_rows(expired.pk).values()) == {0}
    assert _rows(alive.pk) == before[alive.pk]
    assert _rows(DEFAULT_SANDBOX_ID) == before[DEFAULT_SANDBOX_ID]
    assert Sandbox.objects.filter(pk__in=[alive.pk, DEFAULT_SANDBOX_ID]).count() == 2


def test_the_default_sandbox_never_expires_and_an_unexpired_one_waits_for_its_time():
    alive, _ = sandbox_create()
    Sandbox.objects.filter(pk=DEFAULT_SANDBOX_ID).update(
        expires_at=timezone.now() - datetime.timedelta(days=1)
    )
    assert sandboxes_expire() == 0
    assert Sandbox.objects.filter(pk__in=[alive.pk, DEFAULT_SANDBOX_ID]).count() == 2
    assert alive.expires_at is not None
    assert sandboxes_expire(now=alive.expires_at) == 1
    assert not Sandbox.objects.filter(pk=alive.pk).exists()
    assert set(_rows(alive.pk).values()) == {0}


def test_the_job_runs_hourly():
    assert _expire_job().interval == datetime.timedelta(hours=1)
