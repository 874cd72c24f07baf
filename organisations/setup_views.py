"""The organisation administrator's setup (G3.5–G3.11) and *Indstillinger* (G3.12).

Each step saves through ``services.organisation_setup_step_done``, which remembers how far the
administrator got, so a setup left half way resumes where it stopped.
"""

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from mitid_portal.errors import RuleError
from organisations import selectors, services
from organisations.access import organisation_view
from organisations.forms import BillingForm, MeansForm, PolicyForm, SettingsForm
from organisations.models import RoleGrant

ORG_ADMIN = RoleGrant.Role.ORGANISATION_ADMIN
STEP_TITLES = {
    "import": gettext_lazy("Start import fra NemID"),
    "overview": gettext_lazy("Oversigt over importerede medarbejdere/brugere"),
    "means": gettext_lazy("Vælg hvordan brugerne skal logge ind"),
    "policy": gettext_lazy(
        "Vælg om brugerne skal anvende deres private MitID eller have et særskilt MitID"
    ),
    "billing": gettext_lazy("Kontaktinformation til fakturering"),
    "summary": gettext_lazy("Opsummering"),
}


def _step_url(step: str | None) -> str:
    return (
        reverse("organisations:setup_step", args=[step])
        if step
        else reverse("organisations:setup_done")
    )


def _save(request, step: str, values: dict | None = None):
    services.organisation_setup_step_done(
        organisation=request.organisation,
        step=step,
        values=values,
        actor=request.user,
        request=request,
    )
    following = services.SETUP_STEPS[services.SETUP_STEPS.index(step) + 1 :]
    return redirect(_step_url(following[0] if following else None))


@require_GET
@organisation_view(ORG_ADMIN)
def setup_tasks(request):
    """The tasks to complete (G3.4 → G3.5), each marked done or not; resume at the next one."""
    organisation = request.organisation
    next_step = services.setup_next_step(organisation=organisation)
    done_index = (
        services.SETUP_STEPS.index(organisation.setup_step) if organisation.setup_step else -1
    )
    tasks = [
        {"key": key, "title": STEP_TITLES[key], "done": i <= done_index, "url": _step_url(key)}
        for i, key in enumerate(services.SETUP_STEPS)
    ]
    return render(
        request,
        "organisations/setup_tasks.html",
        {
            "tasks": tasks,
            "next_url": _step_url(next_step) if next_step else None,
            "completed": organisation.setup_completed_at,
        },
    )


@require_http_methods(["GET", "POST"])
@organisation_view(ORG_ADMIN)
def setup_step(request, step: str):
    organisation = request.organisation
    if step not in services.SETUP_STEPS:
        return redirect("organisations:setup")
    context = {"step": step, "title": STEP_TITLES[step], "organisation": organisation}
    data = request.POST if request.method == "POST" else None
    counts = selectors.organisation_user_counts(organisation=organisation)

    if step in ("import", "overview"):
        if request.method == "POST":
            return _save(request, step)
        context.update(run=selectors.latest_import_run(organisation=organisation), counts=counts)
    elif step == "means":
        form: forms.Form = MeansForm(
            data, initial={"allowed_means": organisation.allowed_means or ["app"]}
        )
        if form.is_valid():
            return _save(request, step, {"allowed_means": form.cleaned_data["allowed_means"]})
        context["form"] = form
    elif step == "policy":
        form = PolicyForm(
            data,
            initial={
                "allow_private_mitid": "yes" if organisation.allow_private_mitid else "no",
                "allow_shared_means": organisation.allow_shared_means,
            },
        )
        if form.is_valid():
            return _save(request, step, form.cleaned_data)
        context["form"] = form
    elif step == "billing":
        form = BillingForm(
            data,
            is_public=organisation.is_public,
            initial={
                "billing_method": organisation.billing_method
                or ("ean" if organisation.is_public else "email"),
                "billing_email": organisation.billing_email,
                "ean": organisation.ean,
                "contact_name": organisation.contact_name or request.user.full_name,
                "contact_email": organisation.contact_email or request.user.email,
                "contact_phone": organisation.contact_phone,
            },
        )
        if form.is_valid():
            return _save(request, step, form.cleaned_data)
        context.update(
            form=form, price=services.monthly_price(user_count=counts["billable"]), counts=counts
        )
    elif step == "summary":
        if request.method == "POST":
            try:
                services.organisation_setup_complete(
                    organisation=organisation, actor=request.user, request=request
                )
            except RuleError as exc:
                messages.error(request, exc.message)
                return redirect("organisations:setup")
            return redirect("organisations:setup_done")
        context.update(counts=counts, price=services.monthly_price(user_count=counts["billable"]))
    return render(request, f"organisations/setup_{step}.html", context)


@require_GET
@organisation_view(ORG_ADMIN)
def setup_done(request):
    """*Opsætningen af organisationen i MitID Erhverv er nu gennemført.* (G3.11)"""
    if not request.organisation.setup_completed_at:
        return redirect("organisations:setup")
    return render(request, "organisations/setup_done.html")


@require_http_methods(["GET", "POST"])
@organisation_view(ORG_ADMIN)
def settings_view(request):
    """*Indstillinger* (G3.12): identification means, the preferred one with a star, policies."""
    organisation = request.organisation
    form = SettingsForm(
        request.POST if request.method == "POST" else None,
        initial={
            "allowed_means": organisation.allowed_means or ["app"],
            "preferred_means": organisation.preferred_means or "app",
            "allow_private_mitid": "yes" if organisation.allow_private_mitid else "no",
            "allow_shared_means": organisation.allow_shared_means,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.organisation_settings_update(
                organisation=organisation,
                values=form.cleaned_data,
                actor=request.user,
                request=request,
            )
        except RuleError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Indstillingerne er gemt."))
            return redirect("organisations:settings")
    return render(
        request, "organisations/settings.html", {"form": form, "organisation": organisation}
    )
