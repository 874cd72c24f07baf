"""A bound device is named by its serial number in the device registry instead of a foreign key
into the simulator's table: the serials are copied here, the foreign key goes in 0004."""

from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def copy_serials(apps, schema_editor):
    BoundMeans = apps.get_model("activation", "BoundMeans")
    Device = apps.get_model("sim_mitid", "Device")
    BoundMeans.objects.filter(device__isnull=False).update(
        device_serial=Subquery(Device.objects.filter(pk=OuterRef("device_id")).values("serial")[:1])
    )


def copy_devices_back(apps, schema_editor):
    BoundMeans = apps.get_model("activation", "BoundMeans")
    Device = apps.get_model("sim_mitid", "Device")
    BoundMeans.objects.exclude(device_serial="").update(
        device=Subquery(Device.objects.filter(serial=OuterRef("device_serial")).values("pk")[:1])
    )


class Migration(migrations.Migration):
    dependencies = [
        ("activation", "0002_code_failures_base"),
        ("sim_mitid", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="boundmeans",
            name="device_serial",
            field=models.CharField(
                blank=True, default="", max_length=32, verbose_name="serienummer"
            ),
        ),
        migrations.RunPython(copy_serials, copy_devices_back),
    ]
