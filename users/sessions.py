"""The portal's session engine (``settings.SESSION_ENGINE = "users.sessions"``): Django's database
sessions with the id of the user signed in to each session in an indexed column of its own, so that
suspending or closing a user ends their sessions with one DELETE by that column
(``users.services.lifecycle.user_sessions_end``) instead of decoding every live session.

Django's "Extending database-backed session engines": the model and the store live in one module
(each names the other); ``users.models`` imports the model so the app registry and the migrations
see it. ``manage.py clearsessions`` works through ``get_model_class``; the task workers run the same
every day (``users.tasks.sessions_clear_task``), so a server with thousands of employees logging
in does not keep every session it ever had.
"""

from django.contrib import auth
from django.contrib.sessions.backends.db import SessionStore as DBStore
from django.contrib.sessions.base_session import AbstractBaseSession
from django.db import models
from django.utils import timezone


class UserSession(AbstractBaseSession):
    """A database session and the user signed in to it (none while anonymous)."""

    # Not a foreign key: a session is saved at the end of a request whatever became of its user
    # meanwhile, and a failed insert would make the store retry a new key for ever.
    user_id = models.BigIntegerField(null=True, db_index=True)

    class Meta(AbstractBaseSession.Meta):
        db_table = "users_session"

    @classmethod
    def get_session_store_class(cls) -> type["SessionStore"]:
        return SessionStore


def session_user_id(data: dict) -> int | None:
    """The id of the user signed in to a session with ``data`` (Django's login keeps it as text
    under ``auth.SESSION_KEY``); None for an anonymous or unreadable one."""
    try:
        return int(data[auth.SESSION_KEY])
    except (KeyError, TypeError, ValueError):
        return None


def sessions_expired_delete() -> int:
    """Delete every session past its expiry date, as ``manage.py clearsessions`` does; returns how
    many. One DELETE by the indexed ``expire_date``."""
    deleted, _ = UserSession.objects.filter(expire_date__lt=timezone.now()).delete()
    return deleted


class SessionStore(DBStore):
    """Every save writes the user id beside the data: the login's (Django's ``login`` sets the
    user after ``cycle_key`` and the response saves the session), a logout's (``flush``: a new,
    anonymous session) and a change of user (``login`` flushes the other user's session first)."""

    @classmethod
    def get_model_class(cls) -> type[UserSession]:
        return UserSession

    def create_model_instance(self, data: dict) -> UserSession:
        session = super().create_model_instance(data)
        assert isinstance(session, UserSession)  # the model of get_model_class
        session.user_id = session_user_id(data)
        return session

    async def acreate_model_instance(self, data: dict) -> UserSession:
        session = await super().acreate_model_instance(data)
        assert isinstance(session, UserSession)  # the model of get_model_class
        session.user_id = session_user_id(data)
        return session
