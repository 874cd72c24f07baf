"""The user lifecycle on *Brugerinformation* (DESIGN.md "Administration"): *Redigér* with a
confirmed email, *Suspendér*, *Genaktivér*; and the user's own confirmation of a new email
address. Every administrator view is scoped through ``organisations.access``; the rules live in
``users.services.lifecycle``. *Luk bruger*, *Send nyt aktiveringslink* and *Ny kode* reach into
activation and live there (``activation.lifecycle_views``)."""

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from mitid_portal.errors import RuleError
from mitid_portal.forms import PortalForm
from organisations.access import organisation_object_or_404, organisation_view
from organisations.models import RoleGrant
from users import selectors
from users.forms import UserEditForm
from users.models import User
from users.services import lifecycle

ORG_ADMIN = RoleGrant.Role.ORGANISATION_ADMIN
USER_ADMIN = RoleGrant.Role.USER_ADMIN
EMAIL_TOKEN_SESSION_KEY = "user_email_confirm_token"  # noqa: S105 - a session key name


class ReasonForm(PortalForm):
    reason = forms.CharField(
        label=_lazy("Begrundelse"),
        max_length=500,
        help_text=_lazy("Begrundelsen gemmes i revisionsloggen."),
        widget=forms.Textarea(attrs={"class": "form-input", "rows": 3}),
    )
    version = forms.CharField(widget=forms.HiddenInput, max_length=64, required=False)


def subject_get(request, pk: int) -> User:
    """The user ``pk`` of the administrator's organisation, or 404."""
    return organisation_object_or_404(
        request, selectors.user_detail(organisation=request.organisation, pk=pk), pk=pk
    )


def _fields(user: User) -> dict:
    return {f: getattr(user, f) for f in ("first_name", "last_name", "email", "phone")}


@require_http_methods(["GET", "POST"])
@organisation_view(ORG_ADMIN, USER_ADMIN)
def user_edit(request, pk: int):
    """*Redigér*: name, email and mobile number; a second administrator who saves over a change
    they have not seen is told so, with the new data, and what they typed is kept."""
    user = subject_get(request, pk)
    if request.method == "POST":
        form = UserEditForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                result = lifecycle.user_edit(
                    user=user,
                    version=data["version"],
                    first_name=data["first_name"],
                    last_name=data["last_name"],
                    email=data["email"],
                    phone=data["phone"],
                    actor=request.user,
                    request=request,
                )
            except RuleError as exc:
                form.add_error(None, exc.message)
                if exc.code == lifecycle.STALE:
                    user = subject_get(request, pk)  # show what is there now
                    posted = request.POST.copy()  # the form's data, made mutable
                    posted["version"] = lifecycle.user_version(user)
                    form.data = posted
            else:
                if result.email_pending:
                    messages.success(
                        request,
                        _(
                            "Der er sendt et link til %(email)s. E-mailadressen ændres, når "
                            "brugeren har bekræftet den."
                        )
                        % {"email": data["email"]},
                    )
                if result.changed or not result.email_pending:
                    messages.success(request, _("Brugerens oplysninger er gemt."))
                return redirect("users:detail", pk=user.pk)
    else:
        form = UserEditForm(initial=_fields(user) | {"version": lifecycle.user_version(user)})
    return render(request, "users/lifecycle/edit.html", {"subject": user, "form": form})


def reason_view(request, pk: int, *, service, template: str, done: str):
    """A lifecycle act that needs a reason (*Suspendér*, *Luk bruger*): the form, the call to
    ``service`` and the way back to *Brugerinformation*."""
    user = subject_get(request, pk)
    form = ReasonForm(
        request.POST if request.method == "POST" else None,
        initial={"version": lifecycle.user_version(user)},
    )
    if request.method == "POST" and form.is_valid():
        try:
            service(
                user=user,
                reason=form.cleaned_data["reason"],
                version=form.cleaned_data["version"],
                actor=request.user,
                request=request,
            )
        except RuleError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, done % {"name": user.full_name})
            return redirect("users:detail", pk=user.pk)
    return render(request, template, {"subject": user, "form": form})


@require_http_methods(["GET", "POST"])
@organisation_view(ORG_ADMIN, USER_ADMIN)
def user_suspend(request, pk: int):
    """*Suspendér*: with a reason; the user's sessions end at once."""
    return reason_view(
        request,
        pk,
        service=lifecycle.user_suspend,
        template="users/lifecycle/suspend.html",
        done=_("%(name)s er suspenderet og logget af."),
    )


@require_POST
@organisation_view(ORG_ADMIN, USER_ADMIN)
def user_reactivate(request, pk: int):
    """*Genaktivér*: a suspended user may log in again."""
    user = subject_get(request, pk)
    try:
        lifecycle.user_reactivate(
            user=user, version=request.POST.get("version", ""), actor=request.user, request=request
        )
    except RuleError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("%(name)s er genaktiveret.") % {"name": user.full_name})
    return redirect("users:detail", pk=user.pk)


# --- The user's confirmation of a new email address (public: the token is the key) ----------


@require_http_methods(["GET"])
def email_confirm_link(request, token: str):
    """The emailed link: the token moves into the session and the browser goes on to a URL
    without it, so it does not leak through the Referer header. A GET changes nothing."""
    request.session[EMAIL_TOKEN_SESSION_KEY] = token[:200]
    return redirect("users:email_confirm")


@never_cache
@require_http_methods(["GET", "POST"])
def email_confirm(request):
    """*Bekræft din nye e-mailadresse*: the page shows the new address; POST confirms it."""
    token = request.session.get(EMAIL_TOKEN_SESSION_KEY, "")
    user, problem = lifecycle.user_by_email_token(token=token)
    if problem is None and request.method == "POST":
        try:
            user = lifecycle.user_email_confirm(token=token, request=request)
        except RuleError as exc:
            problem = exc.code
        else:
            request.session.pop(EMAIL_TOKEN_SESSION_KEY, None)
            return render(request, "users/lifecycle/email_confirmed.html", {"subject": user})
    if problem is not None:
        return render(
            request,
            "users/lifecycle/email_problem.html",
            {"expired": problem == lifecycle.LINK_EXPIRED},
            status=400 if request.method == "POST" else 200,
        )
    return render(request, "users/lifecycle/email_confirm.html", {"subject": user})
