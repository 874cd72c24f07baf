"""The NemID import report as rows (ImportReportRow) instead of one JSON value on the run.

Existing reports are copied into rows, then the JSON field goes. On PostgreSQL the LIKE-pattern
twin of the unique ``username`` index goes too: the username is a random ``u-<uuid>`` that no
query searches by prefix, and every index costs the NemID import time.
"""

import django.db.models.deletion
from django.db import migrations, models

IMPORTED = "imported"  # users.report.IMPORTED, frozen here
BATCH = 5000


def reports_to_rows(apps, schema_editor):
    ImportRun = apps.get_model("users", "ImportRun")
    ImportReportRow = apps.get_model("users", "ImportReportRow")
    db = schema_editor.connection.alias
    runs = ImportRun._base_manager.using(db).values_list("pk", "report").order_by("pk")
    for run_id, report in runs.iterator(chunk_size=10):
        batch = []
        for rid, name, outcome, reason in report or ():
            batch.append(
                ImportReportRow(
                    run_id=run_id,
                    rid=rid[:20],
                    name=name[:201],
                    outcome=outcome,
                    reason=reason,
                    needs_attention=outcome != IMPORTED,
                )
            )
            if len(batch) >= BATCH:
                ImportReportRow._base_manager.using(db).bulk_create(batch)
                batch = []
        ImportReportRow._base_manager.using(db).bulk_create(batch)


def rows_to_reports(apps, schema_editor):
    ImportRun = apps.get_model("users", "ImportRun")
    ImportReportRow = apps.get_model("users", "ImportReportRow")
    db = schema_editor.connection.alias
    for run in ImportRun._base_manager.using(db).all():
        run.report = [
            list(row)
            for row in ImportReportRow._base_manager.using(db)
            .filter(run_id=run.pk)
            .order_by("pk")
            .values_list("rid", "name", "outcome", "reason")
        ]
        run.save(update_fields=["report"])


def username_pattern_index_drop(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = 'users_user' "
            "AND indexname LIKE 'users_user_username_%%_like'"
        )
        for (name,) in cursor.fetchall():
            cursor.execute(f'DROP INDEX IF EXISTS "{name}"')


def username_pattern_index_create(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE INDEX IF NOT EXISTS users_user_username_like "
            "ON users_user (username varchar_pattern_ops)"
        )


class Migration(migrations.Migration):
    dependencies = [
        ("users", "0010_user_language"),
    ]

    operations = [
        migrations.CreateModel(
            name="ImportReportRow",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("rid", models.CharField(blank=True, max_length=20)),
                ("name", models.CharField(blank=True, max_length=201)),
                ("outcome", models.CharField(max_length=10)),
                ("reason", models.CharField(blank=True, max_length=20)),
                ("needs_attention", models.BooleanField(default=False)),
                (
                    "run",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="report_rows",
                        to="users.importrun",
                    ),
                ),
            ],
            options={
                "ordering": ["run", "id"],
                "indexes": [
                    models.Index(fields=["run", "id"], name="import_report_row_run"),
                    models.Index(
                        condition=models.Q(("needs_attention", True)),
                        fields=["run", "id"],
                        name="import_report_row_attention",
                    ),
                ],
            },
        ),
        migrations.RunPython(reports_to_rows, rows_to_reports),
        migrations.RemoveField(
            model_name="importrun",
            name="report",
        ),
        migrations.RunPython(username_pattern_index_drop, username_pattern_index_create),
    ]
