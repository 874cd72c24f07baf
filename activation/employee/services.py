"""State changes of the employee's activation with private MitID (G6.1–G6.7), of *Min profil*
and of the login history.

Secrets are compared only as keyed hashes in constant time. The temporary activation code's
failure count lives in the invitation row, read and raised under a row lock, and a wrong try is
committed before the error is raised, so it always counts (DESIGN.md "Rules").
"""

import hmac

from django.db import transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from activation import emails
from activation.employee import selectors
from activation.models import BoundMeans, Invitation
from mitid_portal import crypto
from mitid_portal.audit import audit_record
from mitid_portal.errors import RuleError
from mitid_portal.outside import Identity
from mitid_portal.ratelimit import login_rate_hit
from users.models import User
from users.services.lifecycle import user_state_change

CODE_PURPOSE = "activation-code"
CODE_LENGTH = 8
CODE_MAX_FAILURES = 3
PRIVATE = selectors.PRIVATE


MISMATCH = _(
    "Det private MitID, du loggede ind med, passer ikke til den bruger, linket er sendt til. "
    "Din bruger er ikke aktiveret. Log ind med dit eget private MitID, eller bed din "
    "brugeradministrator om et nyt link."
)
LOCKED = _(
    "Aktiveringskoden er spærret efter 3 forkerte forsøg. Bed din brugeradministrator om en ny "
    "aktiveringskode."
)
NO_CODE = _(
    "Du har ikke fået en aktiveringskode endnu. Bed din brugeradministrator om en aktiveringskode."
)
PROBLEM_MESSAGES = {
    selectors.UNKNOWN: _("Linket er ugyldigt. Bed din brugeradministrator om et nyt link."),
    selectors.EXPIRED: _("Linket er udløbet. Bed din brugeradministrator om et nyt link."),
    selectors.USED: _("Din bruger er allerede aktiveret. Du kan logge på MitID Erhverv."),
    selectors.REPLACED: _(
        "Linket er erstattet af et nyere link. Brug linket i den nyeste e-mail, eller bed din "
        "brugeradministrator om et nyt link."
    ),
    selectors.CANCELLED: _(
        "Aktiveringen er annulleret. Bed din brugeradministrator om et nyt link."
    ),
}


def _normal_name(value: str) -> str:
    return " ".join((value or "").split()).casefold()


def identity_matches_user(*, user: User, identity: Identity) -> bool:
    """Whether a private MitID identity is this user (G6.4): the same CPR for a user with a CPR
    link; the same name (case-insensitive, first and last) and birth date for a user known only
    by birth date."""
    if user.cpr_hash:
        return hmac.compare_digest(crypto.cpr_hash(identity.cpr), user.cpr_hash)
    if user.birth_date is None or user.birth_date != identity.birth_date:
        return False
    return _normal_name(f"{user.first_name} {user.last_name}") == _normal_name(
        f"{identity.first_name} {identity.last_name}"
    )


def activation_attempt_register(*, address: str | None, invitation_id: int) -> bool:
    """Count one login return or code try; False when the address or the invitation has passed
    the login limit (``LOGIN_RATE_LIMIT`` per ``LOGIN_RATE_WINDOW`` seconds, counted in the shared
    cache so it holds across web processes); then the caller stops before doing anything."""
    by_address = login_rate_hit(key=f"employee-attempts:ip:{address or '-'}")
    by_invitation = login_rate_hit(key=f"employee-attempts:inv:{invitation_id}")
    return by_address and by_invitation


def employee_identity_verify(
    *, invitation: Invitation, identity: Identity, request: HttpRequest | None = None
) -> None:
    """The private MitID login on the activation link must be the invited user (G6.4). A
    mismatch activates nothing, is recorded in the organisation's audit log (never with a CPR
    number) and raises ``RuleError("mismatch")``."""
    if identity_matches_user(user=invitation.user, identity=identity):
        return
    with transaction.atomic():
        audit_record(
            action="activation_identity_mismatch",
            actor_name=identity.full_name,
            organisation=invitation.organisation,
            target=invitation.user.full_name,
            changes={"invitation": invitation.pk},
            request=request,
        )
    raise RuleError("mismatch", MISMATCH)


def _code_error(invitation: Invitation, code: str | None) -> RuleError | None:
    """Check the temporary activation code against the locked row. The try is reserved first,
    by one conditional UPDATE of the row's failure count (increment, then compare: no try is
    compared once three are spent, whatever runs in parallel); a right code gives it back. The
    count is saved by the caller's transaction."""
    if not invitation.code_hash:
        return RuleError("no_code", NO_CODE, field="code")
    reserved = Invitation.objects.filter(
        pk=invitation.pk, code_failures__lt=F("code_failures_base") + CODE_MAX_FAILURES
    ).update(code_failures=F("code_failures") + 1)
    invitation.refresh_from_db(fields=["code_failures"])
    if not reserved:
        return RuleError("locked", LOCKED, field="code")
    if code and crypto.hashes_match(code, invitation.code_hash, purpose=CODE_PURPOSE):
        Invitation.objects.filter(pk=invitation.pk).update(code_failures=F("code_failures") - 1)
        invitation.refresh_from_db(fields=["code_failures"])
        return None
    left = CODE_MAX_FAILURES - invitation.code_failures_current
    if left <= 0:
        return RuleError("locked", LOCKED, field="code")
    return RuleError(
        "wrong",
        ngettext(
            "Aktiveringskoden er forkert. Du har %(left)d forsøg tilbage.",
            "Aktiveringskoden er forkert. Du har %(left)d forsøg tilbage.",
            left,
        )
        % {"left": left},
        field="code",
    )


def activation_code_check(*, invitation_id: int, code: str) -> Invitation:
    """Check the 8-digit code of a birth-date user who continues with a separate MitID (G7):
    the same rules as in ``employee_activate_private`` (row lock, 3 tries, the wrong try
    committed before the error is raised), without activating anything yet."""
    with transaction.atomic():
        invitation = Invitation.objects.select_for_update().filter(pk=invitation_id).first()
        problem = selectors.invitation_problem(invitation)
        if problem:
            raise RuleError(problem, PROBLEM_MESSAGES[problem])
        assert invitation is not None  # invitation_problem names a missing one UNKNOWN
        error = _code_error(invitation, code)
    if error is not None:
        raise error
    return invitation


def employee_activate_private(
    *,
    invitation_id: int,
    identity: Identity,
    code: str | None = None,
    request: HttpRequest | None = None,
) -> Invitation:
    """Activate the invited user with private MitID (G6.5–G6.7), in one transaction: the
    invitation is used, the user active with private MitID bound, an audit event
    ``user_activated`` recorded and the email "Et identifikationsmiddel er tilføjet" queued.

    A user known only by birth date must give the 8-digit code; 3 wrong tries lock it. The row
    lock makes two concurrent tries take turns, so they cannot both spend the last try; the
    wrong try is committed and only then is the error raised. A second call (reload, back
    button) finds the invitation used and activates nothing."""
    error: RuleError | None = None
    with transaction.atomic():
        invitation = Invitation.objects.select_for_update().filter(pk=invitation_id).first()
        problem = selectors.invitation_problem(invitation)
        if problem:
            raise RuleError(problem, PROBLEM_MESSAGES[problem])
        assert invitation is not None  # invitation_problem names a missing one UNKNOWN
        user = User.objects.select_for_update().get(pk=invitation.user_id)
        invitation.user = user
        if user.state not in (User.State.IMPORTED, User.State.AWAITING):
            raise RuleError(selectors.USED, PROBLEM_MESSAGES[selectors.USED])
        if not identity_matches_user(user=user, identity=identity):
            raise RuleError("mismatch", MISMATCH)
        if not selectors.invitation_offers_private(invitation=invitation):
            raise RuleError(
                "not_offered", _("Din organisation tillader ikke privat MitID på arbejdet.")
            )
        if selectors.invitation_needs_code(invitation=invitation):
            error = _code_error(invitation, code)
        if error is None:
            _activate(invitation=invitation, user=user, identity=identity, request=request)
    if error is not None:
        raise error
    return invitation


def _activate(
    *, invitation: Invitation, user: User, identity: Identity, request: HttpRequest | None
) -> None:
    now = timezone.now()
    fields: dict = {"uses_private_mitid": True}
    if not user.cpr_hash:
        # A birth-date user proved who they are with name, birth date and the code: their
        # private MitID is bound by its CPR, so the portal's login finds them again.
        fields |= {"cpr": identity.cpr, "cpr_hash": crypto.cpr_hash(identity.cpr)}
    # The audit event is this journey's own (user_activated with the means), recorded below.
    user_state_change(user=user, to=User.State.ACTIVE, fields=fields, audit=False)
    invitation.state = Invitation.State.USED
    invitation.used_at = now
    invitation.save(update_fields=["state", "used_at"])
    binding = BoundMeans.objects.filter(user=user, kind=PRIVATE, removed_at__isnull=True).first()
    if binding is None:
        binding = BoundMeans(user=user, kind=PRIVATE, bound_at=now)
        binding.full_clean()
        binding.save()
    organisation = invitation.organisation
    audit_record(
        action="user_activated",
        actor_name=user.full_name,
        organisation=organisation,
        target=user.full_name,
        changes={"means": PRIVATE, "private_mitid": True},
        request=request,
    )
    if user.email:
        emails.means_added(
            to=user.email,
            user=user,
            organisation=organisation,
            kind=BoundMeans.Kind.PRIVATE,
            bound_at=now,
            event_key=f"means-added-{binding.pk}",
        )


@transaction.atomic
def means_remove(*, user: User, means_id: int, request: HttpRequest | None = None) -> BoundMeans:
    """Remove one of the user's own means (*Min profil*) and tell them by email ("Et
    identifikationsmiddel er fjernet"). The last means cannot be removed: the user could not
    log in again. Another user's means is ``RuleError("not_found")``."""
    binding = (
        BoundMeans.objects.select_for_update()
        .filter(pk=means_id, user=user, removed_at__isnull=True)
        .first()
    )
    if binding is None:
        raise RuleError("not_found", _("Identifikationsmidlet findes ikke."))
    others = BoundMeans.objects.filter(user=user, removed_at__isnull=True).exclude(pk=binding.pk)
    if not others.exists():
        raise RuleError(
            "last",
            _(
                "Du kan ikke fjerne dit eneste identifikationsmiddel, for så kan du ikke logge "
                "på. Bed en brugeradministrator om et nyt identifikationsmiddel først – se "
                "Tilføj et identifikationsmiddel på Min profil."
            ),
        )
    now = timezone.now()
    binding.removed_at = now
    binding.save(update_fields=["removed_at"])
    if binding.kind == PRIVATE and not others.filter(kind=PRIVATE).exists():
        User.objects.filter(pk=user.pk).update(uses_private_mitid=False)
        user.uses_private_mitid = False
    audit_record(
        action="means_removed",
        actor_name=user.full_name,
        actor_user=user,
        organisation=user.organisation,
        target=user.full_name,
        changes={"means": binding.kind, "serial": binding.device_serial},
        request=request,
    )
    if user.email:
        emails.means_removed(
            to=user.email,
            user=user,
            binding=binding,
            event_key=f"means-removed-{binding.pk}",
        )
    return binding
