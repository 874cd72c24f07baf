"""The foreign key into the simulator's device table goes; "a device is bound once per user"
now holds on the serial number."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("activation", "0003_boundmeans_device_serial"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="boundmeans",
            name="device_bound_once_per_user",
        ),
        migrations.RemoveField(
            model_name="boundmeans",
            name="device",
        ),
        migrations.AddConstraint(
            model_name="boundmeans",
            constraint=models.UniqueConstraint(
                condition=models.Q(
                    ("removed_at__isnull", True), models.Q(("device_serial", ""), _negated=True)
                ),
                fields=("user", "device_serial"),
                name="device_bound_once_per_user",
            ),
        ),
    ]
