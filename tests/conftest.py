import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _clear_cache():
    """Rate-limit counters live in the shared cache; every test starts from zero."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def mailbox_backend(settings):
    """Send through the simulated mailbox instead of pytest-django's locmem outbox."""
    settings.EMAIL_BACKEND = "simulators.mailbox.backend.MailboxBackend"
