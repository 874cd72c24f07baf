"""``manage.py rotate_cpr_keys``: every encrypted value of every model re-encrypted under the
first key, in one transaction."""

from io import StringIO

import pytest
from cryptography.fernet import Fernet
from django.core.management import CommandError, call_command
from django.db import connection

from mitid_portal.management.commands.rotate_cpr_keys import encrypted_fields
from tests.factories import DeviceFactory, PersonFactory, UserFactory

pytestmark = pytest.mark.django_db

NEW_KEY = Fernet.generate_key().decode()


def _raw(model, field: str, pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {model._meta.get_field(field).column} FROM {model._meta.db_table} "
            "WHERE id = %s",
            [pk],
        )
        return cursor.fetchone()[0]


def test_it_finds_every_encrypted_field_through_the_app_registry():
    found = {model._meta.label: names for model, names in encrypted_fields()}
    assert found["users.User"] == ["cpr"]
    assert found["organisations.ConnectionRequest"] == ["requester_cpr", "admin_cpr"]
    assert found["sim_registers.Person"] == ["cpr"]
    assert found["sim_mitid.Device"] == ["totp_secret"]


def test_every_value_is_re_encrypted_with_the_first_key(settings):
    old_keys = list(settings.CPR_ENCRYPTION_KEYS)
    users = [UserFactory() for _ in range(5)]
    blank = UserFactory(cpr="")
    person = PersonFactory()
    device = DeviceFactory(kind="kodeviser")
    secret = device.totp_secret
    settings.CPR_ENCRYPTION_KEYS = [NEW_KEY, *old_keys]

    out = StringIO()
    call_command("rotate_cpr_keys", "--chunk", "2", stdout=out)

    new_only = Fernet(NEW_KEY.encode())
    for user in users:
        assert new_only.decrypt(_raw(type(user), "cpr", user.pk).encode()).decode() == user.cpr
    assert _raw(type(blank), "cpr", blank.pk) == ""
    assert new_only.decrypt(_raw(type(person), "cpr", person.pk).encode()).decode() == person.cpr
    assert (
        new_only.decrypt(_raw(type(device), "totp_secret", device.pk).encode()).decode() == secret
    )
    # The old keys can go now.
    settings.CPR_ENCRYPTION_KEYS = [NEW_KEY]
    assert type(users[0]).objects.get(pk=users[0].pk).cpr == users[0].cpr
    assert "users.User: 6 rækker (cpr)" in out.getvalue()


def test_a_value_no_key_fits_stops_it_and_changes_nothing(settings):
    first, second = UserFactory(), UserFactory()
    before = _raw(type(first), "cpr", first.pk)
    settings.CPR_ENCRYPTION_KEYS = [NEW_KEY, *settings.CPR_ENCRYPTION_KEYS]
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {type(second)._meta.db_table} SET cpr = %s WHERE id = %s",
            [Fernet(Fernet.generate_key()).encrypt(b"0101011234").decode(), second.pk],
        )
    with pytest.raises(CommandError):
        call_command("rotate_cpr_keys", stdout=StringIO())
    assert _raw(type(first), "cpr", first.pk) == before
