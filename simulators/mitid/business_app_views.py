"""The simulated business MitID app on the person's phone (the device "in the hand"): the
activation code from MitID Erhverv's guide, and logins to approve."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from mitid_portal.errors import RuleError
from simulators.mitid import business_app
from simulators.mitid.forms import AppActivationCodeForm
from simulators.mitid.models import Device


def _app_device(serial: str) -> Device:
    device = Device.objects.filter(serial=serial, kind=Device.Kind.APP).first()
    if device is None:
        raise Http404
    return device


def _render(request, device: Device, form: AppActivationCodeForm):
    context = {
        "device": device,
        "form": form,
        "pending": business_app.approval_pending(serial=device.serial),
    }
    return render(request, "mitid/business_app.html", context)


@require_GET
def app(request, serial):
    """The MitID app on the phone: *Indtast aktiveringskoden*, and logins to approve."""
    return _render(request, _app_device(serial), AppActivationCodeForm())


@require_POST
def app_activate(request, serial):
    device = _app_device(serial)
    form = AppActivationCodeForm(request.POST)
    if form.is_valid():
        try:
            business_app.activation_code_enter(serial=device.serial, code=form.cleaned_data["code"])
        except RuleError as exc:
            form.add_error("code", exc.message)
        else:
            messages.success(
                request, _("MitID app er aktiveret. Gå tilbage til MitID Erhverv, og vælg Fortsæt.")
            )
            return redirect("business_app:app", serial=device.serial)
    return _render(request, device, form)


@require_POST
def app_decide(request, serial):
    device = _app_device(serial)
    approve = request.POST.get("decision") == "approve"
    try:
        business_app.approval_decide(
            serial=device.serial, request_id=request.POST.get("request", ""), approve=approve
        )
    except RuleError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request, _("Du har godkendt login.") if approve else _("Du har afvist login.")
        )
    return redirect("business_app:app", serial=device.serial)
