"""Bulk activation in chunks (issue 14, "Flat, fast heavy work"): the users are read, moved,
granted, invited and emailed a chunk at a time, with the same result and rules as one pass, a
query count that does not grow with the users of one chunk, one audit event per act, and the
delivery tasks enqueued once after commit. Small chunk sizes stand in for 2,000."""

import types

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from activation.models import Invitation
from activation.services import start
from mitid_portal import emails
from mitid_portal.errors import RuleError
from mitid_portal.models import AuditEvent, OutboundEmail
from organisations.models import UserRight
from tests.activation.factories import (
    BirthDateUserFactory,
    ImportedUserFactory,
    SetUpOrganisationFactory,
)
from users.models import User

pytestmark = pytest.mark.django_db


def _users(organisation, n: int, *, birth_date_only: int = 0) -> list[User]:
    users = ImportedUserFactory.create_batch(n - birth_date_only, organisation=organisation)
    users += BirthDateUserFactory.create_batch(birth_date_only, organisation=organisation)
    return sorted(users, key=lambda u: u.pk)


def _imported(organisation):
    return User.objects.filter(organisation=organisation, state=User.State.IMPORTED)


def test_chunks_give_the_same_result_as_one_pass(organisation, monkeypatch):
    monkeypatch.setattr(start, "CHUNK", 4)
    monkeypatch.setattr(start, "KEEP_INVITATIONS", 5)
    users = _users(organisation, 11, birth_date_only=3)

    result = start.users_activation_start(
        organisation=organisation, users=_imported(organisation), means=["app"], actor=None
    )

    assert (len(result), result.count, result.with_code, result.without_email) == (11, 11, 3, 0)
    assert result.lazy  # more than KEEP_INVITATIONS: read back, not held
    stored = list(Invitation.objects.filter(organisation=organisation).order_by("pk"))
    assert [i.pk for i in result] == [i.pk for i in stored]
    assert [i.user_id for i in result] == [u.pk for u in users]
    assert result[0].pk == stored[0].pk and result[-1].pk == stored[-1].pk
    moved = User.objects.filter(organisation=organisation).values_list("state", "means")
    assert all(row == (User.State.AWAITING, ["app"]) for row in moved)
    assert {i.state for i in stored} == {Invitation.State.LIVE}
    assert {i.event_key for i in OutboundEmail.objects.all()} == {
        f"activation-link-{i.pk}" for i in stored
    }
    services = UserRight.objects.filter(user__in=users).values("service").distinct().count()
    assert UserRight.objects.filter(user__in=users).count() == 11 * services
    started = AuditEvent.objects.get(action="users_activation_started")
    assert started.changes["count"] == 11 and started.changes["with_code"] == 3
    assert AuditEvent.objects.filter(action="right_granted").count() == (1 if services else 0)


def test_a_small_call_returns_its_invitations_as_before(organisation):
    users = _users(organisation, 3, birth_date_only=1)
    result = start.users_activation_start(
        organisation=organisation, users=users, means=["app"], actor=None
    )
    assert isinstance(result, list) and not result.lazy
    assert [i.user_id for i in result] == [u.pk for u in users]
    assert sum(1 for i in result if i.code_hash) == result.with_code == 1


def test_a_foreign_user_in_a_later_chunk_refuses_the_whole_act(organisation, monkeypatch):
    monkeypatch.setattr(start, "CHUNK", 4)
    users = _users(organisation, 9)
    users.append(ImportedUserFactory(organisation=SetUpOrganisationFactory()))  # the last pk

    with pytest.raises(RuleError) as refused:
        start.users_activation_start(
            organisation=organisation, users=users, means=["app"], actor=None
        )

    assert refused.value.code == "foreign"
    assert not Invitation.objects.exists() and not OutboundEmail.objects.exists()
    assert not User.objects.filter(pk__in=[u.pk for u in users]).exclude(state=User.State.IMPORTED)


def _queries(organisation, n: int) -> int:
    _users(organisation, n, birth_date_only=n // 3)
    with CaptureQueriesContext(connection) as queries:
        start.users_activation_start(
            organisation=organisation, users=_imported(organisation), means=["app"], actor=None
        )
    return len(queries)


def test_the_query_count_does_not_grow_with_the_users_of_a_chunk():
    assert _queries(SetUpOrganisationFactory(), 3) == _queries(SetUpOrganisationFactory(), 60)


def test_delivery_is_enqueued_once_after_commit_for_every_email(
    organisation, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(start, "CHUNK", 4)
    monkeypatch.setattr(emails, "BATCH_SIZE", 3)
    enqueued: list[list[int]] = []
    fake_task = types.SimpleNamespace(enqueue=lambda ids: enqueued.append(ids))
    monkeypatch.setattr(emails, "deliver_emails", fake_task)
    _users(organisation, 10)

    with django_capture_on_commit_callbacks() as callbacks:
        start.users_activation_start(
            organisation=organisation, users=_imported(organisation), means=["app"], actor=None
        )
    assert len(callbacks) == 1  # one for all chunks
    callbacks[0]()
    assert [len(ids) for ids in enqueued] == [3, 3, 3, 1]
    assert sorted(pk for ids in enqueued for pk in ids) == sorted(
        OutboundEmail.objects.values_list("pk", flat=True)
    )
