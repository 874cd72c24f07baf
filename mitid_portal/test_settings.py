"""Settings for the test suite: the same module, in test mode (see mitid_portal.settings)."""

import os

os.environ["MITID_ENV"] = "test"
os.environ.setdefault("TASK_BACKEND", "immediate")

from mitid_portal.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
