"""A suspended or closed user's sessions end at once (DESIGN.md "Administration": suspend ends the
user's sessions): on their next request they are logged out, whichever process serves it."""

from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from activation.employee.selectors import user_session_blocked


class EndBlockedSessionsMiddleware:
    """Placed after AuthenticationMiddleware. The check runs in ``process_view`` – after every
    middleware has prepared the request – so the message survives the logout (the message
    storage is set up by then and keeps it in a cookie)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = getattr(request, "user", None)
        if user is None or not user_session_blocked(user=user):
            return None
        logout(request)
        if hasattr(request, "_messages"):
            messages.error(
                request,
                _(
                    "Din bruger er spærret eller lukket, og du er logget af. Kontakt din "
                    "brugeradministrator."
                ),
            )
        return redirect("portal:home")
