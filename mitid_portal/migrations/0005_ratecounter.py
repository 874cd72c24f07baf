from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("mitid_portal", "0004_sandbox"),
    ]

    operations = [
        migrations.CreateModel(
            name="RateCounter",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("key", models.CharField(max_length=250, unique=True)),
                ("count", models.PositiveIntegerField(default=0)),
                ("window_ends_at", models.DateTimeField(db_index=True)),
            ],
        ),
    ]
