"""The portal's own session table (``users.sessions``: Django's database session with the signed-in
user's id in an indexed column), so that suspending or closing a user ends their sessions with one
DELETE by that column.

The sessions live when the migration runs move over from Django's table with their user found in
their data, so their users stay signed in; only the moved ones are deleted there (a session an
old process writes meanwhile is not lost by a DELETE of the whole table, and is not moved either:
its user signs in again). Its data is readable as it is: both stores are named ``SessionStore``,
which is the signing salt."""

from django.contrib.sessions.backends.db import SessionStore
from django.db import migrations, models
from django.utils import timezone

BATCH = 1000


def _user_id(session_data: str) -> int | None:
    try:
        return int(SessionStore().decode(session_data)["_auth_user_id"])
    except (KeyError, TypeError, ValueError):
        return None


def _moved(source, target, batch: list) -> None:
    target.objects.bulk_create(batch, ignore_conflicts=True)
    source.objects.filter(session_key__in=[row.session_key for row in batch]).delete()


def _move(source, target, *, with_user: bool) -> None:
    batch = []
    live = source.objects.filter(expire_date__gt=timezone.now())
    for session in list(live.iterator(chunk_size=BATCH)):
        row = target(
            session_key=session.session_key,
            session_data=session.session_data,
            expire_date=session.expire_date,
        )
        if with_user:
            row.user_id = _user_id(session.session_data)
        batch.append(row)
        if len(batch) == BATCH:
            _moved(source, target, batch)
            batch = []
    _moved(source, target, batch)
    # What is left is expired (nothing would clear it any more) or written after the read above.
    source.objects.filter(expire_date__lte=timezone.now()).delete()


def forwards(apps, schema_editor):
    _move(
        apps.get_model("sessions", "Session"),
        apps.get_model("users", "UserSession"),
        with_user=True,
    )


def backwards(apps, schema_editor):
    _move(
        apps.get_model("users", "UserSession"),
        apps.get_model("sessions", "Session"),
        with_user=False,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("sessions", "0001_initial"),
        ("users", "0013_list_search"),
    ]

    operations = [
        migrations.CreateModel(
            name="UserSession",
            fields=[
                (
                    "session_key",
                    models.CharField(
                        max_length=40, primary_key=True, serialize=False, verbose_name="session key"
                    ),
                ),
                ("session_data", models.TextField(verbose_name="session data")),
                ("expire_date", models.DateTimeField(db_index=True, verbose_name="expire date")),
                ("user_id", models.BigIntegerField(db_index=True, null=True)),
            ],
            options={
                "verbose_name": "session",
                "verbose_name_plural": "sessions",
                "db_table": "users_session",
                "abstract": False,
            },
        ),
        migrations.RunPython(forwards, backwards, elidable=True),
    ]
