"""``rotate_cpr_keys``: re-encrypt every encrypted value under the first of CPR_ENCRYPTION_KEYS.

Key rotation (settings.py): put the new key first in CPR_ENCRYPTION_KEYS and keep the old ones,
run this command, then remove the old keys. Every ``EncryptedTextField`` of every installed model
is found through the app registry, so a new encrypted field needs no change here. All rows are
rewritten in one transaction, in chunks of ``--chunk`` rows: a value that no configured key can
decrypt stops the command and changes nothing.
"""

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError
from django.db import models, transaction

from mitid_portal.fields import EncryptedTextField


def encrypted_fields() -> list[tuple[type[models.Model], list[str]]]:
    """Every concrete model with encrypted fields, and the names of those fields."""
    found = []
    for model in apps.get_models():
        names = [
            field.name
            for field in model._meta.concrete_fields
            if isinstance(field, EncryptedTextField)
        ]
        if names and not model._meta.proxy:
            found.append((model, names))
    return found


def _model_rotate(model: type[models.Model], names: list[str], *, chunk: int) -> int:
    manager = model._base_manager
    rotated = 0
    last_pk = None
    while True:
        rows = manager.order_by("pk")
        if last_pk is not None:
            rows = rows.filter(pk__gt=last_pk)
        # Reading decrypts with any configured key; writing encrypts with the first.
        values = list(rows.values_list("pk", *names)[:chunk])
        if not values:
            return rotated
        objects = [model(pk=row[0], **dict(zip(names, row[1:], strict=True))) for row in values]
        manager.bulk_update(objects, names, batch_size=chunk)
        rotated += len(objects)
        last_pk = values[-1][0]


class Command(BaseCommand):
    help = "Re-encrypt every encrypted value (CPR numbers, secrets) with the first key of CPR_ENCRYPTION_KEYS."

    def add_arguments(self, parser):
        parser.add_argument("--chunk", type=int, default=1000, help="Rows per read and write.")

    def handle(self, *args, chunk: int, **options):
        if chunk < 1:
            raise CommandError("--chunk must be 1 or more")
        try:
            with transaction.atomic():
                for model, names in encrypted_fields():
                    count = _model_rotate(model, names, chunk=chunk)
                    self.stdout.write(f"{model._meta.label}: {count} rækker ({', '.join(names)})")
        except ValueError as exc:  # crypto.decrypt: no configured key fits a value
            raise CommandError(f"{exc}; nothing was changed") from exc
        self.stdout.write("Alle krypterede værdier er krypteret med den første nøgle.")
