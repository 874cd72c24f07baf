import pytest
from django.conf import settings
from django.core.cache import cache
from django.utils import translation

_DB_FIXTURES = {"db", "transactional_db", "live_server", "django_db_reset_sequences"}


@pytest.fixture(autouse=True)
def _clear_cache(request):
    """Rate-limit counters live in the shared cache (the database or Redis); every test that can
    reach it starts from zero."""
    uses_db = request.node.get_closest_marker("django_db") or _DB_FIXTURES & set(
        request.fixturenames
    )
    if uses_db:
        cache.clear()
    yield
    if uses_db:
        cache.clear()


@pytest.fixture(autouse=True)
def _default_language():
    """A request in English leaves English active in the test's thread (LocaleMiddleware does
    not switch back); every test starts and ends in the portal's default language, Danish."""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def mailbox_backend(settings):
    """Send through the simulated mailbox instead of pytest-django's locmem outbox."""
    settings.EMAIL_BACKEND = "simulators.mailbox.backend.MailboxBackend"


@pytest.fixture
def database_task_backend(settings):
    """Tasks wait in the database for `db_worker` instead of running immediately."""
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}
    }
