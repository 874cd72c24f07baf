"""The language switch (Dansk / English): Django's ``set_language`` (the cookie), and for a
logged-in user the choice saved on the user, so that emails and SMS follow it."""

from django.http import HttpRequest, HttpResponse
from django.views.i18n import set_language

from users.services.preferences import user_language_set


def language_set(request: HttpRequest) -> HttpResponse:
    response = set_language(request)
    if request.method == "POST" and request.user.is_authenticated:
        user_language_set(user=request.user, language=request.POST.get("language", ""))
    return response
