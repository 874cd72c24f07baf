"""Services of the exercises (øvelser): create one with a fresh copy of the demo world, bring a
colleague in by an invitation link, reset one to the start, and delete those that expired."""

import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mitid_portal.crypto import keyed_hash, random_token
from mitid_portal.demo import DemoRun
from mitid_portal.errors import RuleError
from mitid_portal.models import Sandbox
from mitid_portal.registry import demo_seeders
from mitid_portal.sandbox import DEFAULT_SANDBOX_ID, sandbox_scope

INVITE_PURPOSE = "sandbox-invite"


def sandbox_seed(sandbox: Sandbox) -> DemoRun:
    """Fill ``sandbox`` with the demo world: every registered seeder, inside its scope."""
    run = DemoRun()
    seeders = demo_seeders()
    with sandbox_scope(sandbox.pk):
        for seeder in seeders:
            seeder.run("plan", run)
        for seeder in seeders:
            seeder.run("seed", run)
    return run


SERVER_FULL = _(
    "Serveren har ikke plads til flere øvelser lige nu. Prøv igen senere, eller fortsæt i en "
    "øvelse, du allerede har startet."
)


@transaction.atomic
def sandbox_create(*, name: str = "") -> tuple[Sandbox, str]:
    """A new exercise with the demo world in it; returns it and its invitation token (shown to
    the trainee, stored only as a keyed hash). Refused while the server holds
    ``SANDBOX_MAX_LIVE`` unexpired exercises (each is a copy of the demo world kept for weeks,
    so starting them is capped for the whole server, not only per client address)."""
    live = Sandbox.objects.filter(expires_at__gt=timezone.now()).exclude(pk=DEFAULT_SANDBOX_ID)
    if live.count() >= settings.SANDBOX_MAX_LIVE:
        raise RuleError("sandbox_server_full", SERVER_FULL)
    token = random_token()
    sandbox = Sandbox.objects.create(
        name=name[:100],
        expires_at=timezone.now() + datetime.timedelta(days=settings.SANDBOX_LIFETIME_DAYS),
        invite_token_hash=keyed_hash(token, purpose=INVITE_PURPOSE),
    )
    sandbox_seed(sandbox)
    return sandbox, token


def sandbox_live(sandbox_id: int | None) -> Sandbox | None:
    """The unexpired exercise ``sandbox_id`` (never the default sandbox): the visitor's own."""
    if not sandbox_id or sandbox_id == DEFAULT_SANDBOX_ID:
        return None
    return Sandbox.objects.filter(pk=sandbox_id, expires_at__gt=timezone.now()).first()


def sandbox_by_invite_token(token: str) -> Sandbox | None:
    """The unexpired exercise whose invitation link carries ``token``."""
    if not token:
        return None
    return (
        Sandbox.objects.filter(
            invite_token_hash=keyed_hash(token, purpose=INVITE_PURPOSE),
            expires_at__gt=timezone.now(),
        )
        .exclude(pk=DEFAULT_SANDBOX_ID)
        .first()
    )


@transaction.atomic
def sandbox_invite_token_new(sandbox: Sandbox) -> str:
    """A new invitation link for ``sandbox``; the old one stops working."""
    token = random_token()
    Sandbox.objects.filter(pk=sandbox.pk).update(
        invite_token_hash=keyed_hash(token, purpose=INVITE_PURPOSE)
    )
    sandbox.invite_token_hash = keyed_hash(token, purpose=INVITE_PURPOSE)
    return token


@transaction.atomic
def sandbox_reset(sandbox: Sandbox) -> Sandbox:
    """Everything in ``sandbox`` back to the start: the sandbox is deleted with every row in it
    and made again under the same id (so its cookie and invitation link keep working) with a
    fresh demo world. Its expiry does not move."""
    if sandbox.pk == DEFAULT_SANDBOX_ID:
        raise ValueError("the default sandbox is reset with seed_demo --reset")
    kept = {
        "pk": sandbox.pk,
        "name": sandbox.name,
        "created_at": sandbox.created_at,
        "expires_at": sandbox.expires_at,
        "invite_token_hash": sandbox.invite_token_hash,
    }
    Sandbox.objects.filter(pk=sandbox.pk).delete()
    fresh = Sandbox.objects.create(**kept, reset_at=timezone.now())
    sandbox_seed(fresh)
    return fresh


def sandboxes_expire(*, now: datetime.datetime | None = None) -> int:
    """Delete every exercise past its expiry with everything in it (a periodic job), one
    exercise per transaction; the default sandbox never expires. Returns how many went."""
    now = now or timezone.now()
    expired = list(
        Sandbox.objects.filter(expires_at__lte=now)
        .exclude(pk=DEFAULT_SANDBOX_ID)
        .values_list("pk", flat=True)
    )
    for pk in expired:
        with transaction.atomic():
            Sandbox.objects.filter(pk=pk).delete()
    return len(expired)
