"""The acts on *Brugerinformation* that reach past the user into activation (DESIGN.md
"Administration"): *Luk bruger* (the user's part is ``users.services.lifecycle.user_account_close``;
here the bound means are removed and a pending activation stops), *Send nyt aktiveringslink*
and *Ny kode* (the invitation services, found from the user)."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from activation.models import BoundMeans, Invitation
from activation.services.invitations import activation_code_renew, invitation_resend
from mitid_portal.errors import RuleError
from users.models import User
from users.services import lifecycle


@transaction.atomic
def user_close(*, user: User, reason: str, actor, version: str = "", request=None) -> User:
    """*Luk bruger*: for good. The user and every means bound to them can no longer log in, a
    pending activation stops (its invitation is cancelled), their roles end and their sessions
    end; the row stays for the audit log, in one event that counts the means removed. All or
    nothing: if users' rules refuse the close (no reason, already closed, the last organisation
    administrator…), nothing here is kept either."""
    User.objects.select_for_update().filter(pk=user.pk).first()  # the user's row first, always
    means = BoundMeans.objects.filter(user=user, removed_at__isnull=True).update(
        removed_at=timezone.now()
    )
    Invitation.objects.filter(user=user, state=Invitation.State.LIVE).update(
        state=Invitation.State.CANCELLED
    )
    return lifecycle.user_account_close(
        user=user,
        reason=reason,
        actor=actor,
        version=version,
        request=request,
        details={"means_removed": means},
    )


def _live_invitation(user: User) -> Invitation:
    invitation = (
        Invitation.objects.select_related("user", "organisation")
        .filter(user=user, organisation=user.organisation_id, state=Invitation.State.LIVE)
        .first()
    )
    if invitation is None:
        raise RuleError("no_invitation", _("Brugeren afventer ikke aktivering."))
    return invitation


def user_activation_resend(*, user: User, actor, request=None) -> Invitation:
    """*Send nyt aktiveringslink* from *Brugerinformation*: the user's live invitation is
    replaced by a new one with a new link (``invitation_resend``)."""
    return invitation_resend(invitation=_live_invitation(user), actor=actor, request=request)


def user_activation_code_renew(*, user: User, actor, request=None) -> tuple[Invitation, str]:
    """*Ny kode* from *Brugerinformation*: a new temporary activation code for the user's live
    invitation (``activation_code_renew``); the code is shown once and never stored in clear."""
    invitation = _live_invitation(user)
    code = activation_code_renew(invitation=invitation, actor=actor, request=request)
    return invitation, code
