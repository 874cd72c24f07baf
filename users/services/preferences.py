"""The user's own preferences: the language they read the portal, its emails and its SMS in."""

from users.models import Language, User


def user_language_set(*, user: User, language: str) -> None:
    """Save the language the user chose with the language switch (``User.language``): their
    emails and SMS are written in it from now on. An unknown language changes nothing."""
    if language not in Language.values or user.language == language:
        return
    User.objects.filter(pk=user.pk).update(language=language)
    user.language = language
