"""Starting the activation of users, in bulk (G4.2–G4.5) and one by one (G5.5–G5.6)."""

import datetime
from collections.abc import Iterable

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from activation.models import Invitation
from activation.services.emails import LinkEmailBuilder
from mitid_portal import crypto
from mitid_portal.audit import audit_record
from mitid_portal.bulk import BulkInserter
from mitid_portal.emails import emails_queue_bulk
from mitid_portal.errors import RuleError
from organisations.models import Organisation
from organisations.selectors import organisation_offered_means
from organisations.services.rights import rights_grant_basic_package_bulk
from users.models import User
from users.services.lifecycle import users_state_change_bulk

LINK_LIFETIME = datetime.timedelta(days=30)
TOKEN_PURPOSE = "activation-link"  # noqa: S105 - a hash purpose, not a secret
CODE_PURPOSE = "activation-code"
CODE_LENGTH = 8
_CHUNK = 5000  # ids per UPDATE: stays below SQLite's limit of bound variables


def _check_means(*, organisation: Organisation, means: Iterable[str]) -> list[str]:
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


def _locked_rows(users: QuerySet[User] | list[User]) -> list[tuple]:
    """The users' rows, locked for the rest of the transaction, in primary-key order (so two
    concurrent starts lock in the same order and cannot deadlock)."""
    if isinstance(users, QuerySet) and not users.query.is_sliced:
        return list(users.select_for_update().order_by("pk").values_list(*_FIELDS))
    pks = sorted({user.pk for user in users})
    rows: list[tuple] = []
    for start in range(0, len(pks), _CHUNK):
        chunk = pks[start : start + _CHUNK]
        rows += User.objects.select_for_update().filter(pk__in=chunk).values_list(*_FIELDS)
    return sorted(rows)


@transaction.atomic
def users_activation_start(
    *,
    organisation: Organisation,
    users: QuerySet[User] | list[User],
    means: list[str],
    actor: User | None,
    request=None,
) -> list[Invitation]:
    """Start the activation of imported users (G4.2–G4.5, G5.6): each becomes *Afventer
    aktivering* with the chosen means, the *Basispakke* and one live invitation, and is emailed
    a link valid 30 days. A user without CPR (birth date only) also needs the 8-digit temporary activation code,
    which is never emailed: the administrator reveals it with *Vis* (G5.7).

    All or nothing: a user of another organisation (code ``foreign``) or one that is no longer
    imported (``not_imported``, e.g. a double click) refuses the whole request. Secrets are kept
    only as keyed hashes; the one-live-invitation constraint is the last line against races.
    """
    means = _check_means(organisation=organisation, means=means)
    rows = _locked_rows(users)
    if not rows:
        raise RuleError("empty", _("Der er ikke valgt nogen brugere."))
    if any(row[1] != organisation.pk for row in rows):
        raise RuleError("foreign", _("Brugeren findes ikke."))
    if any(row[2] != User.State.IMPORTED for row in rows):
        raise RuleError(
            "not_imported",
            _("Aktiveringen er allerede startet for en eller flere af de valgte brugere."),
        )

    pks = [row[0] for row in rows]
    for start in range(0, len(pks), _CHUNK):
        users_state_change_bulk(
            queryset=User.objects.filter(pk__in=pks[start : start + _CHUNK]),
            source=User.State.IMPORTED,
            to=User.State.AWAITING,
            fields={"means": means},
        )

    now = timezone.now()
    expires_at = now + LINK_LIFETIME
    # No actor: the operator's command line (``activate_users``).
    actor_name = actor.full_name if actor is not None else "MitID Erhverv (activate_users)"
    target = f"{rows[0][3]} {rows[0][4]}".strip() if len(rows) == 1 else f"{len(rows)} brugere"
    # Every new user has the *Basispakke*; an imported user gets it as the activation starts
    # (a user created by Opret bruger or Masseopret already has it, and nothing is added).
    rights_grant_basic_package_bulk(
        organisation=organisation,
        user_ids=pks,
        granted_by_name=actor_name,
        actor=actor,
        target=target,
        request=request,
    )
    tokens: list[str] = []
    invitations: list[Invitation] = []
    for pk, _org, _state, _first, _last, _email, cpr_hash, _language in rows:
        token = crypto.random_token()
        tokens.append(token)
        code_hash = (
            ""
            if cpr_hash
            else crypto.keyed_hash(crypto.random_digits(CODE_LENGTH), purpose=CODE_PURPOSE)
        )
        invitations.append(
            Invitation(
                user_id=pk,
                organisation=organisation,
                token_hash=crypto.keyed_hash(token, purpose=TOKEN_PURPOSE),
                code_hash=code_hash,
                means=means,
                created_by_name=actor_name[:200],
                created_at=now,
                expires_at=expires_at,
            )
        )
    # The invitations differ only in user, token and code; the rest is prepared once.
    varying = ("user_id", "token_hash", "code_hash")
    pks = BulkInserter(Invitation, template=invitations[0], varying=varying).insert_returning(
        [(i.user_id, i.token_hash, i.code_hash) for i in invitations]
    )
    for invitation, pk in zip(invitations, pks, strict=True):
        invitation.pk = pk
        invitation._state.adding = False

    builder = LinkEmailBuilder(organisation=organisation, expires_at=expires_at)
    emails = []
    without_email = 0
    for row, invitation, token in zip(rows, invitations, tokens, strict=True):
        _pk, _org, _state, first, last, email, _cpr_hash, language = row
        if not email:
            without_email += 1
            continue  # the import flags users without email; the administrator adds one
        emails.append(
            builder.row(
                to=email,
                name=f"{first} {last}".strip(),
                token=token,
                code_required=bool(invitation.code_hash),
                event_key=f"activation-link-{invitation.pk}",
                language=language,
            )
        )
    emails_queue_bulk(emails)

    audit_record(
        action="users_activation_started",
        actor_name=actor_name,
        actor_user=actor,
        organisation=organisation,
        target=target,
        changes={
            "count": len(rows),
            "means": means,
            "with_code": sum(1 for i in invitations if i.code_hash),
            "without_email": without_email,
        },
        request=request,
    )
    return invitations
