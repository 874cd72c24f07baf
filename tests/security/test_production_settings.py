"""Production mode (MITID_ENV=production) turns on HTTPS-only cookies and HSTS, and
``manage.py check --deploy`` has nothing to warn about (issue 7). Run in subprocesses, since the
settings are read once per process."""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from tests.helpers import oidc_signing_key_pem

BASE = Path(__file__).resolve().parents[2]


def _env(**extra) -> dict:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "MITID_", "SECURE_", "DEBUG", "TASK_BACKEND"))
    }
    env.update(
        MITID_ENV="production",
        DJANGO_SETTINGS_MODULE="mitid_portal.settings",
        SECRET_KEY=secrets.token_urlsafe(50),
        CPR_ENCRYPTION_KEYS=Fernet.generate_key().decode(),
        PII_HASH_KEY=secrets.token_urlsafe(32),
        OIDC_RSA_PRIVATE_KEY=oidc_signing_key_pem(),
        ALLOWED_HOSTS="mitid.example.dk",
        PORTAL_BASE_URL="https://mitid.example.dk",
        **extra,
    )
    return env


def test_check_deploy_is_clean():
    # The simulators are the default outside world: production runs them only in sandboxes
    # (tests/security/test_production_safety.py).
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BASE,
        env=_env(SANDBOXES="on"),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def _settings(**extra) -> dict:
    code = (
        "import json, django; django.setup(); from django.conf import settings as s; "
        "print(json.dumps({k: getattr(s, k, None) for k in ("
        "'DEBUG', 'SESSION_COOKIE_SECURE', 'CSRF_COOKIE_SECURE', 'SECURE_HSTS_SECONDS', "
        "'SECURE_HSTS_INCLUDE_SUBDOMAINS', 'SECURE_SSL_REDIRECT', 'SESSION_COOKIE_HTTPONLY', "
        "'X_FRAME_OPTIONS', 'SECURE_CONTENT_TYPE_NOSNIFF', 'CONTENT_SECURITY_POLICY')}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=BASE,
        env=_env(**extra),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_production_cookies_are_secure_and_hsts_is_on():
    values = _settings()
    assert values["DEBUG"] is False
    assert values["SESSION_COOKIE_SECURE"] is True
    assert values["CSRF_COOKIE_SECURE"] is True
    assert values["SESSION_COOKIE_HTTPONLY"] is True
    assert values["SECURE_HSTS_SECONDS"] >= 60 * 60 * 24 * 180
    assert values["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert values["SECURE_SSL_REDIRECT"] is True
    assert values["X_FRAME_OPTIONS"] == "DENY"
    assert values["SECURE_CONTENT_TYPE_NOSNIFF"] is True
    assert "unsafe-inline" not in values["CONTENT_SECURITY_POLICY"]


@pytest.mark.parametrize(
    "missing", ["SECRET_KEY", "CPR_ENCRYPTION_KEYS", "PII_HASH_KEY", "OIDC_RSA_PRIVATE_KEY"]
)
def test_production_refuses_to_start_without_a_secret(missing):
    env = _env()
    env.pop(missing)
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=BASE,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert missing in result.stderr
