"""The users-by-name index holds the state too (issue 14, a search that finds thousands): such a
search's page is read walking this index and checked on its entries alone – the names, the id
and the state – without reading a table row for each user that does not match
(``users.selectors.users_searched``, ``walked_in``). It replaces ``user_org_name``, which served
the name order without the state.

On PostgreSQL the index is built and the old one dropped ``CONCURRENTLY`` (outside a
transaction), so that a large users table stays writable – logins, imports – while it builds."""

from django.db import migrations, models

NEW = models.Index(
    fields=["organisation", "last_name", "first_name", "id", "state"], name="user_org_name_state"
)
OLD = models.Index(fields=["organisation", "last_name", "first_name", "id"], name="user_org_name")


def _swap(schema_editor, model, add: models.Index, remove: models.Index) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.add_index(model, add, concurrently=True)
        schema_editor.remove_index(model, remove, concurrently=True)
    else:
        schema_editor.add_index(model, add)
        schema_editor.remove_index(model, remove)


def forwards(apps, schema_editor):
    _swap(schema_editor, apps.get_model("users", "User"), NEW, OLD)


def backwards(apps, schema_editor):
    _swap(schema_editor, apps.get_model("users", "User"), OLD, NEW)


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("organisations", "0010_list_indexes"),
        ("users", "0014_session"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AddIndex(model_name="user", index=NEW),
                migrations.RemoveIndex(model_name="user", name="user_org_name"),
            ],
            database_operations=[migrations.RunPython(forwards, backwards, elidable=False)],
        ),
    ]
