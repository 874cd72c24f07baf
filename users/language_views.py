"""The language switch (Dansk / English): Django's ``set_language`` (the cookie), and for a
logged-in user the choice saved on the user, so that emails and SMS follow it."""

from django.http import HttpRequest, HttpResponse
from django.views.i18n import set_language

from mitid_portal.locale import USER_LANGUAGE_SESSION_KEY
from users.models import Language
from users.services.preferences import user_language_set


def language_set(request: HttpRequest) -> HttpResponse:
    response = set_language(request)
    if request.method == "POST" and request.user.is_authenticated:
        language = request.POST.get("language", "")
        user_language_set(user=request.user, language=language)
        if language in Language.values:
            # The session outlives the language cookie (which ends with the browser).
            request.session[USER_LANGUAGE_SESSION_KEY] = language
    return response
