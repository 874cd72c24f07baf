"""*Revisionslog*'s order, newest first with the id as the tie-break, read from one index:
``(organisation_id, created_at DESC, id DESC)`` on the audit log's table (which keeps the name it
had when the model lived here, ``organisations_auditevent``). The model now lives in the kernel
(``mitid_portal.AuditEvent``), whose index ``(organisation, -created_at)`` leaves the id to a sort
of each run of equal times; a bulk act writes thousands of events in the same instant.

Plain SQL that SQLite and PostgreSQL both read; the model state does not change (the index is the
list's, not the model's), so ``makemigrations`` has nothing to add."""

from django.db import migrations

INDEX = "organisations_auditevent_org_time_id"


class Migration(migrations.Migration):
    dependencies = [
        ("organisations", "0009_sandbox"),
        ("mitid_portal", "0006_audit_broker_idm"),
    ]

    operations = [
        migrations.RunSQL(
            sql=(
                f"CREATE INDEX {INDEX} ON organisations_auditevent "
                "(organisation_id, created_at DESC, id DESC)"
            ),
            reverse_sql=f"DROP INDEX {INDEX}",
        ),
    ]
