import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models



def _content_type_follows(apps, schema_editor, *, source, target):
    """The model's content type (admin log entries, permissions) moves with it, unless the target
    already has one."""
    content_types = apps.get_model("contenttypes", "ContentType").objects.using(
        schema_editor.connection.alias
    )
    if not content_types.filter(app_label=target, model="userright").exists():
        content_types.filter(app_label=source, model="userright").update(app_label=target)


def forwards(apps, schema_editor):
    _content_type_follows(apps, schema_editor, source="users", target="organisations")


def backwards(apps, schema_editor):
    _content_type_follows(apps, schema_editor, source="organisations", target="users")


class Migration(migrations.Migration):
    """UserRight moves here from users and keeps its table "users_userright": only the
    migration state changes, no row moves."""

    dependencies = [
        ("organisations", "0007_auditevent_moves_to_kernel"),
        ("users", "0008_userright_moves_to_organisations"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="UserRight",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "from_rid",
                            models.CharField(blank=True, max_length=20, verbose_name="fra RID"),
                        ),
                        ("granted_by_name", models.CharField(blank=True, max_length=200)),
                        ("granted_at", models.DateTimeField(auto_now_add=True)),
                        (
                            "service",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to="organisations.publicservice",
                            ),
                        ),
                        (
                            "user",
                            models.ForeignKey(
                                db_index=False,
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="rights",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "db_table": "users_userright",
                        "constraints": [
                            models.UniqueConstraint(fields=("user", "service"), name="right_once")
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(forwards, backwards),
    ]
