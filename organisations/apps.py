from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from mitid_portal.registry import menu_item_register, user_roles_provider_register

ORG_ADMIN, USER_ADMIN, RIGHTS_ADMIN = "org_admin", "user_admin", "rights_admin"


class OrganisationsConfig(AppConfig):
    name = "organisations"

    def ready(self) -> None:
        # Who holds which role decides the side menu (organisations owns the roles).
        user_roles_provider_register("organisations.selectors.roles_of")
        # The side menu's items of the organisation; ``order`` places them among the other
        # apps' items (mitid_portal.context_processors).
        for url_name, label, order, roles in (
            ("organisations:setup", _("Opsætning"), 10, {ORG_ADMIN}),
            ("organisations:overview", _("Organisation"), 50, None),
            ("organisations:settings", _("Indstillinger"), 60, {ORG_ADMIN}),
            ("organisations:audit_log", _("Revisionslog"), 90, {ORG_ADMIN, USER_ADMIN}),
            ("organisations:roles", _("Roller"), 100, {ORG_ADMIN}),
            ("organisations:rights", _("Rettigheder"), 110, {RIGHTS_ADMIN, USER_ADMIN}),
            ("organisations:right_requests", _("Anmodninger"), 120, {RIGHTS_ADMIN}),
            ("organisations:powers", _("Fuldmagter"), 130, {ORG_ADMIN, RIGHTS_ADMIN}),
        ):
            menu_item_register(url_name=url_name, label=label, order=order, roles=roles)
