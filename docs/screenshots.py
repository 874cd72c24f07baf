"""``make screenshots``: the pictures of *Hjælp* (static/help/<da|en>/<section>.webp), taken from the
portal's real pages so that they never go stale.

Starts the portal (``runserver --insecure``) on a scratch SQLite database with the demo world
(``seed_demo``), and walks the guide's sections as its people would in Debian's Chromium
(Playwright), once in Danish and once in English (the language switch's cookie), at desktop width
(1280 px): the owner's NemID clean-up, connecting the organisation, the set-up, the import, the
activation of the imported users, the employee's activation link, logging in, and the roles. The
steps between the pictures (connecting, importing, starting an activation) are made through the
portal's own services in this process, on the same database, as the tests do. Each picture is the
page's main content, at most 900 px high, encoded as WebP by Chromium itself (no image library).

    .venv/bin/python docs/screenshots.py [--only SECTION] [--lang da|en]
"""

import argparse
import base64
import contextlib
import io
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench._common import child_env, free_port  # noqa: E402 (after the path)

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
OUT = ROOT / "static" / "help"
WIDTH, HEIGHT, MAX_HEIGHT = 1280, 900, 900
QUALITY = 0.82  # WebP quality
LANGUAGES = ("da", "en")
# The guide's sections, in the order of Hjælp (templates/portal/help.html names the same keys).
SECTIONS = (
    "nemid-oprydning",  # G1
    "tilslutning",  # G2
    "opsaetning",  # G3.1–G3.4, G3.8–G3.12
    "import",  # G3.5–G3.7
    "aktivering",  # G4, G5
    "medarbejder",  # G6, G7
    "log-paa",  # logging in (G3.3, G7.8)
    "roller",  # G8
)
OWNER = "hanne.vestergaard"


def setup_database(path: str) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "mitid_portal.settings"
    # Playwright's sync API runs an event loop in this thread; the ORM calls here are still plain
    # synchronous code (the portal child does not inherit this: bench._common.child_env).
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    os.environ["DATABASE_URL"] = f"sqlite:///{path}"
    os.environ.update(MITID_ENV="development", DEBUG="false", TASK_BACKEND="database")
    for key in ("REDIS_URL", "EMAIL_URL"):
        os.environ.pop(key, None)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    call_command("createcachetable", verbosity=0)


def start_portal(port: int, log: Path) -> subprocess.Popen:
    env = child_env()
    with open(log, "wb") as out:
        process = subprocess.Popen(  # noqa: S603 (our own manage.py)
            [
                sys.executable,
                "manage.py",
                "runserver",
                "--noreload",
                "--insecure",
                f"127.0.0.1:{port}",
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the portal stopped: {log.read_text()[-2000:]}")
        with contextlib.suppress(OSError):
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5)  # noqa: S310
            return process
        time.sleep(0.5)
    raise RuntimeError("the portal did not start within 60 s")


# --- The world between the pictures (the portal's own services, as the tests use them) ----------


def world_reset() -> None:
    from django.core.management import call_command

    call_command("seed_demo", reset=True, verbosity=0, stdout=io.StringIO())


def owner_connects_the_practice():
    """The owner connects Lægehuset Vestergade I/S and appoints herself (G2.1–G2.7)."""
    from activation.services.connection import connection_confirm
    from organisations import services
    from organisations.models import Organisation
    from simulators import demo

    owner = next(person for person in demo.PEOPLE if person.key == "owner")
    connection = services.connection_start(
        cpr=owner.cpr, person_name=owner.full_name, cvr=demo.PRACTICE_CVR
    )
    services.connection_accept_terms(connection=connection)
    services.connection_choose_admin(
        connection=connection, choice="self", requester_email=owner.email
    )
    connection_confirm(connection_id=connection.pk)
    return Organisation.objects.get(cvr=demo.PRACTICE_CVR)


def practice_imports(practice) -> int:
    from users.services.import_nemid import users_import_from_nemid

    run = users_import_from_nemid(organisation=practice, started_by_name="Hanne Vestergaard")
    return run.pk


def activation_link_of_lise(practice) -> str:
    """Starts the activation of Lise Kristensen (G4/G5); returns the path of her emailed link."""
    from activation.services import users_activation_start
    from mitid_portal.models import OutboundEmail
    from users.models import User

    admin = practice.users.get(first_name="Hanne", last_name="Vestergaard")
    lise = practice.users.filter(first_name="Lise", last_name="Kristensen")
    users_activation_start(organisation=practice, users=list(lise), means=["app"], actor=admin)
    email = OutboundEmail.objects.filter(to__icontains="lise.kristensen").latest("created_at")
    match = re.search(r"/aktiver/link/[^\s\"<>]+", email.body_text)
    if not match:
        raise RuntimeError("no activation link in Lise Kristensen's email")
    assert User.objects.filter(pk=lise[0].pk, state=User.State.AWAITING).exists()
    return match.group(0)


# --- The browser ---------------------------------------------------------------------------------


def mitid_login(context, page, username: str) -> None:
    """On the simulated *Log ind med MitID*: user name, the app, then *Godkend* on the phone."""
    page.get_by_label("Bruger-ID").fill(username)
    page.get_by_label("MitID app").check()
    page.get_by_role("button", name="Fortsæt", exact=True).click()
    phone = context.new_page()
    phone.goto(f"/simulator/mitid/app/{username}/")
    phone.get_by_role("button", name="Godkend").click()
    phone.get_by_text("Du har godkendt login.").wait_for()
    phone.close()
    page.wait_for_url(lambda url: "/log" not in url and "mitid" not in url, timeout=20_000)


def language(context, base_url: str, lang: str) -> None:
    context.add_cookies([{"name": "django_language", "value": lang, "url": base_url}])


def shoot(page, encoder, lang: str, section: str) -> Path:
    """The main content (at most MAX_HEIGHT px of it) as WebP."""
    page.wait_for_load_state("load")
    main = page.locator("main")
    box = main.first.bounding_box() if main.count() else None
    if not box:
        box = {"x": 0, "y": 0, "width": WIDTH, "height": MAX_HEIGHT}
    page.evaluate("window.scrollTo(0, 0)")
    clip = {
        "x": max(box["x"] - 16, 0),
        "y": max(box["y"] - 16, 0),
        "width": min(box["width"] + 32, WIDTH),
        "height": min(box["height"] + 32, MAX_HEIGHT),
    }
    png = page.screenshot(clip=clip, full_page=True)
    data_url = encoder.evaluate(
        """async ([png, quality]) => {
            const image = new Image();
            image.src = "data:image/png;base64," + png;
            await image.decode();
            const canvas = document.createElement("canvas");
            canvas.width = image.naturalWidth;
            canvas.height = image.naturalHeight;
            canvas.getContext("2d").drawImage(image, 0, 0);
            return canvas.toDataURL("image/webp", quality);
        }""",
        [base64.b64encode(png).decode(), QUALITY],
    )
    if not data_url.startswith("data:image/webp;base64,"):
        raise RuntimeError("Chromium did not encode WebP")
    target = OUT / lang / f"{section}.webp"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(base64.b64decode(data_url.split(",", 1)[1]))
    print(f"  {target.relative_to(ROOT)}  {target.stat().st_size // 1024} KB", flush=True)
    return target


def walk(browser, base_url: str, lang: str, only: set[str]) -> None:
    """One language: the demo world anew, then every section's page."""
    from simulators import demo

    world_reset()
    encoder = browser.new_page()  # a blank page that turns PNG into WebP

    def wanted(section: str) -> bool:
        return not only or section in only

    def new_context():
        context = browser.new_context(
            base_url=base_url, viewport={"width": WIDTH, "height": HEIGHT}, locale="da-DK"
        )
        context.set_default_timeout(20_000)
        return context

    # Logging in: the login page itself, before anyone has logged in.
    context = new_context()
    page = context.new_page()
    language(context, base_url, lang)
    if wanted("log-paa"):
        page.goto("/log-paa/")
        shoot(page, encoder, lang, "log-paa")
    # G2: the start of connecting (public).
    if wanted("tilslutning"):
        page.goto("/nemlog-in/tilslut/")
        shoot(page, encoder, lang, "tilslutning")
    context.close()

    # G1: the owner in the NemID self-service, with the readiness report's problems.
    if wanted("nemid-oprydning"):
        context = new_context()
        page = context.new_page()
        page.goto("/simulator/nemid/")
        mitid_login(context, page, OWNER)
        language(context, base_url, lang)
        page.goto(f"/simulator/nemid/{demo.PRACTICE_CVR}/")
        shoot(page, encoder, lang, "nemid-oprydning")
        context.close()

    practice = owner_connects_the_practice()

    # G3: the organisation administrator's set-up, then the import and its report.
    context = new_context()
    page = context.new_page()
    page.goto("/log-paa/?next=/organisation/opsaetning/")
    mitid_login(context, page, OWNER)
    language(context, base_url, lang)
    if wanted("opsaetning"):
        page.goto("/organisation/opsaetning/")
        shoot(page, encoder, lang, "opsaetning")
    run = practice_imports(practice)
    if wanted("import"):
        page.goto(f"/brugere/import/{run}/")
        shoot(page, encoder, lang, "import")
    # G4/G5: the imported users, all marked, ready for *Aktivér brugere*.
    if wanted("aktivering"):
        page.goto("/brugere/importerede/")
        marker = page.locator("#select-page")
        if marker.count():
            marker.first.check()
        shoot(page, encoder, lang, "aktivering")
    # G8: the roles.
    if wanted("roller"):
        page.goto("/organisation/roller/")
        shoot(page, encoder, lang, "roller")
    context.close()

    # G6/G7: the employee opens the link in her email.
    if wanted("medarbejder"):
        link = activation_link_of_lise(practice)
        context = new_context()
        page = context.new_page()
        language(context, base_url, lang)
        page.goto(link)
        shoot(page, encoder, lang, "medarbejder")
        context.close()
    encoder.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", action="append", choices=SECTIONS, default=[])
    parser.add_argument("--lang", action="append", choices=LANGUAGES, default=[])
    args = parser.parse_args()
    if not Path(CHROMIUM).exists():
        print(f"Chromium is needed: {CHROMIUM} (make chromium)", file=sys.stderr)
        return 1
    handle, path = tempfile.mkstemp(prefix="mitid-screenshots-", suffix=".sqlite3", dir="/tmp")
    os.close(handle)
    log = Path(path + ".log")
    portal = None
    try:
        setup_database(path)
        port = free_port()
        portal = start_portal(port, log)
        base_url = f"http://127.0.0.1:{port}"
        from playwright.sync_api import sync_playwright

        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM,
                args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
            )
            try:
                for lang in args.lang or LANGUAGES:
                    print(f"{lang}:", flush=True)
                    walk(browser, base_url, lang, set(args.only))
            finally:
                browser.close()
    finally:
        if portal and portal.poll() is None:
            os.killpg(portal.pid, 15)
            portal.wait(timeout=15)
        for suffix in ("", "-wal", "-shm", "-journal", ".log"):
            Path(path + suffix).unlink(missing_ok=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
