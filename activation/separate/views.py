"""Pages of the activation with a separate MitID (G7.1–G7.10) and of the login with it.

The journey's choices live in the session under ``separate_activation``, tied to the invitation
whose pk the emailed link put in ``activation_invitation_id``. Each step checks that the steps
before it are done, so the back button or a reload can only repeat a step, never skip one; the
only write to the user happens in ``separate_activation_complete``.
"""

import datetime

from django.contrib import messages
from django.contrib.auth import login, logout
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from activation.employee.services import login_event_record
from activation.separate import forms, selectors, services
from mitid_portal.errors import RuleError
from simulators.mitid.models import Device

INVITATION_KEY = "activation_invitation_id"
# Set by the emailed link's journey (activation/employee) once the private MitID login has
# confirmed who the person is (G6.2–G6.4); the separate MitID is chosen after that.
IDENTITY_KEY = "employee_identity"
CODE_VERIFIED_KEY = "activation_code_verified"  # set by activation/employee after the code
STATE_KEY = "separate_activation"
DONE_KEY = "separate_activation_done"
LOGIN_KEY = "separate_login"
CHOICE_KEY = "separate_login_choice"
BACKEND = "django.contrib.auth.backends.ModelBackend"

_KIND_LABELS = dict(Device.Kind.choices)

_STEPS = [
    ("separate:start", lambda s: bool(s.get("kind"))),
    (
        "separate:physical",
        lambda s: s.get("kind") not in selectors.PHYSICAL_KINDS or s.get("physical_checked"),
    ),
    ("separate:bruger_id", lambda s: bool(s.get("bruger_id"))),
    ("separate:phone", lambda s: bool(s.get("phone"))),
    ("separate:overview", lambda s: bool(s.get("overview_seen"))),
    ("separate:verify", lambda s: bool(s.get("sms_verified"))),
    ("separate:activation_start", lambda s: bool(s.get("device_id"))),
    ("separate:activate", lambda s: False),
]


def _address(request) -> str:
    return request.META.get("REMOTE_ADDR", "")


def _profile_url() -> str:
    try:
        return reverse("employee:profile")
    except NoReverseMatch:
        return reverse("portal:home")


class _Journey:
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
        for name, done in _STEPS:
            if not done(self.state):
                return name
        return _STEPS[-1][0]

    def guard(self, step: str):
        """A redirect to the first earlier step that is not done, or None."""
        for name, done in _STEPS:
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
            "kind_label": _KIND_LABELS.get(kind, ""),
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
            journey = _Journey(request, invitation)
            if not journey.kinds:
                return render(request, "separate/no_means.html", journey.context(), status=403)
            if step is not None and (response := journey.guard(step)) is not None:
                return response
            return view(request, journey, *args, **kwargs)

        wrapped.__name__ = view.__name__
        wrapped.__doc__ = view.__doc__
        return wrapped

    return decorator


@require_http_methods(["GET", "POST"])
@journey_required("separate:start")
def start(request, journey: _Journey):
    """*Aktivér identifikationsmidler* (G7.1): the means the administrator chose → *Næste*."""
    form = forms.MeansForm(
        request.POST if request.method == "POST" else None,
        kinds=journey.kinds,
        initial={"kind": journey.state.get("kind") or journey.kinds[0]},
    )
    if request.method == "POST" and form.is_valid():
        kind = form.cleaned_data["kind"]
        if kind != journey.state.get("kind"):
            journey.save(kind=kind, physical_checked=False, device_id=None, started_at=None)
        if kind in selectors.PHYSICAL_KINDS:
            return redirect("separate:physical")
        return redirect("separate:bruger_id")
    return render(request, "separate/start.html", journey.context(form=form))


@require_http_methods(["GET", "POST"])
@journey_required("separate:physical")
def physical(request, journey: _Journey):
    """Kontrollér det fysiske identifikationsmiddel (G7.2) → *Opret MitID Erhverv bruger-ID*."""
    if journey.state.get("kind") not in selectors.PHYSICAL_KINDS:
        return redirect("separate:bruger_id")
    if request.method == "POST":
        journey.save(physical_checked=True)
        return redirect("separate:bruger_id")
    return render(request, "separate/physical.html", journey.context())


@require_http_methods(["GET", "POST"])
@journey_required("separate:bruger_id")
def bruger_id(request, journey: _Journey):
    """*Opret MitID Erhverv bruger-ID* (G7.3) → *Indtast mobilnummer*."""
    form = forms.BrugerIdForm(
        request.POST if request.method == "POST" else None,
        user_id=journey.user.pk,
        initial={"bruger_id": journey.state.get("bruger_id", "")},
    )
    if request.method == "POST" and form.is_valid():
        journey.save(bruger_id=form.cleaned_data["bruger_id"])
        return redirect(journey.first_undone())
    return render(request, "separate/bruger_id.html", journey.context(form=form))


@require_http_methods(["GET", "POST"])
@journey_required("separate:phone")
def phone(request, journey: _Journey):
    """*Indtast mobilnummer* (G7.4): an SMS with a verification code → overview."""
    form = forms.PhoneForm(
        request.POST if request.method == "POST" else None,
        initial={"number": journey.state.get("phone") or journey.user.phone},
    )
    if request.method == "POST" and form.is_valid():
        number = form.cleaned_data["number"]
        try:
            services.sms_code_send(user=journey.user, number=number)
        except (RuleError, ValidationError) as exc:
            form.add_error("number", exc.message if isinstance(exc, RuleError) else exc)
        else:
            journey.save(phone=number, overview_seen=False, sms_verified=False)
            messages.success(request, _("Vi har sendt en SMS med en verifikationskode."))
            return redirect("separate:overview")
    return render(request, "separate/phone.html", journey.context(form=form))


@require_http_methods(["GET", "POST"])
@journey_required("separate:overview")
def overview(request, journey: _Journey):
    """*Aktivering af MitID ID-midler* (G7.5): the choices → *Indtast verifikationskode*."""
    if request.method == "POST":
        journey.save(overview_seen=True)
        return redirect("separate:verify")
    return render(request, "separate/overview.html", journey.context())


@require_http_methods(["GET", "POST"])
@journey_required("separate:verify")
def verify(request, journey: _Journey):
    """*Indtast verifikationskode* (G7.6) → *Start aktivering af MitID …*."""
    form = forms.SmsCodeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.sms_code_verify(
                user=journey.user, number=journey.state["phone"], code=form.cleaned_data["code"]
            )
        except RuleError as exc:
            form.add_error("code", exc.message)
        else:
            journey.save(sms_verified=True)
            return redirect("separate:activation_start")
    return render(request, "separate/verify.html", journey.context(form=form))


@require_POST
@journey_required("separate:verify")
def resend(request, journey: _Journey):
    """*Send ny kode*: a new SMS (the old code stops working)."""
    try:
        services.sms_code_send(user=journey.user, number=journey.state["phone"])
    except RuleError as exc:
        messages.error(request, exc.message)
    else:
        journey.save(sms_verified=False)
        messages.success(request, _("Vi har sendt en ny SMS med en verifikationskode."))
    return redirect("separate:verify")


def _device_choice_form(journey: _Journey, data=None):
    kind = journey.state["kind"]
    has_shared = selectors.shared_device_candidates(user=journey.user, kind=kind).exists()
    if kind == Device.Kind.APP:
        return forms.AppChoiceForm(
            data,
            has_private=selectors.private_app_device(user=journey.user) is not None,
            has_shared=has_shared,
        )
    return forms.PhysicalChoiceForm(data, kind_label=_KIND_LABELS[kind], has_shared=has_shared)


@require_http_methods(["GET", "POST"])
@journey_required("separate:activation_start")
def activation_start(request, journey: _Journey):
    """*Aktivering af MitID app/-chip/-kodeviser/-kodeoplæser* with *Start aktivering* (G7.7)."""
    form = _device_choice_form(journey, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            device = services.separate_device_prepare(
                user=journey.user,
                kind=journey.state["kind"],
                choice=form.cleaned_data["choice"],
                pending_device_id=journey.state.get("device_id"),
            )
        except RuleError as exc:
            form.add_error("choice", exc.message)
        else:
            journey.save(
                device_id=device.pk,
                choice=form.cleaned_data["choice"],
                started_at=timezone.now().isoformat(),
            )
            if device.kind == Device.Kind.APP:
                # The code is shown in this response only, like *Vis*; a reload asks for a new one.
                code = services.app_activation_code_issue(device=device, user=journey.user)
                return render(
                    request,
                    "separate/activate.html",
                    journey.context(device=device, activation_code=code),
                )
            return redirect("separate:activate")
    return render(request, "separate/activation_start.html", journey.context(form=form))


@require_http_methods(["GET", "POST"])
@journey_required("separate:activate")
def activate(request, journey: _Journey):
    """Activating the chosen means (G7.8, G7.9) → *Kvittering* (G7.10)."""
    device = selectors.device_get(pk=journey.state.get("device_id"))
    if device is None or device.kind != journey.state.get("kind"):
        journey.save(device_id=None)
        return redirect("separate:activation_start")
    form = (
        forms.DeviceCodeForm(request.POST if request.method == "POST" else None)
        if device.kind in selectors.CODE_KINDS
        else None
    )
    error = None
    if request.method == "POST":
        try:
            if form is not None:
                if not form.is_valid():
                    raise RuleError("form", "")
                services.code_device_verify(device=device, code=form.cleaned_data["code"])
            elif device.kind == Device.Kind.CHIP:
                since = datetime.datetime.fromisoformat(journey.state["started_at"])
                if not selectors.chip_pressed_since(device=device, since=since):
                    raise RuleError(
                        "not_pressed",
                        _("Chippen er ikke trykket endnu. Tryk på chippen, og prøv igen."),
                    )
            elif not services.app_activation_done(device=device, user=journey.user):
                raise RuleError(
                    "app_not_activated",
                    _("Appen er ikke aktiveret endnu. Indtast aktiveringskoden i appen."),
                )
            return _complete(request, journey, device)
        except RuleError as exc:
            if exc.code == "form":
                pass
            elif form is not None and exc.field == "code":
                form.add_error("code", exc.message)
            else:
                error = exc.message
    return render(
        request, "separate/activate.html", journey.context(device=device, form=form, error=error)
    )


def _complete(request, journey: _Journey, device: Device):
    try:
        binding = services.separate_activation_complete(
            invitation=journey.invitation,
            bruger_id=journey.state["bruger_id"],
            phone=journey.state["phone"],
            device=device,
            request=request,
        )
    except RuleError as exc:
        if exc.code == "taken":
            journey.save(bruger_id="")
            messages.error(request, exc.message)
            return redirect("separate:bruger_id")
        raise
    user = binding.user
    done = {
        "invitation_id": journey.invitation.pk,
        "user_id": user.pk,
        "name": user.full_name,
        "organisation": journey.invitation.organisation.name,
        "cvr": journey.invitation.organisation.cvr,
        "bruger_id": user.bruger_id,
        "phone": user.phone,
        "kind": device.kind,
        "serial": device.serial,
        "bound_at": binding.bound_at.isoformat(),
    }
    # The means was just proven: the user is signed in (G7.8 "Min profil i MitID Erhverv").
    if request.user.is_authenticated and request.user.pk != user.pk:
        logout(request)
    login(request, user, backend=BACKEND)
    login_event_record(user=user, means=device.kind, request=request)
    request.session.pop(STATE_KEY, None)
    request.session[DONE_KEY] = done
    request.session[INVITATION_KEY] = journey.invitation.pk
    return redirect("separate:receipt")


@require_GET
def receipt(request):
    """*Kvittering* (G7.10): what was activated. A reload shows it again and changes nothing."""
    done = request.session.get(DONE_KEY)
    if not done:
        return render(request, "separate/no_invitation.html", status=403)
    done = {**done, "bound_at": datetime.datetime.fromisoformat(done["bound_at"])}
    return render(
        request,
        "separate/receipt.html",
        {"done": done, "kind_label": _KIND_LABELS.get(done["kind"]), "profile_url": _profile_url()},
    )


# ---------------------------------------------------------------------------------------------
# The simulated business MitID app


def _app_device(serial: str) -> Device:
    device = selectors.device_get_by_serial(serial=serial)
    if device is None or device.kind != Device.Kind.APP:
        raise Http404
    return device


@require_GET
def app(request, serial):
    """The MitID app on the phone: *Indtast aktiveringskoden*, and logins to approve."""
    device = _app_device(serial)
    context = {
        "device": device,
        "form": forms.AppActivationCodeForm(),
        "pending": services.login_app_pending(device=device),
    }
    return render(request, "separate/app.html", context)


@require_POST
def app_activate(request, serial):
    device = _app_device(serial)
    form = forms.AppActivationCodeForm(request.POST)
    if form.is_valid():
        try:
            services.app_activation_code_enter(device=device, code=form.cleaned_data["code"])
        except RuleError as exc:
            form.add_error("code", exc.message)
        else:
            messages.success(
                request, _("MitID app er aktiveret. Gå tilbage til MitID Erhverv, og vælg Fortsæt.")
            )
            return redirect("separate:app", serial=device.serial)
    context = {"device": device, "form": form, "pending": services.login_app_pending(device=device)}
    return render(request, "separate/app.html", context)


@require_POST
def app_decide(request, serial):
    device = _app_device(serial)
    approve = request.POST.get("decision") == "approve"
    try:
        services.login_app_decide(
            device=device, request_id=request.POST.get("request", ""), approve=approve
        )
    except RuleError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request, _("Du har godkendt login.") if approve else _("Du har afvist login.")
        )
    return redirect("separate:app", serial=device.serial)


# ---------------------------------------------------------------------------------------------
# *Log på MitID Erhverv* with bruger-ID


@require_http_methods(["GET", "POST"])
def login_start(request):
    """*Log på MitID Erhverv* with the bruger-ID of a separate MitID."""
    form = forms.LoginForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        bruger_id = form.cleaned_data["bruger_id"].strip()
        method = form.cleaned_data["method"]
        try:
            services.login_throttle_check(bruger_id=bruger_id, address=_address(request))
            request_id = (
                services.login_app_request_start(bruger_id=bruger_id, address=_address(request))
                if method == "app"
                else ""
            )
        except RuleError as exc:
            form.add_error(None, exc.message)
        else:
            request.session.pop(CHOICE_KEY, None)
            request.session[LOGIN_KEY] = {
                "bruger_id": bruger_id,
                "method": method,
                "started_at": timezone.now().isoformat(),
                "request_id": request_id,
            }
            return redirect("separate:login_verify")
    return render(request, "separate/login.html", {"form": form})


def _login_state(request) -> dict | None:
    return request.session.get(LOGIN_KEY)


@require_http_methods(["GET", "POST"])
def login_verify(request):
    """The approval with the chosen means: the code, a press on the chip, or the app."""
    state = _login_state(request)
    if state is None:
        return redirect("separate:login")
    method = state["method"]
    form = (
        forms.DeviceCodeForm(request.POST if request.method == "POST" else None)
        if method == "code"
        else None
    )
    error = None
    if request.method == "POST":
        try:
            result = _login_check(request, state, form)
        except RuleError as exc:
            if form is not None and exc.field == "code":
                form.add_error("code", exc.message)
            else:
                error = exc.message
        else:
            if result is not None:
                return _login_finish(request, *result)
    status = services.login_app_status(request_id=state["request_id"]) if method == "app" else ""
    return render(
        request,
        "separate/login_verify.html",
        {"state": state, "form": form, "error": error, "status": status},
    )


def _login_check(request, state: dict, form):
    address = _address(request)
    if state["method"] == "code":
        if not form.is_valid():
            return None
        return services.login_code_verify(
            bruger_id=state["bruger_id"], code=form.cleaned_data["code"], address=address
        )
    if state["method"] == "chip":
        return services.login_chip_verify(
            bruger_id=state["bruger_id"],
            since=datetime.datetime.fromisoformat(state["started_at"]),
            address=address,
        )
    result = services.login_app_finish(
        request_id=state["request_id"], bruger_id=state["bruger_id"], address=address
    )
    if result is None:
        status = services.login_app_status(request_id=state["request_id"])
        if status == "pending":
            raise RuleError("pending", _("Login er ikke godkendt endnu. Godkend i MitID app."))
        request.session.pop(LOGIN_KEY, None)
        raise RuleError("failed", _("Login blev afvist eller er udløbet. Start forfra."))
    return result


@require_GET
def login_status(request):
    """Polled by htmx while the app approval is pending."""
    state = _login_state(request)
    if state is None or state["method"] != "app":
        raise Http404
    status = services.login_app_status(request_id=state["request_id"])
    return render(request, "separate/_login_status.html", {"status": status})


def _login_finish(request, user, device):
    request.session.pop(LOGIN_KEY, None)
    candidates = selectors.login_candidates(user=user, device=device)
    if len(candidates) > 1:
        request.session[CHOICE_KEY] = {"user_ids": [u.pk for u in candidates], "means": device.kind}
        return redirect("separate:login_choose")
    return _sign_in(request, user, device.kind)


def _sign_in(request, user, means: str):
    if request.user.is_authenticated:
        logout(request)
    login(request, user, backend=BACKEND)
    login_event_record(user=user, means=means, request=request)
    messages.success(request, _("Du er logget ind som %(name)s.") % {"name": user.full_name})
    return redirect(_profile_url())


@require_http_methods(["GET", "POST"])
def login_choose(request):
    """A shared means (*delt identifikationsmiddel*): choose the organisation to work in."""
    choice = request.session.get(CHOICE_KEY)
    if not choice:
        return redirect("separate:login")
    candidates = [
        u
        for pk in choice["user_ids"]
        if (u := selectors.login_user_for(user_id=pk)) is not None and u.organisation
    ]
    if not candidates:
        request.session.pop(CHOICE_KEY, None)
        return redirect("separate:login")
    form = forms.OrganisationChoiceForm(
        request.POST if request.method == "POST" else None, candidates=candidates
    )
    if request.method == "POST" and form.is_valid():
        chosen = next(u for u in candidates if u.pk == form.cleaned_data["user"])
        request.session.pop(CHOICE_KEY, None)
        return _sign_in(request, chosen, choice["means"])
    return render(request, "separate/login_choose.html", {"form": form})
