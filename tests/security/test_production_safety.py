"""Production is safe by construction (issue 12): with a simulated outside world, production runs
only with sandboxes (``manage.py check``, and so ``check --deploy``, ``migrate`` and
``runserver``, fail otherwise), and the simulated world's pages of an exercise exist only for a
browser that holds that exercise's cookie.

The commands and the pages run in child processes with real production settings, since the
settings are read once per process."""

import json
import secrets
import subprocess
import sys

import pytest
from cryptography.fernet import Fernet

from bench._common import ROOT
from mitid_portal.checks import production_simulators_check
from tests.helpers import oidc_signing_key_pem
from tests.scaleout import live

HOST = "mitid.example.dk"


def _production(**extra: str) -> dict[str, str]:
    return {
        "MITID_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "CPR_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "PII_HASH_KEY": secrets.token_urlsafe(32),
        "OIDC_RSA_PRIVATE_KEY": oidc_signing_key_pem(),
        "ALLOWED_HOSTS": HOST,
        "PORTAL_BASE_URL": f"https://{HOST}",
        "DEBUG": "false",
        "SANDBOXES": "off",
        **extra,
    }


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=live.env_for("sqlite:////tmp/mitid-check-unused.sqlite3", **env),
        capture_output=True,
        text=True,
        timeout=live.TIMEOUT,
    )


# --- The system check ---------------------------------------------------------------------------


@pytest.mark.parametrize("command", [["check", "--deploy"], ["check"]])
def test_production_with_simulators_and_without_sandboxes_refuses_to_start(command):
    result = _manage(*command, **_production())
    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    assert "mitid_portal.E001" in output
    assert "without sandboxes" in output
    assert "MITID_BROKER" in output and "SMS_GATEWAY" in output and "EMAIL_URL" in output
    assert "SANDBOXES=on" in output


@pytest.mark.parametrize("sandboxes", ["off", "on"])
def test_the_wsgi_application_refuses_to_load_without_sandboxes(sandboxes):
    """gunicorn runs no system checks: loading the WSGI application runs this one."""
    result = subprocess.run(
        [sys.executable, "-c", "import mitid_portal.wsgi"],
        cwd=ROOT,
        env=live.env_for(
            "sqlite:////tmp/mitid-check-unused.sqlite3", **_production(SANDBOXES=sandboxes)
        ),
        capture_output=True,
        text=True,
        timeout=live.TIMEOUT,
    )
    if sandboxes == "off":
        assert result.returncode != 0
        assert "ImproperlyConfigured" in result.stderr and "without sandboxes" in result.stderr
    else:
        assert result.returncode == 0, result.stderr


def test_production_with_sandboxes_passes_check_deploy():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", **_production(SANDBOXES="on"))
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_check_names_only_the_simulated_parts(settings):
    settings.PRODUCTION = True
    settings.SANDBOXES = False
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.OUTSIDE_WORLD = {
        **settings.OUTSIDE_WORLD,
        "mitid": "example.broker.RealBroker",
        "cpr": "example.registers.Cpr",
    }
    (error,) = production_simulators_check()
    assert error.id == "mitid_portal.E001" and error.is_serious()
    assert "SMS_GATEWAY" in error.msg and "NEMID_SOURCE" in error.msg
    assert "MITID_BROKER" not in error.msg and "CPR_REGISTER" not in error.msg
    assert "EMAIL_URL" not in error.msg


def test_the_check_is_quiet_with_real_parts_sandboxes_or_outside_production(settings):
    settings.PRODUCTION = True
    settings.SANDBOXES = False
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.OUTSIDE_WORLD = {name: f"example.real.{name}" for name in settings.OUTSIDE_WORLD}
    assert production_simulators_check() == []
    settings.OUTSIDE_WORLD = {name: f"simulators.{name}.Sim" for name in settings.OUTSIDE_WORLD}
    settings.SANDBOXES = True
    assert production_simulators_check() == []
    settings.SANDBOXES = False
    settings.PRODUCTION = False
    assert production_simulators_check() == []


# --- The simulated world's pages in production ------------------------------------------------

# Run in the child: a browser without an exercise, one with a forged or foreign cookie, and one
# that started an exercise. The collected static files' manifest is not built here, so the
# templates' {% static %} uses the plain storage; everything else is production's.
PAGES = """
import json
import django
django.setup()
from django.conf import settings
from django.core.signing import get_cookie_signer
from django.test import Client, override_settings
from mitid_portal.sandbox_middleware import COOKIE_SALT

PLAIN = {**settings.STORAGES, "staticfiles": {
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
PAGES = ["/simulator/postkasse/", "/simulator/mitid/", "/simulator/sms/",
         "/simulator/registre/cpr/", "/saerskilt-mitid/app/MITID-0001/"]
name = settings.SANDBOX_COOKIE_NAME
out = {}
with override_settings(STORAGES=PLAIN):
    def client(cookie=None):
        c = Client(HTTP_HOST=settings.ALLOWED_HOSTS[0], HTTP_X_FORWARDED_PROTO="https")
        if cookie is not None:
            c.cookies[name] = cookie
        return c
    anonymous = client()
    out["anonymous"] = {p: anonymous.get(p).status_code for p in PAGES}
    out["anonymous_home"] = anonymous.get("/")["Location"]
    forged = client("2:9999999999")
    out["forged"] = {p: forged.get(p).status_code for p in PAGES}
    signer = get_cookie_signer(salt=name + COOKIE_SALT)
    default = client(signer.sign("1:9999999999"))
    out["default"] = {p: default.get(p).status_code for p in PAGES}
    trainee = client()
    started = trainee.post("/oevelse/", {"name": "Produktion"})
    out["started"] = [started.status_code, started.get("Location"), name in trainee.cookies]
    if started.status_code != 302:
        print(started.content.decode()[-3000:])
    out["trainee"] = {p: trainee.get(p).status_code for p in PAGES[:4]}
    out["secure_cookie"] = bool(trainee.cookies[name]["secure"]) if name in trainee.cookies else None
print(json.dumps(out))
"""


@pytest.fixture(scope="module")
def database():
    with live.scratch_database() as url:
        yield url


def test_in_production_the_simulators_are_404_without_the_exercise_and_open_with_it(database):
    result = subprocess.run(
        [sys.executable, "-c", PAGES],
        cwd=ROOT,
        env=live.env_for(database, **_production(SANDBOXES="on")),
        capture_output=True,
        text=True,
        timeout=live.TIMEOUT,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    out = json.loads(result.stdout.strip().splitlines()[-1])
    for visitor in ("anonymous", "forged", "default"):
        assert set(out[visitor].values()) == {404}, (visitor, out[visitor])
    assert out["anonymous_home"] == "/oevelse/"
    assert out["started"] == [302, "/", True]
    assert set(out["trainee"].values()) == {200}, out["trainee"]
    assert out["secure_cookie"] is True


@pytest.mark.django_db
def test_production_with_a_real_outside_world_has_no_simulator_pages(client, settings):
    """Without exercises production runs only with real implementations (the check above); the
    simulators' pages are then 404 for everyone, though their URLs stay mounted."""
    settings.PRODUCTION = True
    settings.SANDBOXES = False
    for path in ("/simulator/", "/simulator/postkasse/", "/saerskilt-mitid/app/12345678/"):
        assert client.get(path).status_code == 404, path
    settings.PRODUCTION = False
    assert client.get("/simulator/postkasse/").status_code == 200
