from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.utils import translation

# The language a logged-in user chose earlier (``User.language``), put in the session at login.
USER_LANGUAGE_SESSION_KEY = "user_language"


class DanishFirstLocaleMiddleware(LocaleMiddleware):
    """Danish unless the person chose English: with the language switch on this browser (the
    cookie), or earlier as a logged-in user (the session, from login); the browser's
    Accept-Language does not decide, as on Danish public self-services."""

    def process_request(self, request):
        languages = dict(settings.LANGUAGES)
        language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if language not in languages and hasattr(request, "session"):
            language = request.session.get(USER_LANGUAGE_SESSION_KEY)
        if language not in languages:
            language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
