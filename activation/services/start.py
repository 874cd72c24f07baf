"""Starting the activation of users, in bulk (G4.2–G4.5) and one by one (G5.5–G5.6)."""

import datetime
import operator
from collections.abc import Iterable, Iterator
from typing import SupportsIndex, overload

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from activation.models import Invitation
from activation.services.emails import LinkEmailBuilder
from mitid_portal import crypto
from mitid_portal.audit import audit_record
from mitid_portal.bulk import BulkInserter
from mitid_portal.emails import EmailBulkQueue
from mitid_portal.errors import RuleError
from organisations.models import Organisation
from organisations.selectors import organisation_offered_means
from organisations.services.rights import (
    rights_basic_package_bulk_audit,
    rights_grant_basic_package_bulk,
)
from users.models import User
from users.services.lifecycle import users_state_change_bulk

LINK_LIFETIME = datetime.timedelta(days=30)
TOKEN_PURPOSE = "activation-link"  # noqa: S105 - a hash purpose, not a secret
CODE_PURPOSE = "activation-code"
CODE_LENGTH = 8


def activation_means_check(*, organisation: Organisation, means: Iterable[str]) -> list[str]:
    """The chosen means, checked against what the organisation offers now (G4.3, G5.5) and put
    in the guide's order without repeats; ``RuleError("means")`` when none is chosen or one is
    not allowed (also when it was withdrawn after the form)."""
    offered = organisation_offered_means(organisation)
    chosen = list(dict.fromkeys(means))
    if not chosen:
        raise RuleError("means", _("Vælg mindst ét identifikationsmiddel."), field="means")
    if any(m not in offered for m in chosen):
        raise RuleError(
            "means",
            _("Organisationen tillader ikke det valgte identifikationsmiddel."),
            field="means",
        )
    return [m for m in offered if m in chosen]


_FIELDS = (
    "pk",
    "organisation_id",
    "state",
    "first_name",
    "last_name",
    "email",
    "cpr_hash",
    "language",
)
# Users per chunk: each chunk is read (locked), moved, granted, invited and emailed before the
# next is read, so memory does not grow with the number of users. Also below SQLite's limit of
# bound variables per statement.
CHUNK = 2000
# A call for at most this many users returns its Invitation objects in memory; a larger one
# reads them back from the database when the caller iterates (a bulk activation of 200,000
# users would otherwise hold 200,000 model instances).
KEEP_INVITATIONS = 1000


def _locked_chunks(users: QuerySet[User] | list[User]) -> Iterator[list[tuple]]:
    """The users' rows, CHUNK at a time, each chunk locked for the rest of the transaction, in
    primary-key order (so two concurrent starts lock in the same order and cannot deadlock)."""
    if isinstance(users, QuerySet) and not users.query.is_sliced:
        rows = users.select_for_update().order_by("pk").values_list(*_FIELDS)
        last = None
        while True:
            page = rows if last is None else rows.filter(pk__gt=last)
            chunk = list(page[:CHUNK])
            if not chunk:
                return
            yield chunk
            if len(chunk) < CHUNK:
                return
            last = chunk[-1][0]
    pks = sorted({user.pk for user in users})
    for start in range(0, len(pks), CHUNK):
        chunk = pks[start : start + CHUNK]
        yield sorted(User.objects.select_for_update().filter(pk__in=chunk).values_list(*_FIELDS))


class ActivationStarted(list[Invitation]):
    """What ``users_activation_start`` did: ``count`` users, ``with_code`` of them with an
    activation code, ``without_email`` without an email address. It is (and behaves as) the list
    of the new invitations in the users' primary-key order, as before: held in memory for a call
    of at most KEEP_INVITATIONS users; for a larger one it holds nothing, and its length,
    indexing and iteration read the invitations back from the database (in chunks).
    ``rights_added`` counts the *Basispakke* rights granted and ``first_name`` names the first
    user: what the audit of a call made with ``audit=False`` needs (``users_activation_audit``)."""

    def __init__(
        self,
        *,
        organisation: Organisation,
        created_at: datetime.datetime,
        first_pk: int,
        last_pk: int,
        count: int,
        with_code: int,
        without_email: int,
        invitations: list[Invitation] | None,
        rights_added: int = 0,
        first_name: str = "",
    ) -> None:
        super().__init__(invitations or [])
        self.organisation = organisation
        self.created_at = created_at
        self.first_pk, self.last_pk = first_pk, last_pk
        # ``count`` is the number of users (it shadows list.count, which no caller uses).
        self.count: int = count  # type: ignore[assignment]
        self.with_code, self.without_email = with_code, without_email
        self.rights_added, self.first_name = rights_added, first_name
        self.lazy = invitations is None

    def _query(self) -> QuerySet[Invitation]:
        # This call's rows: its organisation, its timestamp, between its first and last key.
        return Invitation.objects.filter(
            organisation=self.organisation,
            created_at=self.created_at,
            pk__gte=self.first_pk,
            pk__lte=self.last_pk,
        ).order_by("pk")

    def __len__(self) -> int:
        return self.count if self.lazy else super().__len__()

    @overload
    def __getitem__(self, index: SupportsIndex) -> Invitation: ...

    @overload
    def __getitem__(self, index: slice) -> list[Invitation]: ...

    def __getitem__(self, index: SupportsIndex | slice) -> Invitation | list[Invitation]:
        if not self.lazy:
            return super().__getitem__(index)
        if isinstance(index, slice):
            return list(self)[index]
        position = operator.index(index)
        if position < 0:
            position += len(self)
        if not 0 <= position < len(self):
            raise IndexError(index)
        return self._query()[position]

    def __iter__(self) -> Iterator[Invitation]:
        if not self.lazy:
            return super().__iter__()
        return self._query().iterator(chunk_size=CHUNK)


@transaction.atomic
def users_activation_start(
    *,
    organisation: Organisation,
    users: QuerySet[User] | list[User],
    means: list[str],
    actor: User | None,
    request=None,
    audit: bool = True,
) -> ActivationStarted:
    """Start the activation of imported users (G4.2–G4.5, G5.6): each becomes *Afventer
    aktivering* with the chosen means, the *Basispakke* and one live invitation, and is emailed
    a link valid 30 days. A user without CPR (birth date only) also needs the 8-digit temporary activation code,
    which is never emailed: the administrator reveals it with *Vis* (G5.7).

    All or nothing: a user of another organisation (code ``foreign``) or one that is no longer
    imported (``not_imported``, e.g. a double click) refuses the whole request. Secrets are kept
    only as keyed hashes; the one-live-invitation constraint is the last line against races.

    The users are processed CHUNK at a time (read, locked, moved, granted, invited, emailed), so
    memory stays flat whatever their number; the result counts them (see ActivationStarted).
    With ``audit=False`` the caller writes the audit (``users_activation_audit``) once for a
    larger act made of several calls: the bulk activation job, a call per chunk.
    """
    means = activation_means_check(organisation=organisation, means=means)
    now = timezone.now()
    expires_at = now + LINK_LIFETIME
    actor_name = _actor_name(actor)
    created_by_name = actor_name[:200]
    # The invitations differ only in user, token and code; the rest is prepared once.
    template = Invitation(
        organisation=organisation,
        means=means,
        created_by_name=created_by_name,
        created_at=now,
        expires_at=expires_at,
    )
    inserter = BulkInserter(Invitation, template=template, varying=_VARYING)
    builder = LinkEmailBuilder(organisation=organisation, expires_at=expires_at)
    outbox = EmailBulkQueue()
    token_hash = crypto.keyed_hasher(TOKEN_PURPOSE)
    code_hash = crypto.keyed_hasher(CODE_PURPOSE)
    random_token, random_digits = crypto.random_token, crypto.random_digits
    imported = User.State.IMPORTED

    count = with_code = without_email = rights_added = 0
    first_pk = last_pk = 0
    kept: list[Invitation] | None = []
    first_name = ""
    for rows in _locked_chunks(users):
        if any(row[1] != organisation.pk for row in rows):
            raise RuleError("foreign", _("Brugeren findes ikke."))
        if any(row[2] != imported for row in rows):
            raise RuleError(
                "not_imported",
                _("Aktiveringen er allerede startet for en eller flere af de valgte brugere."),
            )
        if not count:
            first_name = f"{rows[0][3]} {rows[0][4]}".strip()
        count += len(rows)
        pks = [row[0] for row in rows]
        users_state_change_bulk(
            ids=pks,
            source=User.State.IMPORTED,
            to=User.State.AWAITING,
            fields={"means": means},
        )
        # Every new user has the *Basispakke*; an imported user gets it as the activation starts
        # (a user created by Opret bruger or Masseopret already has it, and nothing is added).
        rights_added += rights_grant_basic_package_bulk(
            organisation=organisation,
            user_ids=pks,
            granted_by_name=actor_name,
            actor=actor,
            audit=False,
        )
        tokens = [random_token() for _row in rows]
        values = [
            (
                row[0],
                token_hash(token),
                "" if row[6] else code_hash(random_digits(CODE_LENGTH)),
            )
            for row, token in zip(rows, tokens, strict=True)
        ]
        invitation_pks = inserter.insert_returning(values)
        first_pk = first_pk or invitation_pks[0]
        last_pk = invitation_pks[-1]
        if kept is not None and count <= KEEP_INVITATIONS:
            kept += [
                _invitation(template, pk=pk, user_id=user_id, token_hash=token, code=code)
                for pk, (user_id, token, code) in zip(invitation_pks, values, strict=True)
            ]
        else:
            kept = None
        emails = []
        for row, token, (_user, _token_hash, code), pk in zip(
            rows, tokens, values, invitation_pks, strict=True
        ):
            with_code += bool(code)
            if not row[5]:
                without_email += 1  # the import flags users without email; the administrator
                continue  # adds one
            emails.append(
                builder.values(
                    to=row[5],
                    name=f"{row[3]} {row[4]}".strip(),
                    token=token,
                    code_required=bool(code),
                    event_key=f"activation-link-{pk}",
                    language=row[7],
                )
            )
        outbox.add(emails)
        del rows, pks, tokens, values, invitation_pks, emails
    if not count:
        raise RuleError("empty", _("Der er ikke valgt nogen brugere."))

    if audit:
        users_activation_audit(
            organisation=organisation,
            count=count,
            means=means,
            with_code=with_code,
            without_email=without_email,
            rights_added=rights_added,
            first_name=first_name,
            actor=actor,
            request=request,
        )
    return ActivationStarted(
        organisation=organisation,
        created_at=now,
        first_pk=first_pk,
        last_pk=last_pk,
        count=count,
        with_code=with_code,
        without_email=without_email,
        invitations=kept,
        rights_added=rights_added,
        first_name=first_name,
    )


def _actor_name(actor: User | None) -> str:
    # No actor: the operator's command line (``activate_users``).
    return actor.full_name if actor is not None else "MitID Erhverv (activate_users)"


def users_activation_audit(
    *,
    organisation: Organisation,
    count: int,
    means: list[str],
    with_code: int,
    without_email: int,
    rights_added: int,
    actor: User | None,
    first_name: str = "",
    extra: dict | None = None,
    request=None,
    actor_name: str = "",
) -> None:
    """The audit of starting the activation of ``count`` users, one pair for the whole act: the
    *Basispakke* rights granted (when any were) and ``users_activation_started``, its target the
    user's name for one user, else how many. ``extra`` adds details (the bulk job's number);
    ``actor_name`` names an actor whose user no longer exists."""
    actor_name = actor_name if actor is None and actor_name else _actor_name(actor)
    target = first_name if count == 1 else f"{count} brugere"
    rights_basic_package_bulk_audit(
        organisation=organisation,
        added=rights_added,
        user_count=count,
        granted_by_name=actor_name,
        actor=actor,
        target=target,
        request=request,
    )
    audit_record(
        action="users_activation_started",
        actor_name=actor_name,
        actor_user=actor,
        organisation=organisation,
        target=target,
        changes={
            "count": count,
            "means": means,
            "with_code": with_code,
            "without_email": without_email,
            **(extra or {}),
        },
        request=request,
    )


_VARYING = ("user_id", "token_hash", "code_hash")


def _invitation(
    template: Invitation, *, pk: int, user_id: int, token_hash: str, code: str
) -> Invitation:
    """A saved invitation of a small call, as returned: the template's values and its own."""
    invitation = Invitation(
        pk=pk,
        user_id=user_id,
        organisation=template.organisation,
        token_hash=token_hash,
        code_hash=code,
        means=template.means,
        created_by_name=template.created_by_name,
        created_at=template.created_at,
        expires_at=template.expires_at,
    )
    invitation._state.adding = False
    return invitation
