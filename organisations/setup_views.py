"""The organisation administrator's setup (G3.5–G3.11) and *Indstillinger* (G3.12).

Each step saves through ``services.organisation_setup_step_done``, which remembers how far the
administrator got, so a setup left half way resumes where it stopped.
"""

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from mitid_portal.errors import RuleError
from organisations import selectors, services, wizard
from organisations.access import organisation_view
from organisations.forms import BillingForm, MeansForm, PolicyForm, SettingsForm
from organisations.models import RoleGrant

ORG_ADMIN = RoleGrant.Role.ORGANISATION_ADMIN
STEP_TITLES = wizard.SETUP_TITLES
_step_url = wizard.setup_step_url
# "Ret" on the summary opens a step with ?ret=1; saving it goes back to the summary.
RETURN_TO_SUMMARY = "ret"


def _returns_to_summary(request) -> bool:
    return (request.POST if request.method == "POST" else request.GET).get(RETURN_TO_SUMMARY) == "1"


def _save(request, step: str, values: dict | None = None):
    services.organisation_setup_step_done(
        organisation=request.organisation,
        step=step,
        values=values,
        actor=request.user,
        request=request,
    )
    if _returns_to_summary(request):
        return redirect(_step_url("summary"))
    following = services.SETUP_STEPS[services.SETUP_STEPS.index(step) + 1 :]
    return redirect(_step_url(following[0] if following else None))


@require_GET
@organisation_view(ORG_ADMIN)
def setup_tasks(request):
    """The tasks to complete (G3.4 → G3.5), each marked done or not; resume at the next one."""
    organisation = request.organisation
    next_step = wizard.setup_resume_step(organisation)
    tasks = wizard.setup_tasks(organisation)
    return render(
        request,
        "organisations/setup_tasks.html",
        {
            "tasks": tasks,
            "started": any(task["status"] != "missing" for task in tasks),
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
    index = services.SETUP_STEPS.index(step)
    # Steps open in order: done ones (for Ret) and the one it goes on at, never one further on
    # (a POST to a later step would skip the import's choice or leave a step unanswered).
    resume = wizard.setup_resume_step(organisation)
    if (
        organisation.setup_completed_at is None
        and resume
        and index > services.SETUP_STEPS.index(resume)
    ):
        return redirect(_step_url(resume))
    returns = _returns_to_summary(request) and step != "summary"
    context = {
        "step": step,
        "title": STEP_TITLES[step],
        "organisation": organisation,
        "steps": wizard.setup_steps(organisation, step),
        "returns_to_summary": returns,
        "back_url": _step_url("summary")
        if returns
        else (_step_url(services.SETUP_STEPS[index - 1]) if index else ""),
    }
    data = request.POST if request.method == "POST" else None
    counts = selectors.organisation_user_counts(organisation=organisation)

    if step == "import":
        # The import is started on its own page (G3.5); this step goes on once one has started,
        # or when the administrator chooses to go on without one – never silently.
        import_state = selectors.setup_import_state(organisation=organisation)
        if request.method == "POST":
            if import_state in ("done", "running") or "skip" in request.POST:
                return _save(request, step)
            messages.error(request, _("Start importen fra NemID, eller vælg at fortsætte uden."))
            return redirect(_step_url(step))
        context.update(
            run=selectors.latest_import_run(organisation=organisation),
            import_state=import_state,
            counts=counts,
        )
    elif step == "overview":
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
