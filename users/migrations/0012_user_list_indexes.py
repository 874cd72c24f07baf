"""Indexes that serve the sort orders of *Brugere* (users.selectors.USER_SORTS): by name, email
and last login within the organisation, each with the id as the tie-break, so that a page of
200,000 users reads only its rows (the status order uses the existing
(organisation, state, last_name, first_name) index, the RID order (organisation, rid))."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("users", "0011_import_report_rows"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="user",
            index=models.Index(
                fields=["organisation", "last_name", "first_name", "id"], name="user_org_name"
            ),
        ),
        migrations.AddIndex(
            model_name="user",
            index=models.Index(fields=["organisation", "email", "id"], name="user_org_email"),
        ),
        migrations.AddIndex(
            model_name="user",
            index=models.Index(
                fields=["organisation", "last_login", "id"], name="user_org_last_login"
            ),
        ),
    ]
