"""The acts on *Brugerinformation* that reach into activation (DESIGN.md "Administration"):
*Luk bruger* (the bound means go and a pending activation stops with the user), *Send nyt
aktiveringslink* and *Ny kode*. Scoped through ``organisations.access`` like the rest of the
user's page (``users.lifecycle_views``); the rules live in ``activation.services.lifecycle``."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from activation.services import lifecycle
from mitid_portal.errors import RuleError
from organisations.access import organisation_view
from organisations.models import RoleGrant
from users.lifecycle_views import reason_view, subject_get

ORG_ADMIN = RoleGrant.Role.ORGANISATION_ADMIN
USER_ADMIN = RoleGrant.Role.USER_ADMIN


@require_http_methods(["GET", "POST"])
@organisation_view(ORG_ADMIN, USER_ADMIN)
def user_close(request, pk: int):
    """*Luk bruger*: for good; the row stays for the audit log."""
    return reason_view(
        request,
        pk,
        service=lifecycle.user_close,
        template="activation/lifecycle/close.html",
        done=_("%(name)s er lukket og kan ikke længere logge ind."),
    )


@require_POST
@organisation_view(ORG_ADMIN, USER_ADMIN)
def user_activation_resend(request, pk: int):
    """*Send nyt aktiveringslink*: the old link stops working."""
    user = subject_get(request, pk)
    try:
        lifecycle.user_activation_resend(user=user, actor=request.user, request=request)
    except RuleError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _(
                "Der er sendt et nyt aktiveringslink til %(name)s. Det tidligere link virker "
                "ikke længere."
            )
            % {"name": user.full_name},
        )
    return redirect("users:detail", pk=user.pk)


@never_cache
@require_POST
@organisation_view(ORG_ADMIN, USER_ADMIN)
def user_activation_code_new(request, pk: int):
    """*Ny kode*: the code is shown in this response only."""
    user = subject_get(request, pk)
    try:
        invitation, code = lifecycle.user_activation_code_renew(
            user=user, actor=request.user, request=request
        )
    except RuleError as exc:
        messages.error(request, exc.message)
        return redirect("users:detail", pk=user.pk)
    return render(request, "activation/code.html", {"invitation": invitation, "code": code})
