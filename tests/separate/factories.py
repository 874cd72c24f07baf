"""Invitations for the separate-MitID journey, with a known link token."""

import datetime

from django.utils import timezone

from activation.models import Invitation
from mitid_portal import crypto
from tests.factories import OrganisationFactory, UserFactory
from users.models import User

TOKEN_PURPOSE = "activation-link"  # noqa: S105 - a hash purpose, not a secret


def invitation_create(
    *, user: User | None = None, means: list[str] | None = None, token: str | None = None, **org
) -> tuple[Invitation, str]:
    """A live invitation (30 days) for an awaiting user; returns it with its plain token."""
    if user is None:
        organisation = OrganisationFactory(
            allowed_means=["app", "kodeviser", "kodeoplaeser", "chip"], **org
        )
        user = UserFactory(organisation=organisation, state=User.State.AWAITING)
    means = means if means is not None else ["kodeviser"]
    user.means = means
    user.state = User.State.AWAITING
    user.save(update_fields=["means", "state"])
    token = token or crypto.random_token()
    invitation = Invitation.objects.create(
        user=user,
        organisation=user.organisation,
        token_hash=crypto.keyed_hash(token, purpose=TOKEN_PURPOSE),
        means=means,
        created_by_name="Test Administrator",
        expires_at=timezone.now() + datetime.timedelta(days=30),
    )
    return invitation, token


def session_start(client, invitation: Invitation) -> None:
    """What the emailed link's landing does: the invitation's pk in the session."""
    session = client.session
    session["activation_invitation_id"] = invitation.pk
    # The private MitID login of the link's journey confirmed the person (activation/employee).
    session["employee_identity"] = {"invitation_id": invitation.pk}
    session.save()
