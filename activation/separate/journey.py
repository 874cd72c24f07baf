"""The state of one activation with a separate MitID (G7.1–G7.10), kept in the session.

The journey's choices live under ``separate_activation``, tied to the invitation whose pk the
emailed link put in ``activation_invitation_id``. Each step checks that the steps before it are
done, so the back button or a reload can only repeat a step, never skip one.
"""

from django.shortcuts import redirect, render

from activation.models import BoundMeans
from activation.separate import selectors

INVITATION_KEY = "activation_invitation_id"
# Set by the emailed link's journey (activation/employee) once the private MitID login has
# confirmed who the person is (G6.2–G6.4); the separate MitID is chosen after that.
IDENTITY_KEY = "employee_identity"
CODE_VERIFIED_KEY = "activation_code_verified"  # set by activation/employee after the code
STATE_KEY = "separate_activation"
DONE_KEY = "separate_activation_done"

KIND_LABELS = dict(BoundMeans.Kind.choices)

STEPS = [
    ("separate:start", lambda s: bool(s.get("kind"))),
    (
        "separate:physical",
        lambda s: s.get("kind") not in selectors.PHYSICAL_KINDS or s.get("physical_checked"),
    ),
    ("separate:bruger_id", lambda s: bool(s.get("bruger_id"))),
    ("separate:phone", lambda s: bool(s.get("phone"))),
    ("separate:overview", lambda s: bool(s.get("overview_seen"))),
    ("separate:verify", lambda s: bool(s.get("sms_verified"))),
    ("separate:activation_start", lambda s: bool(s.get("device_serial"))),
    ("separate:activate", lambda s: False),
]


class Journey:
    """The invitation being activated and the choices made so far (``state``)."""

    def __init__(self, request, invitation) -> None:
        self.request = request
        self.invitation = invitation
        self.user = invitation.user
        state = request.session.get(STATE_KEY) or {}
        if state.get("invitation_id") != invitation.pk:
            state = {"invitation_id": invitation.pk}
        self.state = state

    def save(self, **changes) -> None:
        self.state.update(changes)
        self.request.session[STATE_KEY] = self.state

    def first_undone(self) -> str:
        for name, done in STEPS:
            if not done(self.state):
                return name
        return STEPS[-1][0]

    def guard(self, step: str):
        """A redirect to the first earlier step that is not done, or None."""
        for name, done in STEPS:
            if name == step:
                return None
            if not done(self.state):
                return redirect(name)
        return None

    @property
    def kinds(self) -> list[str]:
        return selectors.invitation_device_means(invitation=self.invitation)

    def context(self, **extra) -> dict:
        kind = self.state.get("kind")
        return {
            "invitation": self.invitation,
            "subject": self.user,
            "organisation": self.invitation.organisation,
            "state": self.state,
            "kind": kind,
            "kind_label": KIND_LABELS.get(kind or "", ""),
            "is_physical": kind in selectors.PHYSICAL_KINDS,
            **extra,
        }


def journey_required(step: str | None = None):
    """The live invitation from the emailed link, or the page that says to start from it; a
    journey that already ended goes to its *Kvittering*."""

    def decorator(view):
        def wrapped(request, *args, **kwargs):
            invitation = selectors.invitation_live_get(pk=request.session.get(INVITATION_KEY))
            if invitation is None:
                done = request.session.get(DONE_KEY)
                if done and done.get("invitation_id") == request.session.get(INVITATION_KEY):
                    return redirect("separate:receipt")
                return render(request, "separate/no_invitation.html", status=403)
            identity = request.session.get(IDENTITY_KEY) or {}
            if identity.get("invitation_id") != invitation.pk:
                return render(request, "separate/no_identity.html", status=403)
            if (
                not invitation.user.cpr_hash
                and request.session.get(CODE_VERIFIED_KEY) != invitation.pk
            ):
                # A birth-date user gives the 8-digit activation code first (G5.4, G6.6).
                return redirect("employee:code")
            journey = Journey(request, invitation)
            if not journey.kinds:
                return render(request, "separate/no_means.html", journey.context(), status=403)
            if step is not None and (response := journey.guard(step)) is not None:
                return response
            return view(request, journey, *args, **kwargs)

        wrapped.__name__ = view.__name__
        wrapped.__doc__ = view.__doc__
        return wrapped

    return decorator
