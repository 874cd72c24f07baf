"""Pages of the activation with a separate MitID (G7.1–G7.10).

The steps and their order are in ``journey``; the only write to the user happens in
``separate_activation_complete``.
"""

import datetime

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_stubs_ext import StrPromise

from activation.models import BoundMeans
from activation.separate import forms, selectors, services
from activation.separate.journey import (
    DONE_KEY,
    INVITATION_KEY,
    KIND_LABELS,
    STATE_KEY,
    Journey,
    journey_required,
)
from activation.services.login import portal_login
from mitid_portal.errors import RuleError
from mitid_portal.outside import DeviceRecord


@require_http_methods(["GET", "POST"])
@journey_required("separate:start")
def start(request, journey: Journey):
    """*Aktivér identifikationsmidler* (G7.1): the means the administrator chose → *Næste*."""
    form = forms.MeansForm(
        request.POST if request.method == "POST" else None,
        kinds=journey.kinds,
        initial={"kind": journey.state.get("kind") or journey.kinds[0]},
    )
    if request.method == "POST" and form.is_valid():
        kind = form.cleaned_data["kind"]
        if kind != journey.state.get("kind"):
            journey.save(kind=kind, physical_checked=False, device_serial=None, started_at=None)
        if kind in selectors.PHYSICAL_KINDS:
            return redirect("separate:physical")
        return redirect("separate:bruger_id")
    return render(request, "separate/start.html", journey.context(form=form))


@require_http_methods(["GET", "POST"])
@journey_required("separate:physical")
def physical(request, journey: Journey):
    """Kontrollér det fysiske identifikationsmiddel (G7.2) → *Opret MitID Erhverv bruger-ID*."""
    if journey.state.get("kind") not in selectors.PHYSICAL_KINDS:
        return redirect("separate:bruger_id")
    if request.method == "POST":
        journey.save(physical_checked=True)
        return redirect("separate:bruger_id")
    return render(request, "separate/physical.html", journey.context())


@require_http_methods(["GET", "POST"])
@journey_required("separate:bruger_id")
def bruger_id(request, journey: Journey):
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
def phone(request, journey: Journey):
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
def overview(request, journey: Journey):
    """*Aktivering af MitID ID-midler* (G7.5): the choices → *Indtast verifikationskode*."""
    if request.method == "POST":
        journey.save(overview_seen=True)
        return redirect("separate:verify")
    return render(request, "separate/overview.html", journey.context())


@require_http_methods(["GET", "POST"])
@journey_required("separate:verify")
def verify(request, journey: Journey):
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
def resend(request, journey: Journey):
    """*Send ny kode*: a new SMS (the old code stops working)."""
    try:
        services.sms_code_send(user=journey.user, number=journey.state["phone"])
    except RuleError as exc:
        messages.error(request, exc.message)
    else:
        journey.save(sms_verified=False)
        messages.success(request, _("Vi har sendt en ny SMS med en verifikationskode."))
    return redirect("separate:verify")


def _device_choice_form(journey: Journey, data=None):
    kind = journey.state["kind"]
    has_shared = bool(selectors.shared_device_candidates(user=journey.user, kind=kind))
    if kind == BoundMeans.Kind.APP:
        return forms.AppChoiceForm(
            data,
            has_private=selectors.private_app_device(user=journey.user) is not None,
            has_shared=has_shared,
        )
    return forms.PhysicalChoiceForm(data, kind_label=str(KIND_LABELS[kind]), has_shared=has_shared)


@require_http_methods(["GET", "POST"])
@journey_required("separate:activation_start")
def activation_start(request, journey: Journey):
    """*Aktivering af MitID app/-chip/-kodeviser/-kodeoplæser* with *Start aktivering* (G7.7)."""
    form = _device_choice_form(journey, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            device = services.separate_device_prepare(
                user=journey.user,
                kind=journey.state["kind"],
                choice=form.cleaned_data["choice"],
                pending_serial=journey.state.get("device_serial"),
            )
        except RuleError as exc:
            form.add_error("choice", exc.message)
        else:
            journey.save(
                device_serial=device.serial,
                choice=form.cleaned_data["choice"],
                started_at=timezone.now().isoformat(),
            )
            if device.kind == BoundMeans.Kind.APP:
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
def activate(request, journey: Journey):
    """Activating the chosen means (G7.8, G7.9) → *Kvittering* (G7.10)."""
    device = selectors.device_get(serial=journey.state.get("device_serial"))
    if device is None or device.kind != journey.state.get("kind"):
        journey.save(device_serial=None)
        return redirect("separate:activation_start")
    form = (
        forms.DeviceCodeForm(request.POST if request.method == "POST" else None)
        if device.kind in selectors.CODE_KINDS
        else None
    )
    error: str | StrPromise | None = None
    if request.method == "POST":
        proven = False
        if form is not None:
            if form.is_valid():
                try:
                    services.code_device_verify(device=device, code=form.cleaned_data["code"])
                except RuleError as exc:
                    form.add_error("code", exc.message)
                else:
                    proven = True
        elif device.kind == BoundMeans.Kind.CHIP:
            since = datetime.datetime.fromisoformat(journey.state["started_at"])
            proven = selectors.chip_pressed_since(device=device, since=since)
            if not proven:
                error = _("Chippen er ikke trykket endnu. Tryk på chippen, og prøv igen.")
        else:
            proven = services.app_activation_done(device=device, user=journey.user)
            if not proven:
                error = _("Appen er ikke aktiveret endnu. Indtast aktiveringskoden i appen.")
        if proven:
            try:
                return _complete(request, journey, device)
            except RuleError as exc:
                # Refused at the end (the invitation stopped being live, the means is no longer
                # chosen): said on the page where the means was checked.
                if form is not None and exc.field == "code":
                    form.add_error("code", exc.message)
                else:
                    error = exc.message
    return render(
        request, "separate/activate.html", journey.context(device=device, form=form, error=error)
    )


def _complete(request, journey: Journey, device: DeviceRecord):
    try:
        binding = services.separate_activation_complete(
            invitation=journey.invitation,
            bruger_id=journey.state["bruger_id"],
            phone=journey.state["phone"],
            device=device,
            request=request,
        )
    except RuleError as exc:
        if exc.code != "taken":
            raise
        journey.save(bruger_id="")
        messages.error(request, exc.message)
        return redirect("separate:bruger_id")
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
    portal_login(request, user=user, means=device.kind)
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
        {"done": done, "kind_label": KIND_LABELS.get(done["kind"])},
    )
