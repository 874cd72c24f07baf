import datetime

from django.apps import AppConfig
from django.contrib.auth.signals import user_logged_in
from django.utils.translation import gettext_lazy as _

from mitid_portal.locale import USER_LANGUAGE_SESSION_KEY
from mitid_portal.registry import menu_item_register, periodic_job_register

ADMINISTRATORS = {"org_admin", "user_admin"}


class UsersConfig(AppConfig):
    name = "users"

    def ready(self) -> None:
        # The portal speaks the language the user chose before, also on a new browser.
        user_logged_in.connect(user_language_remember, dispatch_uid="users.language_remember")
        # Expired sessions are deleted daily (Django leaves that to ``clearsessions``).
        periodic_job_register(
            name="sessions_clear",
            task="users.tasks.sessions_clear_task",
            interval=datetime.timedelta(days=1),
        )
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


def user_language_remember(sender, request, user, **kwargs) -> None:
    """At login: the user's language (``User.language``) for this session, unless the browser's
    own choice (the language switch's cookie) says otherwise."""
    language = getattr(user, "language", "")
    if request is not None and hasattr(request, "session") and language:
        request.session[USER_LANGUAGE_SESSION_KEY] = language
