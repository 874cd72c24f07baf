"""CPR encryption at rest with key rotation, and keyed hashes."""

import pytest
from cryptography.fernet import Fernet
from django.db import connection

from mitid_portal import crypto
from simulators.registers.models import Person
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


def test_cpr_is_stored_encrypted_and_read_back_in_clear():
    person = PersonFactory(cpr="0101901234")
    with connection.cursor() as cursor:
        cursor.execute("SELECT cpr FROM sim_registers_person WHERE id = %s", [person.pk])
        stored = cursor.fetchone()[0]
    assert "0101901234" not in stored
    assert Person.objects.get(pk=person.pk).cpr == "0101901234"


def test_old_rows_stay_readable_after_a_new_key_is_put_first(settings):
    person = PersonFactory(cpr="0202801234")
    settings.CPR_ENCRYPTION_KEYS = [Fernet.generate_key().decode(), *settings.CPR_ENCRYPTION_KEYS]
    assert Person.objects.get(pk=person.pk).cpr == "0202801234"


def test_a_removed_key_makes_reading_fail_loudly(settings):
    person = PersonFactory(cpr="0303701234")
    settings.CPR_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    with pytest.raises(ValueError, match="no configured key"):
        Person.objects.get(pk=person.pk)


def test_keyed_hash_depends_on_purpose_and_key(settings):
    a = crypto.keyed_hash("12345678", purpose="code")
    assert a == crypto.keyed_hash("12345678", purpose="code")
    assert a != crypto.keyed_hash("12345678", purpose="token")
    assert crypto.hashes_match("12345678", a, purpose="code")
    settings.PII_HASH_KEY = "another-key-of-at-least-thirty-two-characters"
    assert a != crypto.keyed_hash("12345678", purpose="code")


def test_random_secrets_have_the_promised_size():
    assert len(crypto.random_digits(8)) == 8 and crypto.random_digits(8).isdigit()
    assert len(crypto.random_token()) >= 43  # 256 bits in URL-safe base64
