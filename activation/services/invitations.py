"""The administrator's acts on a pending activation (*Afventer aktivering*): reveal the
temporary activation code (*Vis*, G5.7), issue a new code, send a new link, cancel; and the
reminder before a link expires."""

import datetime
from collections.abc import Iterable

from django.db import connections, router, transaction
from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from activation import emails
from activation.models import Invitation
from activation.services.start import CODE_LENGTH, CODE_PURPOSE, LINK_LIFETIME, TOKEN_PURPOSE
from mitid_portal import crypto
from mitid_portal.audit import audit_record
from mitid_portal.errors import RuleError
from mitid_portal.sandbox import sandbox_scope
from organisations.models import Organisation
from users.models import User
from users.services.lifecycle import users_state_change_bulk

REMINDER_BEFORE = datetime.timedelta(days=3)


def _locked_live(invitation: Invitation) -> Invitation:
    locked = (
        Invitation.objects.select_for_update()
        .select_related("user", "organisation")
        .filter(pk=invitation.pk, organisation_id=invitation.organisation_id)
        .first()
    )
    if locked is None or locked.state != Invitation.State.LIVE:
        raise RuleError("not_live", _("Aktiveringen afventer ikke længere."))
    return locked


def _audit(*, action: str, invitation: Invitation, actor, request, changes=None) -> None:
    audit_record(
        action=action,
        actor_name=actor.full_name,
        actor_user=actor,
        organisation=invitation.organisation,
        target=invitation.user.full_name,
        changes=changes or {},
        request=request,
    )


def _issue_code(*, invitation: Invitation, only_if_unrevealed: bool) -> str | None:
    """A fresh code whose hash replaces the old one, marked as revealed in the same UPDATE (so
    two clicks cannot both reveal). The total failure count is kept (never reset); the new code
    gets its own three tries, counted from that total."""
    code = crypto.random_digits(CODE_LENGTH)
    rows = Invitation.objects.filter(pk=invitation.pk, state=Invitation.State.LIVE)
    if only_if_unrevealed:
        rows = rows.filter(code_revealed_at__isnull=True)
    updated = rows.update(
        code_hash=crypto.keyed_hash(code, purpose=CODE_PURPOSE),
        code_revealed_at=timezone.now(),
        code_failures_base=F("code_failures"),
    )
    return code if updated == 1 else None


@transaction.atomic
def activation_code_reveal(*, invitation: Invitation, actor, request=None) -> str:
    """*Vis* (G5.7): show the user's 8-digit temporary activation code, once.

    Codes are stored only as keyed hashes, so the code made when the activation started cannot
    be shown; it was never seen by anyone. *Vis* therefore makes the code now, stores its hash in
    place of the first one and returns the plain code for this one response only: it is never
    written to the database, the session or a log. A second *Vis* is refused; the page then
    offers *Ny kode*, which replaces the code that was shown.
    """
    invitation = _locked_live(invitation)
    if not invitation.code_hash:
        raise RuleError("no_code", _("Brugeren skal ikke bruge en aktiveringskode."))
    code = _issue_code(invitation=invitation, only_if_unrevealed=True)
    if code is None:
        raise RuleError(
            "already_revealed",
            _("Koden er allerede vist. Vælg Ny kode, hvis brugeren ikke har fået den."),
        )
    _audit(action="activation_code_revealed", invitation=invitation, actor=actor, request=request)
    return code


@transaction.atomic
def activation_code_renew(*, invitation: Invitation, actor, request=None) -> str:
    """*Ny kode*: a new temporary activation code replaces the old one (which stops working at
    once) and is shown once, like *Vis*. The total failure count is not reset (DESIGN.md
    "Rules"): a locked code stays locked, and only this new code has three tries of its own."""
    invitation = _locked_live(invitation)
    if not invitation.code_hash:
        raise RuleError("no_code", _("Brugeren skal ikke bruge en aktiveringskode."))
    code = _issue_code(invitation=invitation, only_if_unrevealed=False)
    if code is None:  # pragma: no cover - the row is locked and live
        raise RuleError("not_live", _("Aktiveringen afventer ikke længere."))
    _audit(action="activation_code_renewed", invitation=invitation, actor=actor, request=request)
    return code


@transaction.atomic
def invitation_resend(*, invitation: Invitation, actor, request=None) -> Invitation:
    """*Send nyt link*: the old link dies (its invitation becomes *Erstattet*) and a new live
    invitation with a new 30-day link is emailed. The activation code and its failure count
    carry over, so a code already handed to the user still works and the attempt limit holds."""
    old = _locked_live(invitation)
    Invitation.objects.filter(pk=old.pk).update(state=Invitation.State.REPLACED)
    token = crypto.random_token()
    new = Invitation.objects.create(
        user=old.user,
        organisation=old.organisation,
        token_hash=crypto.keyed_hash(token, purpose=TOKEN_PURPOSE),
        code_hash=old.code_hash,
        code_revealed_at=old.code_revealed_at,
        code_failures=old.code_failures,
        code_failures_base=old.code_failures_base,
        means=old.means,
        created_by_name=actor.full_name[:200],
        expires_at=timezone.now() + LINK_LIFETIME,
    )
    emails.activation_link(invitation=new, token=token, event_key=f"activation-link-{new.pk}")
    _audit(
        action="activation_link_resent",
        invitation=new,
        actor=actor,
        request=request,
        changes={"expires_at": new.expires_at.date().isoformat()},
    )
    return new


@transaction.atomic
def invitation_cancel(*, invitation: Invitation, actor, request=None) -> Invitation:
    """*Annullér*: the link and code stop working and the user is back under *Importerede
    brugere*, ready to be activated again."""
    invitation = _locked_live(invitation)
    Invitation.objects.filter(pk=invitation.pk).update(state=Invitation.State.CANCELLED)
    invitation.state = Invitation.State.CANCELLED
    users_state_change_bulk(
        queryset=User.objects.filter(pk=invitation.user_id),
        source=User.State.AWAITING,
        to=User.State.IMPORTED,
        fields={"means": []},
    )
    _audit(action="activation_cancelled", invitation=invitation, actor=actor, request=request)
    return invitation


def activation_reminders_send(*, now: datetime.datetime | None = None) -> int:
    """Email a reminder to every user whose link expires within 3 days, once per invitation.

    The plain token of the first email is not kept, so the reminder carries a fresh link to the
    same invitation (same expiry, same code) and the earlier link stops working; the email says
    so. Each reminder is claimed by setting ``reminded_at`` in a conditional UPDATE, so two
    workers never remind twice.
    """
    now = now or timezone.now()
    due = (
        Invitation.objects.filter(
            state=Invitation.State.LIVE,
            reminded_at__isnull=True,
            expires_at__gt=now,
            expires_at__lte=now + REMINDER_BEFORE,
        )
        .order_by("expires_at")
        .values_list("pk", flat=True)
    )
    sent = 0
    for pk in list(due):
        with transaction.atomic():
            token = crypto.random_token()
            claimed = Invitation.objects.filter(
                pk=pk, state=Invitation.State.LIVE, reminded_at__isnull=True
            ).update(reminded_at=now, token_hash=crypto.keyed_hash(token, purpose=TOKEN_PURPOSE))
            if not claimed:
                continue
            invitation = Invitation.objects.select_related("user", "organisation").get(pk=pk)
            # Outside a request (the periodic job) the reminder's email and audit event are made
            # in the invitation's own sandbox.
            with sandbox_scope(invitation.sandbox_id):
                _reminder_send(invitation, token=token)
            sent += 1
    return sent


def _reminder_send(invitation: Invitation, *, token: str) -> None:
    """The reminder's email and its audit event."""
    if invitation.user.email:
        emails.activation_reminder(
            invitation=invitation,
            token=token,
            event_key=f"activation-reminder-{invitation.pk}",
        )
    audit_record(
        action="activation_reminder_sent",
        actor_name="MitID Erhverv",
        organisation=invitation.organisation,
        target=invitation.user.full_name,
        changes={"expires_at": invitation.expires_at.date().isoformat()},
    )


_REVEAL_CHUNK = 2000  # ids per locking SELECT: below SQLite's limit of bound variables


@transaction.atomic
def activation_codes_reveal_bulk(
    *,
    organisation: Organisation,
    invitations: QuerySet[Invitation] | Iterable[Invitation],
    actor,
    request=None,
) -> list[tuple[Invitation, str]]:
    """*Vis* for many at once (the codes sheet or CSV after a bulk activation): a fresh 8-digit
    temporary activation code for each of ``invitations`` that needs one and has not had it
    shown, returned once with its invitation, by the user's name. The same rule as *Vis*: only
    the keyed hash is stored, the code is marked shown in the same transaction, and a code
    already shown is never shown again (*Ny kode* for the single user); one audit event names
    the count. Another organisation's invitations are never included. Nothing to show is a
    ``RuleError`` (``already_revealed``)."""
    due = Invitation.objects.filter(
        organisation=organisation,
        state=Invitation.State.LIVE,
        code_revealed_at__isnull=True,
    ).exclude(code_hash="")
    if isinstance(invitations, QuerySet):
        chunks = [due.filter(pk__in=invitations.order_by().values_list("pk", flat=True))]
    else:
        pks = sorted({invitation.pk for invitation in invitations})
        chunks = [
            due.filter(pk__in=pks[i : i + _REVEAL_CHUNK]) for i in range(0, len(pks), _REVEAL_CHUNK)
        ]
    locked: list[Invitation] = []
    for chunk in chunks:
        # Locked in primary-key order (no deadlock with a concurrent *Vis*); a row revealed
        # meanwhile no longer matches once its lock is granted.
        locked += chunk.select_for_update(of=("self",)).select_related("user").order_by("pk")
    if not locked:
        raise RuleError(
            "already_revealed",
            _("Koderne er allerede vist. Brug Ny kode for den enkelte bruger."),
        )
    now = timezone.now()
    revealed: list[tuple[Invitation, str]] = []
    for invitation in locked:
        code = crypto.random_digits(CODE_LENGTH)
        invitation.code_hash = crypto.keyed_hash(code, purpose=CODE_PURPOSE)
        invitation.code_revealed_at = now
        invitation.code_failures_base = invitation.code_failures
        revealed.append((invitation, code))
    _codes_store(locked, now=now)
    audit_record(
        action="activation_code_revealed",
        actor_name=actor.full_name,
        actor_user=actor,
        organisation=organisation,
        target=f"{len(locked)} brugere" if len(locked) > 1 else locked[0].user.full_name,
        changes={"count": len(locked)},
        request=request,
    )
    revealed.sort(key=lambda pair: (pair[0].user.last_name, pair[0].user.first_name, pair[0].pk))
    return revealed


def _codes_store(invitations: list[Invitation], *, now: datetime.datetime) -> None:
    """Each invitation's new code hash, marked shown at ``now`` with its own tries counted from
    its total (as ``_issue_code``): one prepared UPDATE run for all rows (``executemany``;
    ``bulk_update``'s CASE per row costs seconds for thousands)."""
    connection = connections[router.db_for_write(Invitation)]
    meta, quote = Invitation._meta, connection.ops.quote_name
    column = {f.name: quote(f.column or f.name) for f in meta.concrete_fields if f.name in _STORED}
    assert meta.pk is not None and meta.pk.column is not None
    # Names from the model, quoted; the values are parameters.
    sql = "UPDATE {} SET {} = %s, {} = %s, {} = {} WHERE {} = %s".format(  # noqa: S608
        quote(meta.db_table),
        column["code_hash"],
        column["code_revealed_at"],
        column["code_failures_base"],
        column["code_failures"],
        quote(meta.pk.column),
    )
    revealed_at = meta.get_field("code_revealed_at").get_db_prep_save(now, connection=connection)
    with connection.cursor() as cursor:
        cursor.executemany(
            sql, [(invitation.code_hash, revealed_at, invitation.pk) for invitation in invitations]
        )


_STORED = ("code_hash", "code_revealed_at", "code_failures_base", "code_failures")
