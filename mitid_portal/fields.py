"""Model fields for personal data kept encrypted at rest."""

from django.db import models

from mitid_portal import crypto


class EncryptedTextField(models.TextField):
    """Stores Fernet ciphertext; Python code sees the plaintext. Not searchable: pair it with a
    keyed-hash field (see ``crypto.cpr_hash``) for lookups."""

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return value
        return crypto.decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return crypto.encrypt(value)
