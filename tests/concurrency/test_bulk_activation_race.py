"""Two administrators bulk-activate overlapping sets of users at the same moment (G4.2–G4.5).

All or nothing per request, rows locked in primary-key order, and the database's
one-live-invitation constraint behind it: whoever comes second is refused with the clear
"already started" message and changes nothing; after retrying with what is left, every user has
exactly one live invitation and exactly one queued email.
"""

from collections import Counter

import pytest

from activation.models import Invitation
from activation.services import users_activation_start
from mitid_portal.errors import RuleError
from mitid_portal.models import OutboundEmail
from organisations.models import RoleGrant
from tests.activation.factories import (
    BirthDateUserFactory,
    ImportedUserFactory,
    SetUpOrganisationFactory,
)
from tests.concurrency.conftest import run_parallel
from tests.factories import RoleGrantFactory, UserFactory
from users.models import User

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _admins(organisation, n: int) -> list[User]:
    admins = []
    for i in range(n):
        admin = UserFactory(organisation=organisation, first_name=f"Admin{i}")
        RoleGrantFactory(
            user=admin, organisation=organisation, role=RoleGrant.Role.ORGANISATION_ADMIN
        )
        admins.append(admin)
    return admins


def _start(organisation, admin, pks):
    return users_activation_start(
        organisation=organisation,
        users=User.objects.filter(pk__in=pks),
        means=["app"],
        actor=admin,
    )


def _assert_each_has_one_invitation_and_one_email(users) -> None:
    live = Counter(
        Invitation.objects.filter(state="live", user__in=users).values_list("user_id", flat=True)
    )
    assert all(live[u.pk] == 1 for u in users), live
    assert Invitation.objects.filter(user__in=users).count() == len(users)
    emails = Counter(OutboundEmail.objects.values_list("to", flat=True))
    assert {u.email: emails[u.email] for u in users} == {u.email: 1 for u in users}
    assert set(
        User.objects.filter(pk__in=[u.pk for u in users]).values_list("state", flat=True)
    ) == {User.State.AWAITING}


def test_overlapping_bulk_activations_give_each_user_one_invitation_and_one_email():
    organisation = SetUpOrganisationFactory(allowed_means=["app"], preferred_means="app")
    first, second = _admins(organisation, 2)
    users = ImportedUserFactory.create_batch(24, organisation=organisation)
    users += BirthDateUserFactory.create_batch(6, organisation=organisation)
    pks = [u.pk for u in users]
    sets = [pks[:20], pks[10:]]  # ten users in both

    results = run_parallel(
        _start, [(organisation, first, sets[0]), (organisation, second, sets[1])]
    )

    won = [r for r in results if isinstance(r, list)]
    refused = [r for r in results if isinstance(r, RuleError)]
    assert len(won) == 1 and len(refused) == 1, results
    assert refused[0].code == "not_imported"
    assert "allerede startet" in str(refused[0].message)
    loser_set = sets[results.index(refused[0])]
    # The refused request changed nothing: only the winner's users have invitations.
    winner_set = sets[results.index(won[0])]
    assert set(Invitation.objects.values_list("user_id", flat=True)) == set(winner_set)
    assert OutboundEmail.objects.count() == len(winner_set)

    # The second administrator reads the message and activates those still imported.
    left = User.objects.filter(pk__in=loser_set, state=User.State.IMPORTED)
    assert left.count() == 10
    users_activation_start(organisation=organisation, users=left, means=["app"], actor=second)

    _assert_each_has_one_invitation_and_one_email(users)


def test_the_same_selection_submitted_four_times_at_once_activates_once():
    """A double (or quadruple) click, or four tabs: one request wins, the rest are refused."""
    organisation = SetUpOrganisationFactory(allowed_means=["app"], preferred_means="app")
    admins = _admins(organisation, 4)
    users = ImportedUserFactory.create_batch(15, organisation=organisation)
    pks = [u.pk for u in users]

    results = run_parallel(_start, [(organisation, admin, pks) for admin in admins])

    assert sum(isinstance(r, list) for r in results) == 1, results
    assert all(r.code == "not_imported" for r in results if isinstance(r, RuleError))
    _assert_each_has_one_invitation_and_one_email(users)
