"""*Roller* (G8.1): the organisation administrator appoints and removes organisation, user and
rights administrators among the organisation's users. A refusal is audited by
``organisations.access.organisation_view``, as for every administrative view."""

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.paginator import Paginator
from django.db.models import Prefetch, Q, QuerySet, Value
from django.db.models.functions import Concat
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from mitid_portal.confirm import unconfirmed
from mitid_portal.errors import RuleError
from mitid_portal.forms import PortalForm
from mitid_portal.identity import UserState
from organisations import services
from organisations.access import organisation_object_or_404, organisation_view
from organisations.models import Organisation, RoleGrant

User = get_user_model()

ORG_ADMIN = RoleGrant.Role.ORGANISATION_ADMIN
PAGE_SIZE = 50


# --- Reads ---------------------------------------------------------------------------------------


def users_with_roles(*, organisation: Organisation, search: str = "") -> QuerySet:
    """The organisation's users who can hold a role (closed users cannot), with their roles in one
    extra query."""
    users = User.objects.filter(organisation=organisation).exclude(state=UserState.CLOSED)
    search = (search or "").strip()
    if search:
        users = users.annotate(search_name=Concat("first_name", Value(" "), "last_name")).filter(
            Q(search_name__icontains=search) | Q(email__icontains=search) | Q(rid__icontains=search)
        )
    return users.prefetch_related(
        Prefetch(
            "role_grants",
            queryset=RoleGrant.objects.filter(organisation=organisation).order_by("role"),
        )
    ).order_by("last_name", "first_name", "id")


# --- Forms ---------------------------------------------------------------------------------------


class RoleForm(PortalForm):
    user = forms.IntegerField(widget=forms.HiddenInput)
    role = forms.ChoiceField(
        label=gettext_lazy("Rolle"),
        choices=RoleGrant.Role.choices,
        widget=forms.Select(attrs={"class": "form-select"}),
        error_messages={"required": gettext_lazy("Vælg en rolle.")},
    )


# --- Views ---------------------------------------------------------------------------------------


@require_GET
@organisation_view(ORG_ADMIN)
def roles(request):
    """*Roller*: every user of the organisation with the roles they hold; grant and remove."""
    search = request.GET.get("q", "").strip()
    users = users_with_roles(organisation=request.organisation, search=search)
    page = Paginator(users, PAGE_SIZE).get_page(request.GET.get("side"))
    return render(
        request,
        "organisations/roles/list.html",
        {"page": page, "search": search, "role_choices": RoleGrant.Role.choices},
    )


def _role_post(request, act):
    form = RoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Vælg en bruger og en rolle."))
        return redirect("organisations:roles")
    user = organisation_object_or_404(request, User, pk=form.cleaned_data["user"])
    role = form.cleaned_data["role"]
    names = {"name": user.full_name or user.username, "role": RoleGrant.Role(role).label}
    if act is services.role_grant:
        heading, confirm_label = (
            _("Vil du tildele %(name)s rollen %(role)s?") % names,
            _("Ja, tildel"),
        )
    else:
        heading = _("Vil du fjerne rollen %(role)s fra %(name)s?") % names
        confirm_label = _("Ja, fjern rollen")
    page = unconfirmed(
        request,
        heading=heading,
        confirm_label=confirm_label,
        cancel_url=reverse("organisations:roles"),
    )
    if page is not None:
        return page
    try:
        act(
            organisation=request.organisation,
            user=user,
            role=role,
            actor=request.user,
            request=request,
        )
    except RuleError as exc:
        messages.error(request, exc.message)
    else:
        label = RoleGrant.Role(role).label
        if act is services.role_grant:
            text = _("%(name)s er nu %(role)s.")
        else:
            text = _("%(name)s er ikke længere %(role)s.")
        messages.success(request, text % {"name": user.full_name, "role": str(label).lower()})
    return redirect("organisations:roles")


@require_POST
@organisation_view(ORG_ADMIN)
def role_add(request):
    """Give a user a role (POST from *Roller*)."""
    return _role_post(request, services.role_grant)


@require_POST
@organisation_view(ORG_ADMIN)
def role_remove(request):
    """Remove a role from a user (POST from *Roller*); never the last organisation administrator."""
    return _role_post(request, services.role_remove)
