"""Two tries at once cannot both spend the last try of the activation code (PostgreSQL: the
row lock is real there; SQLite serialises whole transactions anyway)."""

import threading
import time

import pytest
from django.db import connection, connections

from activation.employee import services
from activation.models import Invitation
from mitid_portal.errors import RuleError
from mitid_portal.outside import Identity
from tests.employee.factories import InvitationFactory, birth_date_user_with_account

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

THREADS = 4


def test_concurrent_tries_cannot_both_spend_the_last_try(monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (DATABASE_URL=postgres://…)")
    user, account = birth_date_user_with_account("samtidig")
    invitation = InvitationFactory(user=user, code="48213907", code_failures=2)
    person = account.person
    identity = Identity(
        cpr=person.cpr,
        first_name=person.first_name,
        last_name=person.last_name,
        birth_date=person.birth_date,
    )

    compared = []
    real_match = services.crypto.hashes_match

    def slow_match(*args, **kwargs):
        compared.append(1)
        time.sleep(0.3)  # hold the row lock while the others arrive
        return real_match(*args, **kwargs)

    monkeypatch.setattr(services.crypto, "hashes_match", slow_match)
    barrier = threading.Barrier(THREADS)
    outcomes: list[str] = []

    def attempt(n: int) -> None:
        try:
            barrier.wait()
            services.employee_activate_private(
                invitation_id=invitation.pk, identity=identity, code=f"9999999{n}"
            )
            outcomes.append("activated")
        except RuleError as exc:
            outcomes.append(exc.code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(compared) == 1  # only one try was ever checked against the code
    assert sorted(outcomes) == ["locked"] * THREADS
    invitation.refresh_from_db()
    assert invitation.code_failures == 3
    assert invitation.state == Invitation.State.LIVE
