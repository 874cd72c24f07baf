import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    """UserRight moves here from users and keeps its table "users_userright": only the
    migration state changes, no row moves."""

    dependencies = [
        ("organisations", "0007_auditevent_moves_to_kernel"),
        ("users", "0008_userright_moves_to_organisations"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
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
    ]
