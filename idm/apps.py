from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from mitid_portal.registry import api_path_register, menu_item_register


class IdmConfig(AppConfig):
    name = "idm"
    verbose_name = "IdM-API (SCIM 2.0)"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # A local IdM calls /scim/ with a bearer token, never with an exercise cookie: the token
        # names the exercise (mitid_portal.sandbox_middleware).
        api_path_register(prefix="/scim/", resolver="idm.auth.sandbox_of_bearer")
        menu_item_register(
            url_name="idm:clients", label=_("IdM-klienter"), order=105, roles={"org_admin"}
        )
