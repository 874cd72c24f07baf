"""The user lifecycle's transition table (``users.services.lifecycle.TRANSITIONS``): one test per
allowed move and one per forbidden move of the 5x5 state matrix, the bulk move, and the database
constraint on the state's vocabulary."""

import itertools

import pytest
from django.db import IntegrityError, transaction

from mitid_portal.errors import RuleError
from mitid_portal.identity import UserState
from mitid_portal.models import AuditEvent
from tests.factories import OrganisationFactory, UserFactory
from users.models import User
from users.services.lifecycle import TRANSITIONS, user_state_change, users_state_change_bulk

pytestmark = pytest.mark.django_db

S = UserState
ALLOWED = {
    (S.IMPORTED, S.AWAITING): "users_activation_started",
    (S.AWAITING, S.IMPORTED): "activation_cancelled",
    (S.AWAITING, S.ACTIVE): "user_activated",
    (S.IMPORTED, S.ACTIVE): "user_activated",
    (S.ACTIVE, S.SUSPENDED): "user_suspended",
    (S.SUSPENDED, S.ACTIVE): "user_reactivated",
    (S.IMPORTED, S.CLOSED): "user_closed",
    (S.AWAITING, S.CLOSED): "user_closed",
    (S.ACTIVE, S.CLOSED): "user_closed",
    (S.SUSPENDED, S.CLOSED): "user_closed",
}
MOVES = [(a, b) for a, b in itertools.product(S, S) if a != b]
FORBIDDEN = [move for move in MOVES if move not in ALLOWED]


def _id(move: tuple[UserState, UserState]) -> str:
    return f"{move[0].value}->{move[1].value}"


def test_the_table_is_the_documented_set_of_moves():
    assert dict(TRANSITIONS) == ALLOWED
    assert len(ALLOWED) + len(FORBIDDEN) == 20


@pytest.mark.parametrize("move", list(ALLOWED), ids=_id)
def test_allowed_move(move):
    source, target = move
    user = UserFactory(state=source)
    actor = UserFactory(organisation=user.organisation, first_name="Hanne", last_name="Admin")

    returned = user_state_change(user=user, to=target, actor=actor, reason="Grund")

    assert returned.state == target
    assert user.state == target  # the caller's instance sees the move too
    assert User.objects.get(pk=user.pk).state == target
    event = AuditEvent.objects.get(action=ALLOWED[move])
    assert event.actor_name == "Hanne Admin"
    assert event.changes["state"] == {"before": source.value, "after": target.value}
    assert event.changes["reason"] == "Grund"


@pytest.mark.parametrize("move", FORBIDDEN, ids=_id)
def test_forbidden_move(move):
    source, target = move
    user = UserFactory(state=source)

    with pytest.raises(RuleError) as exc:
        user_state_change(user=user, to=target)

    assert exc.value.code == "transition"
    assert User.objects.get(pk=user.pk).state == source
    assert not AuditEvent.objects.exists()


@pytest.mark.parametrize("state", list(S), ids=lambda s: s.value)
def test_staying_in_the_same_state_is_not_a_move(state):
    user = UserFactory(state=state)
    with pytest.raises(RuleError) as exc:
        user_state_change(user=user, to=state)
    assert exc.value.code == "transition"


def test_the_extra_fields_are_written_with_the_state_and_audit_can_be_left_to_the_caller():
    user = UserFactory(state=S.AWAITING, uses_private_mitid=False)
    user_state_change(user=user, to=S.ACTIVE, fields={"uses_private_mitid": True}, audit=False)
    user.refresh_from_db()
    assert (user.state, user.uses_private_mitid) == (S.ACTIVE, True)
    assert not AuditEvent.objects.exists()


def test_a_blocked_state_ends_the_users_sessions(client):
    user = UserFactory(state=S.ACTIVE)
    client.force_login(user)
    user_state_change(user=user, to=S.SUSPENDED)
    assert AuditEvent.objects.get(action="user_suspended").changes["sessions_ended"] == 1


def test_the_bulk_move_changes_only_users_in_the_source_state():
    organisation = OrganisationFactory()
    users = {state: UserFactory(organisation=organisation, state=state) for state in S}
    other = UserFactory(organisation=organisation, state=S.IMPORTED)

    moved = users_state_change_bulk(
        queryset=User.objects.filter(pk__in=[u.pk for u in users.values()]),
        source=S.IMPORTED,
        to=S.AWAITING,
        fields={"means": ["app"]},
    )

    assert moved == 1
    after = dict(User.objects.filter(organisation=organisation).values_list("pk", "state"))
    assert after[users[S.IMPORTED].pk] == S.AWAITING
    assert User.objects.get(pk=users[S.IMPORTED].pk).means == ["app"]
    for state in (S.AWAITING, S.ACTIVE, S.SUSPENDED, S.CLOSED):
        assert after[users[state].pk] == state
    assert after[other.pk] == S.IMPORTED  # not in the queryset
    assert not AuditEvent.objects.exists()


@pytest.mark.parametrize("move", FORBIDDEN, ids=_id)
def test_the_bulk_move_refuses_a_forbidden_move(move):
    source, target = move
    user = UserFactory(state=source)
    with pytest.raises(RuleError) as exc:
        users_state_change_bulk(queryset=User.objects.all(), source=source, to=target)
    assert exc.value.code == "transition"
    assert User.objects.get(pk=user.pk).state == source


def test_the_database_refuses_a_state_outside_the_vocabulary():
    user = UserFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.filter(pk=user.pk).update(state="deleted")
