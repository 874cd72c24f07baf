"""Big organisations for browser tests, built in seconds: users and their live invitations are
written with ``mitid_portal.bulk.BulkInserter`` (multi-row INSERT … RETURNING for the users, then
one ``executemany`` / ``COPY`` for the invitations), not through factories or the services.

Every user built here awaits activation: state *awaiting*, means ``["app"]`` and one live
invitation that expires in 30 days (what *Afventer aktivering* lists). No emails are queued and
no audit events written: the world is the starting point of a test, not something it tests.
"""

import datetime
import time
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.utils import timezone

from activation.models import Invitation
from mitid_portal.bulk import BulkInserter
from organisations.models import Organisation
from users.models import User, new_username

# No first name, surname or email below contains another list's name, so a search on one surname
# matches exactly the users given it.
FIRST = ["Anne", "Bo", "Camilla", "Dorte", "Erik", "Frederik", "Gitte", "Hans", "Ida", "Jens"]
LAST = ["Andersen", "Berg", "Christensen", "Dahl", "Eriksen", "Fisker", "Gram", "Holm", "Iversen"]


@dataclass
class BigWorld:
    organisation: Organisation
    user_ids: list[int]
    matching_ids: list[int] = field(default_factory=list)  # the users given ``surname``
    seconds: float = 0.0  # how long the build took


def pending_users_build(
    organisation: Organisation,
    *,
    total: int,
    surname: str,
    every: int,
    email_domain: str = "big.example.dk",
) -> BigWorld:
    """``total`` users of ``organisation`` awaiting activation with a live invitation each; every
    ``every``-th of them (0, every, 2·every, …) has the surname ``surname`` (which must not be a
    part of any name in ``LAST`` or ``FIRST``), the others surnames from ``LAST``."""
    assert not any(surname.lower() in name.lower() for name in FIRST + LAST)
    started = time.perf_counter()
    now = timezone.now()
    users = BulkInserter(
        User,
        template=User(
            organisation=organisation,
            state=User.State.AWAITING,
            means=["app"],
            password="!",
            date_joined=now,
        ),
        varying=["username", "first_name", "last_name", "email", "rid"],
    )
    rows = [
        (
            new_username(),
            FIRST[i % len(FIRST)],
            surname if i % every == 0 else LAST[(i // len(FIRST)) % len(LAST)],
            f"p{i}.{organisation.cvr}@{email_domain}",
            str(300000 + i),
        )
        for i in range(total)
    ]
    invitations = BulkInserter(
        Invitation,
        template=Invitation(
            organisation=organisation,
            means=["app"],
            state=Invitation.State.LIVE,
            created_by_name="Testdata",
            created_at=now,
            expires_at=now + datetime.timedelta(days=30),
        ),
        varying=["user_id", "token_hash"],
    )
    with transaction.atomic():
        ids = users.insert_returning(rows, batch_size=500)
        invitations.insert((pk, f"bigworld-{organisation.pk}-{pk}") for pk in ids)
    with connection.cursor() as cursor:
        # Fresh planner statistics of the two tables, as after a real import.
        for model in (User, Invitation):
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
    return BigWorld(
        organisation=organisation,
        user_ids=ids,
        matching_ids=[pk for i, pk in enumerate(ids) if i % every == 0],
        seconds=time.perf_counter() - started,
    )
