from django.db import migrations


class Migration(migrations.Migration):
    """UserRight moves to organisations (organisations owns rights) and keeps its table
    "users_userright": only the migration state changes, no row moves. organisations'
    0008_userright_moves_here adds it to that app's state after this."""

    dependencies = [
        ("users", "0007_user_state_known"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="UserRight")],
            database_operations=[],
        ),
    ]
