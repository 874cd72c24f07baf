"""Settings for the test suite: the same module, in test mode (see mitid_portal.settings)."""

import os
from urllib.parse import urlsplit, urlunsplit

os.environ["MITID_ENV"] = "test"
os.environ.setdefault("TASK_BACKEND", "immediate")

# Under pytest-xdist (CI runs the suite with -n 2) each worker process gets a Redis database of
# its own (the given one + 1 + the worker's number), as pytest-django gives it a test database of
# its own: the workers' caches, rate limits and task queues never meet.
_worker = os.environ.get("PYTEST_XDIST_WORKER", "")
if _worker.startswith("gw") and os.environ.get("REDIS_URL"):
    _redis = urlsplit(os.environ["REDIS_URL"])
    _base = int(_redis.path.strip("/") or 0)
    _db = _base + 1 + int(_worker[2:])
    os.environ["REDIS_URL"] = urlunsplit(_redis._replace(path=f"/{_db}"))

from mitid_portal.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    # A file, not SQLite's shared in-memory database: the live server's threads then get
    # connections of their own that wait for each other (the busy timeout) as in production,
    # instead of failing at once with "database table is locked", so parallel requests are
    # really parallel (tests/security/test_limits_concurrency.py).
    # One file per test process, so that two test runs on one machine never share a database.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-{os.getpid()}.sqlite3")}  # noqa: F405
