from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("users", "0006_bruger_id_has_key"),
    ]

    operations = [
        migrations.AddConstraint(
            model_name="user",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("state__in", ["imported", "awaiting", "active", "suspended", "closed"])
                ),
                name="user_state_known",
            ),
        ),
    ]
