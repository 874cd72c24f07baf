"""The exercises' pages (/oevelse/): start one with the demo world, bring a colleague in by the
invitation link, reset, leave; the header's banner; and the laptop, where there is one exercise
and nothing to start."""

import datetime
import re

import pytest
from django.core.mail import send_mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from mitid_portal import sandbox_views
from mitid_portal.models import Sandbox
from mitid_portal.ratelimit import rate_limit_hit
from mitid_portal.sandbox import DEFAULT_SANDBOX_ID, sandbox_scope
from simulators.mailbox.models import MailMessage
from simulators.mitid.models import MitIDAccount
from tests.factories import UserFactory
from users.models import User

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("mailbox_backend")]

START = "/oevelse/"
MAILBOX = "/simulator/postkasse/"


@pytest.fixture
def hosted(settings):
    settings.SANDBOXES = True
    return settings


def _start(client: Client, name: str = "") -> Sandbox:
    before = set(Sandbox.objects.values_list("pk", flat=True))
    response = client.post(START, {"name": name})
    assert response.status_code == 302 and response.url == reverse("portal:home")
    (pk,) = set(Sandbox.objects.values_list("pk", flat=True)) - before
    return Sandbox.objects.get(pk=pk)


def _invite_url(client: Client) -> str:
    page = client.get(START).content.decode()
    urls = re.findall(r'value="(http://testserver/oevelse/deltag/[^"/]+/)"', page)
    assert len(urls) == 1, page
    return urls[0]


def _another_browser_in(client: Client, settings) -> Client:
    """A browser that holds only ``client``'s exercise cookie (not its session)."""
    other = Client()
    other.cookies[settings.SANDBOX_COOKIE_NAME] = client.cookies[settings.SANDBOX_COOKIE_NAME].value
    return other


def _mail_in(sandbox: Sandbox, to: str, subject: str) -> None:
    with sandbox_scope(sandbox.pk):
        send_mail(subject, "Teksten", "noreply@mitid-erhverv.test", [to])


# --- Hosted: starting ---------------------------------------------------------------------------


def test_a_visitor_without_an_exercise_is_sent_from_the_front_page_to_start_one(hosted):
    response = Client().get("/")
    assert response.status_code == 302 and response.url == START


def test_the_start_page_says_what_an_exercise_is_and_how_long_it_lives(hosted):
    hosted.SANDBOX_LIFETIME_DAYS = 14
    page = Client().get(START).content.decode()
    assert "Start en øvelse" in page
    assert "lever i 14 dage" in page
    assert "postkassen" in page and "Lægehuset Vestergade" in page
    assert 'data-testid="sandbox-banner"' not in page


def test_the_exercise_pages_speak_english_after_the_language_switch(hosted):
    hosted.SANDBOX_LIFETIME_DAYS = 30
    client = Client()
    client.cookies[hosted.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(START).content.decode()
    assert "Start an exercise" in page and "lives for 30 days" in page
    _start(client)
    assert "Your exercise" in client.get(START).content.decode()
    assert "expires" in client.get("/").content.decode()


def test_starting_makes_a_sandbox_with_the_demo_world_and_sets_its_cookie(hosted):
    hosted.SANDBOX_LIFETIME_DAYS = 30
    client = Client()
    sandbox = _start(client, name="Lægehuset på Vestergade")

    assert sandbox.name == "Lægehuset på Vestergade"
    assert sandbox.pk != DEFAULT_SANDBOX_ID
    lifetime = sandbox.expires_at - timezone.now()
    assert datetime.timedelta(days=29, hours=23) < lifetime <= datetime.timedelta(days=30)
    # the demo world, in the new sandbox
    assert MitIDAccount.objects.filter(sandbox_id=sandbox.pk, username="hanne.vestergaard").exists()
    cookie = client.cookies[hosted.SANDBOX_COOKIE_NAME]
    assert cookie["httponly"] and cookie["max-age"] > 29 * 24 * 3600
    # the visitor is in it: the front page opens, with the banner, and so do the simulators
    home = client.get("/")
    assert home.status_code == 200
    banner = re.search(r'data-testid="sandbox-banner">(.*?)</span>', home.content.decode(), re.S)
    assert banner and "udløber" in banner.group(1) and "Din øvelse" in banner.group(1)
    assert client.get("/simulator/mitid/").status_code == 200


def test_din_oevelse_shows_the_expiry_and_the_invitation_link_right_after_starting(hosted):
    client = Client()
    sandbox = _start(client, name="Tandlægerne")
    page = client.get(START).content.decode()
    assert "Din øvelse" in page and "Tandlægerne" in page
    assert "Nulstil øvelsen" in page and "Forlad øvelsen" in page
    assert _invite_url(client).startswith("http://testserver/oevelse/deltag/")
    assert client.get(START)["Cache-Control"].count("no-store") == 1
    # another browser of the same exercise (the colleague) is not shown the link
    other = _another_browser_in(client, hosted)
    other_page = other.get(START).content.decode()
    assert "Din øvelse" in other_page and "/oevelse/deltag/" not in other_page
    assert str(sandbox.expires_at.year) in other_page


def test_starting_is_limited_per_client_address(hosted):
    for _ in range(sandbox_views.START_LIMIT):
        rate_limit_hit(key="sandbox-start:ip:127.0.0.1", limit=10**6, window=3600)
    count = Sandbox.objects.count()
    response = Client().post(START, {"name": ""})
    assert response.status_code == 429
    assert "for mange øvelser" in response.content.decode()
    assert Sandbox.objects.count() == count
    # another address may still start one
    assert Client(REMOTE_ADDR="10.0.0.9").post(START).status_code == 302
    assert Sandbox.objects.count() == count + 1


def test_an_ipv6_client_is_limited_by_its_64_not_by_each_address(hosted):
    network = "2001:db8:1:2:"
    for host in range(sandbox_views.START_LIMIT):
        assert Client(REMOTE_ADDR=f"{network}:{host + 1}").post(START).status_code == 302
    assert Client(REMOTE_ADDR=f"{network}ffff:1:2:3").post(START).status_code == 429
    assert Client(REMOTE_ADDR="2001:db8:1:3::1").post(START).status_code == 302


def test_the_server_starts_no_more_exercises_than_its_cap(hosted):
    hosted.SANDBOX_MAX_LIVE = 2
    assert Client(REMOTE_ADDR="10.0.0.1").post(START).status_code == 302
    assert Client(REMOTE_ADDR="10.0.0.2").post(START).status_code == 302
    count = Sandbox.objects.count()
    response = Client(REMOTE_ADDR="10.0.0.3").post(START)
    assert response.status_code == 503
    assert "ikke plads til flere øvelser" in response.content.decode()
    assert Sandbox.objects.count() == count
    # An expired exercise (waiting for the hourly job) leaves room for a new one.
    Sandbox.objects.exclude(pk=DEFAULT_SANDBOX_ID).filter(
        pk=Sandbox.objects.latest("pk").pk
    ).update(expires_at=timezone.now())
    assert Client(REMOTE_ADDR="10.0.0.3").post(START).status_code == 302


def test_a_cookie_of_an_exercise_that_is_gone_shows_the_start_page_and_is_cleared(hosted):
    client = Client()
    sandbox = _start(client)
    Sandbox.objects.filter(pk=sandbox.pk).delete()
    response = client.get(START)
    assert "Start en øvelse" in response.content.decode()
    assert client.cookies[hosted.SANDBOX_COOKIE_NAME].value == ""


def test_an_exercise_deleted_before_its_time_is_no_exercise_anywhere(hosted):
    """An operator deleted it: the cookie still carries a good signature and expiry, but every
    page treats the browser as one without an exercise (a write used to fail with a 500)."""
    client = Client()
    sandbox = _start(client)
    Sandbox.objects.filter(pk=sandbox.pk).delete()
    assert client.get("/").url == START
    assert client.get("/simulator/postkasse/").status_code == 404
    assert client.post("/simulator/mitid/log-ind/", {"username": "x"}).status_code == 404


# --- Hosted: the colleague's invitation link ------------------------------------------------------


def test_the_invitation_link_brings_a_colleague_into_the_same_world(hosted):
    trainee = Client()
    sandbox = _start(trainee, name="Lægehuset")
    url = _invite_url(trainee)
    _mail_in(sandbox, "kollega@laegehuset-vestergade.dk", "Kun i denne øvelse")

    colleague = Client()
    response = colleague.get(url)
    # the token leaves the address bar for the session; joining is a POST
    assert response.status_code == 302 and response.url == reverse("sandbox:join_confirm")
    confirm = colleague.get(response.url)
    assert confirm.status_code == 200
    assert (
        "Lægehuset" in confirm.content.decode() and "Deltag i øvelsen" in confirm.content.decode()
    )
    assert Sandbox.objects.get(pk=sandbox.pk)  # a GET joins nothing
    assert colleague.get(MAILBOX).status_code == 404
    joined = colleague.post(reverse("sandbox:join_confirm"))
    assert joined.status_code == 302 and joined.url == reverse("portal:home")

    for client in (trainee, colleague):
        page = client.get(MAILBOX).content.decode()
        assert "kollega@laegehuset-vestergade.dk" in page
    # a third visitor in an exercise of their own does not see it
    stranger = Client()
    _start(stranger)
    assert "kollega@laegehuset-vestergade.dk" not in stranger.get(MAILBOX).content.decode()


def test_an_unknown_or_expired_invitation_link_says_so(hosted):
    client = Client()
    response = client.get("/oevelse/deltag/ikke-et-rigtigt-link/")
    assert response.status_code == 404
    assert "Invitationslinket virker ikke" in response.content.decode()

    trainee = Client()
    sandbox = _start(trainee)
    url = _invite_url(trainee)
    Sandbox.objects.filter(pk=sandbox.pk).update(expires_at=timezone.now())
    response = Client().get(url)
    assert response.status_code == 404
    assert "Invitationslinket virker ikke" in response.content.decode()
    assert Client().post(reverse("sandbox:join_confirm")).status_code == 404


def test_a_new_invitation_link_replaces_the_old_one(hosted):
    trainee = Client()
    _start(trainee)
    old = _invite_url(trainee)
    response = trainee.post(reverse("sandbox:invite_new"))
    assert response.status_code == 302
    page = trainee.get(START).content.decode()
    assert "Der er lavet et nyt invitationslink" in page
    new = _invite_url(trainee)
    assert new != old
    assert Client().get(old).status_code == 404
    assert Client().get(new).status_code == 302


# --- Hosted: reset and leave ----------------------------------------------------------------------


def test_reset_asks_first_and_then_brings_the_world_back_to_the_start(hosted):
    trainee = Client()
    sandbox = _start(trainee)
    url = _invite_url(trainee)
    users_at_start = User.objects.filter(sandbox_id=sandbox.pk).count()
    persona = MitIDAccount.objects.get(sandbox_id=sandbox.pk, username="hanne.vestergaard")
    with sandbox_scope(sandbox.pk):
        UserFactory(first_name="Ny", last_name="Medarbejder", email="ny@example.dk")
    _mail_in(sandbox, "ny@example.dk", "Aktivér")

    confirm = trainee.get(reverse("sandbox:reset"))
    assert confirm.status_code == 200 and "Det kan ikke fortrydes" in confirm.content.decode()
    assert User.objects.filter(sandbox_id=sandbox.pk, email="ny@example.dk").exists()

    response = trainee.post(reverse("sandbox:reset"))
    assert response.status_code == 302 and response.url == reverse("portal:home")
    assert "Øvelsen er nulstillet" in trainee.get("/").content.decode()
    assert not User.objects.filter(sandbox_id=sandbox.pk, email="ny@example.dk").exists()
    assert User.objects.filter(sandbox_id=sandbox.pk).count() == users_at_start
    assert not MailMessage.objects.filter(sandbox_id=sandbox.pk).exists()
    fresh = MitIDAccount.objects.get(sandbox_id=sandbox.pk, username="hanne.vestergaard")
    assert fresh.pk != persona.pk
    # same exercise: same expiry, the trainee is still in it, the invitation still works
    assert Sandbox.objects.get(pk=sandbox.pk).expires_at == sandbox.expires_at
    assert "/oevelse/deltag/" in trainee.get(START).content.decode()
    assert Client().get(url).status_code == 302


def test_leaving_takes_the_exercise_off_this_browser_only(hosted):
    trainee = Client()
    sandbox = _start(trainee)
    colleague = _another_browser_in(trainee, hosted)
    response = trainee.post(reverse("sandbox:leave"))
    assert response.status_code == 302 and response.url == START
    assert trainee.get("/").url == START
    assert trainee.get(MAILBOX).status_code == 404
    assert "Du har forladt øvelsen" in trainee.get(START).content.decode()
    assert Sandbox.objects.filter(pk=sandbox.pk).exists()
    assert colleague.get("/").status_code == 200


def test_reset_and_the_invitation_need_an_exercise(hosted):
    client = Client()
    assert client.get(reverse("sandbox:reset")).status_code == 404
    assert client.post(reverse("sandbox:reset")).status_code == 404
    assert client.post(reverse("sandbox:invite_new")).status_code == 404


# --- Laptop: one exercise, the default sandbox ------------------------------------------------


def test_on_a_laptop_the_page_says_there_is_one_exercise_and_offers_nothing(settings):
    settings.SANDBOXES = False
    client = Client()
    page = client.get(START)
    assert page.status_code == 200
    text = page.content.decode()
    assert "Denne computer kører én øvelse" in text
    assert '<form method="post">' not in text and "Start en øvelse" not in text
    count = Sandbox.objects.count()
    assert client.post(START).status_code == 404
    assert Sandbox.objects.count() == count
    for url in (reverse("sandbox:reset"), reverse("sandbox:join_confirm"), "/oevelse/deltag/x/"):
        assert client.get(url).status_code == 404
    for url in (reverse("sandbox:reset"), reverse("sandbox:leave"), reverse("sandbox:invite_new")):
        assert client.post(url).status_code == 404
    home = client.get("/")
    assert home.status_code == 200 and 'data-testid="sandbox-banner"' not in home.content.decode()
