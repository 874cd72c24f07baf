"""The users-by-name index holds the state too (issue 14, a search that finds thousands): such a
search's page is read walking this index and checked on its entries alone – the names, the id
and the state – without reading a table row for each user that does not match
(``users.selectors.users_searched``, ``walked_in``). It replaces ``user_org_name``, which served
the name order without the state."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("organisations", "0010_list_indexes"),
        ("users", "0014_session"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="user",
            index=models.Index(
                fields=["organisation", "last_name", "first_name", "id", "state"],
                name="user_org_name_state",
            ),
        ),
        migrations.RemoveIndex(model_name="user", name="user_org_name"),
    ]
