"""The employee's pages: activation with private MitID from the emailed link (G6.1–G6.7) and
*Min profil*.

The link's token is checked once and then kept only in the session (as the invitation's pk
under ``activation_invitation_id``, which the separate-MitID journey reads too); every later
step is on a URL without it, so it never leaks through the Referer header.
"""

import datetime
import hmac
import secrets
from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from activation.employee import selectors, services
from activation.employee.forms import NO, ActivationCodeForm, PrivateChoiceForm
from activation.models import BoundMeans
from mitid_portal import crypto, outside
from mitid_portal.audit import client_ip
from mitid_portal.errors import RuleError
from organisations.access import organisation_view
from organisations.selectors import user_rights_rows

INVITATION_KEY = "activation_invitation_id"
STATE_KEY = "employee_login_state"
IDENTITY_KEY = "employee_identity"
CHOICE_KEY = "employee_use_private"
RECEIPT_KEY = "employee_receipt"
NO_SESSION = "session"
PAGE_SIZE = 20
_STATUS = {selectors.UNKNOWN: 404, NO_SESSION: 404}
_PROBLEMS = {
    selectors.UNKNOWN,
    selectors.EXPIRED,
    selectors.USED,
    selectors.REPLACED,
    selectors.CANCELLED,
}


def _problem_page(request, problem: str):
    """One page per reason a link or a journey cannot go on, saying what to do."""
    return render(request, f"employee/problem_{problem}.html", status=_STATUS.get(problem, 410))


def _throttled(request):
    return render(request, "employee/throttled.html", status=429)


def _invitation(request):
    """The invitation of this browser's journey and why it cannot go on (or None)."""
    invitation = selectors.invitation_by_pk(pk=request.session.get(INVITATION_KEY))
    if invitation is None:
        return None, NO_SESSION
    return invitation, selectors.invitation_problem(invitation)


def _identity(request, invitation) -> outside.Identity | None:
    """The private MitID identity confirmed for this invitation in this session, if any."""
    data = request.session.get(IDENTITY_KEY)
    if not data or data.get("invitation_id") != invitation.pk:
        return None
    return outside.Identity(
        cpr=crypto.decrypt(data["cpr_encrypted"]),
        first_name=data["first_name"],
        last_name=data["last_name"],
        birth_date=datetime.date.fromisoformat(data["birth_date"]),
    )


def _journey(request, *, need_identity: bool = True):
    """(invitation, identity, response): a response when the journey cannot go on here – the
    receipt after a finished activation (back button, reload), a problem page, or back to the
    login step when the identity is not yet confirmed."""
    invitation, problem = _invitation(request)
    if problem:
        if request.session.get(RECEIPT_KEY) and problem in (selectors.USED, NO_SESSION):
            return None, None, redirect("employee:receipt")
        return None, None, _problem_page(request, problem)
    identity = _identity(request, invitation) if need_identity else None
    if need_identity and identity is None:
        return None, None, redirect("employee:start")
    return invitation, identity, None


CODE_VERIFIED_KEY = "activation_code_verified"  # invitation pk whose code was given


def _separate(request):
    """Hand over to the activation with a separate MitID (G7)."""
    return redirect("separate:start")


def _finish(request, invitation) -> None:
    for key in (INVITATION_KEY, IDENTITY_KEY, CHOICE_KEY, STATE_KEY):
        request.session.pop(key, None)
    request.session[RECEIPT_KEY] = {
        "organisation": invitation.organisation.name,
        "cvr": invitation.organisation.cvr,
        "name": invitation.user.full_name,
        "means": str(BoundMeans.Kind.PRIVATE.label),
    }


@never_cache
@require_GET
def link(request, token: str):
    """The emailed link (G6.1). A GET changes nothing (mail scanners open links): a good token
    moves into the session and the browser goes on to a URL without it."""
    invitation = selectors.invitation_by_token(token=token)
    problem = selectors.invitation_problem(invitation)
    if problem:
        # The reason is shown on a URL without the token: a 4xx answer on the token's URL would
        # put the token into Django's request log and the next page's Referer.
        return redirect(f"{reverse('employee:link_problem')}?{urlencode({'aarsag': problem})}")
    assert invitation is not None  # invitation_problem names a missing one UNKNOWN
    for key in (IDENTITY_KEY, CHOICE_KEY, STATE_KEY, RECEIPT_KEY):
        request.session.pop(key, None)
    request.session[INVITATION_KEY] = invitation.pk
    return redirect("employee:start")


@never_cache
@require_GET
def link_problem(request):
    """Why an emailed link cannot be used (expired, used, replaced, cancelled or unknown)."""
    problem = request.GET.get("aarsag", "")
    return _problem_page(request, problem if problem in _PROBLEMS else selectors.UNKNOWN)


@never_cache
@require_GET
def start(request):
    """*Aktivér din bruger* (G6.1–G6.2) with the organisation's name → *Aktivér bruger*."""
    invitation, _identity_unused, elsewhere = _journey(request, need_identity=False)
    if elsewhere:
        return elsewhere
    return render(request, "employee/start.html", {"invitation": invitation})


@never_cache
@require_http_methods(["GET", "POST"])
def login(request):
    """*Log ind med dit private MitID* (G6.3) → *Næste* → the private MitID login."""
    invitation, _identity_unused, elsewhere = _journey(request, need_identity=False)
    if elsewhere:
        return elsewhere
    if request.method == "POST":
        state = secrets.token_urlsafe(24)
        request.session[STATE_KEY] = state
        return redirect(
            outside.mitid_broker().login_url(
                client="MitID Erhverv",
                return_url=reverse("employee:callback"),
                state=state,
            )
        )
    return render(request, "employee/login.html", {"invitation": invitation})


@never_cache
@require_GET
def callback(request):
    """The private MitID login's answer (G6.4): the identity must be the invited user."""
    invitation, _identity_unused, elsewhere = _journey(request, need_identity=False)
    if elsewhere:
        return elsewhere
    if not services.activation_attempt_register(
        address=client_ip(request), invitation_id=invitation.pk
    ):
        return _throttled(request)
    expected = request.session.pop(STATE_KEY, None)
    state = request.GET.get("state", "")
    code = request.GET.get("code", "")
    identity = None
    if expected and code and hmac.compare_digest(expected, state):
        identity = outside.mitid_broker().exchange(code=code)
    if identity is None:
        messages.error(request, _("Login med dit private MitID mislykkedes. Prøv igen."))
        return redirect("employee:login")
    try:
        services.employee_identity_verify(invitation=invitation, identity=identity, request=request)
    except RuleError as exc:
        request.session.pop(IDENTITY_KEY, None)
        return render(request, "employee/mismatch.html", {"message": exc.message}, status=403)
    request.session.cycle_key()
    request.session[IDENTITY_KEY] = {
        "invitation_id": invitation.pk,
        # The CPR enters the session store only encrypted.
        "cpr_encrypted": crypto.encrypt(identity.cpr),
        "first_name": identity.first_name,
        "last_name": identity.last_name,
        "birth_date": identity.birth_date.isoformat(),
    }
    return redirect("employee:choose")


def _activate(request, invitation, identity, code: str | None = None):
    services.employee_activate_private(
        invitation_id=invitation.pk, identity=identity, code=code, request=request
    )
    _finish(request, invitation)
    return redirect("employee:receipt")


@never_cache
@require_http_methods(["GET", "POST"])
def choose(request):
    """*Vil du bruge dit private MitID* (G6.4–G6.5), only where the organisation allows it and
    the administrator offered it; otherwise, or on "Nej", the separate MitID (G7)."""
    invitation, identity, elsewhere = _journey(request)
    if elsewhere:
        return elsewhere
    if not selectors.invitation_offers_private(invitation=invitation):
        request.session[CHOICE_KEY] = False
        if selectors.invitation_needs_code(invitation=invitation):
            return redirect("employee:code")
        return _separate(request)
    form = PrivateChoiceForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        if form.cleaned_data["use_private"] == NO:
            request.session[CHOICE_KEY] = False
            if selectors.invitation_needs_code(invitation=invitation):
                return redirect("employee:code")  # the code first, then the separate MitID
            return _separate(request)
        request.session[CHOICE_KEY] = True
        if selectors.invitation_needs_code(invitation=invitation):
            return redirect("employee:code")
        try:
            return _activate(request, invitation, identity)
        except RuleError as exc:
            if exc.code in _PROBLEMS:
                return _problem_page(request, exc.code)
            form.add_error(None, exc.message)
    return render(request, "employee/choose.html", {"invitation": invitation, "form": form})


@never_cache
@require_http_methods(["GET", "POST"])
def code(request):
    """*Indtast aktiveringskoden på 8 cifre* (G6.6) → *Kvittering*. 3 wrong tries lock the code;
    then only a new code from the administrator helps."""
    invitation, identity, elsewhere = _journey(request)
    if elsewhere:
        return elsewhere
    if CHOICE_KEY not in request.session or not selectors.invitation_needs_code(
        invitation=invitation
    ):
        return redirect("employee:choose")
    separate_next = request.session[CHOICE_KEY] is False
    locked = invitation.code_failures_current >= services.CODE_MAX_FAILURES
    form = ActivationCodeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and not locked:
        if not services.activation_attempt_register(
            address=client_ip(request), invitation_id=invitation.pk
        ):
            return _throttled(request)
        if form.is_valid():
            try:
                if separate_next:
                    # A birth-date user gives the code here before the separate MitID (G7).
                    services.activation_code_check(
                        invitation_id=invitation.pk, code=form.cleaned_data["code"]
                    )
                    request.session[CODE_VERIFIED_KEY] = invitation.pk
                    return _separate(request)
                return _activate(request, invitation, identity, form.cleaned_data["code"])
            except RuleError as exc:
                if exc.code == "locked":
                    locked = True
                elif exc.code in _PROBLEMS:
                    return _problem_page(request, exc.code)
                else:
                    form.add_error("code" if exc.field == "code" else None, exc.message)
    return render(
        request,
        "employee/code.html",
        {"invitation": invitation, "form": form, "locked": locked},
        status=200 if not locked else 403,
    )


@never_cache
@require_GET
def receipt(request):
    """*Kvittering* (G6.7): what was activated. A reload shows it again and changes nothing."""
    data = request.session.get(RECEIPT_KEY)
    if not data:
        return redirect("employee:start")
    return render(request, "employee/receipt.html", {"receipt": data})


# --- Min profil ------------------------------------------------------------------------------


@require_GET
@organisation_view()
def profile(request):
    """*Min profil*: name, organisation, roles, email and phone, the bound means and the login
    history (20 per page)."""
    user = selectors.user_profile(pk=request.user.pk)
    paginator = Paginator(selectors.user_login_events(user=user), PAGE_SIZE)
    page = paginator.get_page(request.GET.get("side"))
    page.object_list = list(page.object_list)
    labels = dict(BoundMeans.Kind.choices)
    for event in page.object_list:
        event.means_label = labels.get(event.means, event.means)
    return render(
        request,
        "employee/profile.html",
        {
            "profile": user,
            "roles": [grant.get_role_display() for grant in user.role_grants.all()],
            "means": list(selectors.user_bound_means(user=user)),
            "means_helpers": selectors.means_helpers(user=user),
            "rights": user_rights_rows(user=user),
            "page": page,
        },
    )


@require_http_methods(["GET", "POST"])
@organisation_view()
def means_remove(request, pk: int):
    """Remove one of one's own means, after a confirmation; another user's means is a 404."""
    binding = selectors.user_bound_means(user=request.user).filter(pk=pk).first()
    if binding is None:
        raise Http404
    if request.method == "POST":
        try:
            services.means_remove(user=request.user, means_id=binding.pk, request=request)
        except RuleError as exc:
            if exc.code == "not_found":
                raise Http404 from exc
            messages.error(request, exc.message)
        else:
            messages.success(
                request,
                _("%(means)s er fjernet. Du har fået en e-mail om ændringen.")
                % {"means": binding.get_kind_display()},
            )
        return redirect("employee:profile")
    only_one = not selectors.user_bound_means(user=request.user).exclude(pk=binding.pk).exists()
    return render(request, "employee/means_remove.html", {"binding": binding, "only_one": only_one})
