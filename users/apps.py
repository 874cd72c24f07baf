from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from mitid_portal.registry import menu_item_register

ADMINISTRATORS = {"org_admin", "user_admin"}


class UsersConfig(AppConfig):
    name = "users"

    def ready(self) -> None:
        # G4.7: *Importerede brugere* disappears when every imported user is activated.
        menu_item_register(
            url_name="users:imported",
            label=_("Importerede brugere"),
            order=20,
            roles=ADMINISTRATORS,
            condition="users.selectors.organisation_has_imported_users",
        )
        menu_item_register(
            url_name="users:list", label=_("Brugere"), order=30, roles=ADMINISTRATORS
        )
