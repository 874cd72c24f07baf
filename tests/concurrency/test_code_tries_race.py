"""Many wrong tries at the temporary activation code at once never pass the limit of 3.

The failure count lives in the invitation row and is read and raised under a row lock
(``employee_activate_private`` and ``activation_code_check``), so parallel tries take turns.
"""

import pytest

from activation.employee import services
from activation.models import Invitation
from mitid_portal.errors import RuleError
from mitid_portal.outside import Identity
from tests.concurrency.conftest import run_parallel
from tests.employee.factories import InvitationFactory, birth_date_user_with_account
from users.models import User

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

CODE = "48213907"
TRIES = 12


def _identity(person) -> Identity:
    return Identity(
        cpr=person.cpr,
        first_name=person.first_name,
        last_name=person.last_name,
        birth_date=person.birth_date,
    )


def _activate(invitation_id, identity, code):
    return services.employee_activate_private(
        invitation_id=invitation_id, identity=identity, code=code
    )


def _check(invitation_id, _identity, code):
    return services.activation_code_check(invitation_id=invitation_id, code=code)


@pytest.mark.parametrize("service", [_activate, _check], ids=["private", "separate"])
def test_parallel_wrong_tries_never_exceed_three_and_lock_the_code(service):
    user, account = birth_date_user_with_account(f"parallel-{service.__name__}")
    invitation = InvitationFactory(user=user, code=CODE)
    identity = _identity(account.person)

    wrong = [f"{n:08d}" for n in range(TRIES)]
    results = run_parallel(service, [(invitation.pk, identity, code) for code in wrong])

    assert all(isinstance(r, RuleError) for r in results), results
    codes = sorted(r.code for r in results)
    assert codes.count("wrong") == 2, codes  # the first two wrong tries say how many are left
    assert codes.count("locked") == TRIES - 2, codes
    invitation.refresh_from_db()
    assert invitation.code_failures == 3
    assert invitation.state == Invitation.State.LIVE

    # Locked: the right code no longer works, and nothing was activated.
    with pytest.raises(RuleError) as exc:
        service(invitation.pk, identity, CODE)
    assert exc.value.code == "locked"
    invitation.refresh_from_db()
    assert invitation.code_failures == 3
    user.refresh_from_db()
    assert user.state == User.State.AWAITING


def test_the_right_code_among_parallel_wrong_ones_activates_at_most_once():
    user, account = birth_date_user_with_account("parallel-mixed")
    invitation = InvitationFactory(user=user, code=CODE)
    identity = _identity(account.person)
    codes = [CODE, CODE, "11111111", "22222222", "33333333", CODE]

    results = run_parallel(_activate, [(invitation.pk, identity, code) for code in codes])

    invitation.refresh_from_db()
    assert invitation.code_failures <= 3
    activated = [r for r in results if isinstance(r, Invitation)]
    assert len(activated) <= 1
    if activated:
        assert invitation.state == Invitation.State.USED
        assert user.bound_means.filter(removed_at__isnull=True).count() == 1
    assert all(isinstance(r, Invitation | RuleError) for r in results), results
