"""*Rettigheder* (G8.3): the catalogue, a user's rights, user groups, and users' requests.

Rights and user administrators grant and remove; only rights administrators decide requests;
every user of the organisation may ask for a right (linked from *Min profil*).
"""

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q, QuerySet, Value
from django.db.models.functions import Concat
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from mitid_portal.confirm import unconfirmed
from mitid_portal.csv import csv_response
from mitid_portal.errors import RuleError
from mitid_portal.forms import PortalForm
from mitid_portal.identity import PortalUser, UserState
from organisations import services
from organisations.access import organisation_object_or_404, organisation_view
from organisations.auditlog_views import CSV_CHUNK, list_order, list_page_context
from organisations.forms import RightsFilterForm
from organisations.models import Organisation, PublicService, RightRequest, RoleGrant, UserGroup
from organisations.selectors import (
    RIGHTS_DEFAULT_SORT,
    RIGHTS_SORTS,
    rights_held,
    user_rights_rows,
)

User = get_user_model()

RIGHTS_ADMIN = RoleGrant.Role.RIGHTS_ADMIN
USER_ADMIN = RoleGrant.Role.USER_ADMIN
GRANTERS = (RIGHTS_ADMIN, USER_ADMIN)
PAGE_SIZE = 50
SEARCH_LIMIT = 20


# --- Reads ---------------------------------------------------------------------------------------


def public_services() -> QuerySet[PublicService]:
    return PublicService.objects.order_by("name")


def users_searched(*, organisation: Organisation, search: str) -> QuerySet:
    """The organisation's users who are not closed, matching ``search`` on name, email or RID."""
    users = User.objects.filter(organisation=organisation).exclude(state=UserState.CLOSED)
    search = (search or "").strip()
    if search:
        users = users.annotate(search_name=Concat("first_name", Value(" "), "last_name")).filter(
            Q(search_name__icontains=search) | Q(email__icontains=search) | Q(rid__icontains=search)
        )
    return users.order_by("last_name", "first_name", "id")


def user_groups(*, organisation: Organisation) -> QuerySet[UserGroup]:
    return (
        UserGroup.objects.filter(organisation=organisation)
        .annotate(member_count=Count("members", distinct=True))
        .prefetch_related(Prefetch("services", queryset=PublicService.objects.order_by("name")))
    )


def right_requests_pending(*, organisation: Organisation) -> QuerySet[RightRequest]:
    return (
        RightRequest.objects.filter(organisation=organisation, state=RightRequest.State.REQUESTED)
        .select_related("user", "service")
        .order_by("created_at", "id")
    )


def right_requests_decided(*, organisation: Organisation) -> QuerySet[RightRequest]:
    return (
        RightRequest.objects.filter(organisation=organisation)
        .exclude(state=RightRequest.State.REQUESTED)
        .select_related("user", "service")
        .order_by("-decided_at", "-id")
    )


# --- Forms ---------------------------------------------------------------------------------------


class ServiceForm(PortalForm):
    service = forms.ModelChoiceField(
        label=gettext_lazy("Tjeneste"),
        queryset=PublicService.objects.order_by("name"),
        empty_label=gettext_lazy("Vælg en tjeneste"),
        error_messages={"required": gettext_lazy("Vælg en tjeneste.")},
        widget=forms.Select(attrs={"class": "form-select"}),
    )

    def __init__(self, *args, exclude=(), **kwargs):
        super().__init__(*args, **kwargs)
        if exclude:
            self.fields["service"].queryset = self.fields["service"].queryset.exclude(
                pk__in=list(exclude)
            )


class RightRequestForm(ServiceForm):
    reason = forms.CharField(
        label=gettext_lazy("Begrundelse (valgfri)"),
        help_text=gettext_lazy("Skriv kort, hvad du skal bruge tjenesten til."),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"class": "form-input", "rows": 3}),
    )


class GroupForm(PortalForm):
    name = forms.CharField(
        label=gettext_lazy("Gruppens navn"),
        max_length=100,
        error_messages={"required": gettext_lazy("Giv gruppen et navn.")},
        widget=forms.TextInput(attrs={"class": "form-input"}),
    )


class UserPickForm(PortalForm):
    user = forms.IntegerField(widget=forms.HiddenInput)


class DecisionForm(PortalForm):
    decision = forms.ChoiceField(choices=[("approve", "approve"), ("reject", "reject")])
    note = forms.CharField(max_length=500, required=False)


def _act(request, call, success: str) -> bool:
    """Call a service; a broken rule becomes an error message, success a confirmation."""
    try:
        call()
    except RuleError as exc:
        messages.error(request, exc.message)
        return False
    messages.success(request, success)
    return True


# --- The catalogue and a user's rights -----------------------------------------------------------


@require_GET
@organisation_view(*GRANTERS)
def rights(request):
    """*Rettigheder*: the catalogue with the *Basispakke*, and the users to grant rights to."""
    search = request.GET.get("q", "").strip()
    users = users_searched(organisation=request.organisation, search=search)
    return render(
        request,
        "organisations/rights/catalogue.html",
        {
            "services": public_services(),
            "page": Paginator(users, PAGE_SIZE).get_page(request.GET.get("side")),
            "search": search,
            "pending_count": right_requests_pending(organisation=request.organisation).count(),
            "may_decide": RIGHTS_ADMIN in request.roles,
        },
    )


# --- Tildelte rettigheder: every right held, directly or through a group ------------------------


def _rights_filtered(request):
    form = RightsFilterForm(request.GET or None)
    return form, rights_held(organisation=request.organisation, **form.filters())


def _source_label(group_name: str) -> str:
    if not group_name:
        return _("Direkte")
    return _("Gennem gruppen %(group)s") % {"group": group_name}


@require_GET
@organisation_view(*GRANTERS)
def rights_held_list(request):
    """*Tildelte rettigheder*: one row per user, service and source (direct or a group),
    searchable, filtered by service and source, sortable, and exportable."""
    form, rows = _rights_filtered(request)
    columns = [
        ("user", _("Navn")),
        ("", _("E-mail")),
        ("", _("Bruger-ID")),
        ("service", _("Tjeneste")),
        ("source", _("Tildelt")),
        ("", _("RID-nummer")),
    ]
    context = list_page_context(
        request,
        rows,
        form=form,
        sorts=RIGHTS_SORTS,
        default_sort=RIGHTS_DEFAULT_SORT,
        columns=columns,
    )
    for row in context["page"].object_list:
        row["source"] = _source_label(row["group_name"])
    return render(request, "organisations/rights/held.html", {"form": form, **context})


@require_GET
@organisation_view(*GRANTERS)
def rights_held_csv(request):
    """The rights the filter selects, in the list's order, as a streamed CSV (no CPR)."""
    _form, rows = _rights_filtered(request)
    order = list_order(request, sorts=RIGHTS_SORTS, default_sort=RIGHTS_DEFAULT_SORT)
    values = rows.order_by(*order).iterator(chunk_size=CSV_CHUNK)
    return csv_response(
        filename=f"rettigheder-{request.organisation.cvr}-{timezone.localdate().isoformat()}.csv",
        header=[
            _("Fornavn(e)"),
            _("Efternavn"),
            _("E-mail"),
            _("Bruger-ID"),
            _("Tjeneste"),
            _("Tjenestekode"),
            _("Tildelt"),
            _("RID-nummer"),
        ],
        rows=(
            (
                row["first_name"],
                row["last_name"],
                row["email"],
                row["bruger_id"] or "",
                row["service_name"],
                row["service_code"],
                _source_label(row["group_name"]),
                row["rid"],
            )
            for row in values
        ),
    )


def _user(request, pk: int) -> PortalUser:
    return organisation_object_or_404(request, User.objects.exclude(state=UserState.CLOSED), pk=pk)


@require_GET
@organisation_view(*GRANTERS)
def user_rights(request, pk: int):
    """One user's rights: held directly (imported ones with their RID) or through groups."""
    user = _user(request, pk)
    rows = user_rights_rows(user=user)
    held_direct = [row["service"].pk for row in rows if row["right"]]
    member_of = {g.pk for g in UserGroup.objects.filter(members=user)}
    return render(
        request,
        "organisations/rights/user.html",
        {
            "subject": user,
            "rows": rows,
            "form": ServiceForm(exclude=held_direct, auto_id="grant-%s"),
            "groups": [
                g
                for g in UserGroup.objects.filter(organisation=request.organisation)
                if g.pk not in member_of
            ],
        },
    )


@require_POST
@organisation_view(*GRANTERS)
def user_right_add(request, pk: int):
    user = _user(request, pk)
    form = ServiceForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Vælg en tjeneste."))
    else:
        service = form.cleaned_data["service"]
        _act(
            request,
            lambda: services.right_grant(
                user=user, service=service, actor=request.user, request=request
            ),
            _("%(name)s har fået rettigheden til %(service)s.")
            % {"name": user.full_name, "service": service.name},
        )
    return redirect("organisations:user_rights", user.pk)


@require_POST
@organisation_view(*GRANTERS)
def user_right_remove(request, pk: int):
    user = _user(request, pk)
    form = ServiceForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Vælg en tjeneste."))
    else:
        service = form.cleaned_data["service"]
        page = unconfirmed(
            request,
            heading=_("Vil du fjerne rettigheden til %(service)s fra %(name)s?")
            % {"service": service.name, "name": user.full_name},
            confirm_label=_("Ja, fjern rettigheden"),
            cancel_url=reverse("organisations:user_rights", args=[user.pk]),
        )
        if page is not None:
            return page
        _act(
            request,
            lambda: services.right_remove(
                user=user, service=service, actor=request.user, request=request
            ),
            _("Rettigheden til %(service)s er fjernet fra %(name)s.")
            % {"name": user.full_name, "service": service.name},
        )
    return redirect("organisations:user_rights", user.pk)


# --- User groups ---------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@organisation_view(*GRANTERS)
def groups(request):
    """*Brugergrupper*: groups that carry rights; create one."""
    form = GroupForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            group = services.user_group_create(
                organisation=request.organisation,
                name=form.cleaned_data["name"],
                actor=request.user,
                request=request,
            )
        except RuleError as exc:
            form.add_error("name", exc.message)
        else:
            messages.success(request, _("Gruppen %(name)s er oprettet.") % {"name": group.name})
            return redirect("organisations:group", group.pk)
    return render(
        request,
        "organisations/rights/groups.html",
        {"groups": user_groups(organisation=request.organisation), "form": form},
    )


def _group(request, pk: int) -> UserGroup:
    return organisation_object_or_404(request, UserGroup, pk=pk)


@require_GET
@organisation_view(*GRANTERS)
def group(request, pk: int):
    """One group: its rights and members; search the organisation's users to add."""
    group = _group(request, pk)
    search = request.GET.get("q", "").strip()
    found = []
    if search:
        found = list(
            users_searched(organisation=request.organisation, search=search).exclude(
                user_groups=group
            )[:SEARCH_LIMIT]
        )
    group_services = list(group.services.order_by("name"))
    return render(
        request,
        "organisations/rights/group.html",
        {
            "group": group,
            "group_services": group_services,
            "members": Paginator(
                group.members.order_by("last_name", "first_name", "id"), PAGE_SIZE
            ).get_page(request.GET.get("side")),
            "form": ServiceForm(exclude=[s.pk for s in group_services], auto_id="group-%s"),
            "search": search,
            "found": found,
        },
    )


@require_POST
@organisation_view(*GRANTERS)
def group_service_add(request, pk: int):
    group = _group(request, pk)
    form = ServiceForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Vælg en tjeneste."))
    else:
        service = form.cleaned_data["service"]
        _act(
            request,
            lambda: services.user_group_service_add(
                group=group, service=service, actor=request.user, request=request
            ),
            _("Gruppen har fået rettigheden til %(service)s.") % {"service": service.name},
        )
    return redirect("organisations:group", group.pk)


@require_POST
@organisation_view(*GRANTERS)
def group_service_remove(request, pk: int):
    group = _group(request, pk)
    form = ServiceForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Vælg en tjeneste."))
    else:
        service = form.cleaned_data["service"]
        page = unconfirmed(
            request,
            heading=_("Vil du fjerne rettigheden til %(service)s fra gruppen %(name)s?")
            % {"service": service.name, "name": group.name},
            text=_("Medlemmerne mister rettigheden, hvis de kun har den gennem gruppen."),
            confirm_label=_("Ja, fjern rettigheden"),
            cancel_url=reverse("organisations:group", args=[group.pk]),
        )
        if page is not None:
            return page
        _act(
            request,
            lambda: services.user_group_service_remove(
                group=group, service=service, actor=request.user, request=request
            ),
            _("Rettigheden til %(service)s er fjernet fra gruppen.") % {"service": service.name},
        )
    return redirect("organisations:group", group.pk)


def _member_post(request, pk: int, call, success: str, *, confirm: bool = False):
    group = _group(request, pk)
    form = UserPickForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Vælg en bruger."))
        return redirect("organisations:group", group.pk)
    user = organisation_object_or_404(request, User, pk=form.cleaned_data["user"])
    page = None
    if confirm:
        page = unconfirmed(
            request,
            heading=_("Vil du fjerne %(member)s fra gruppen %(name)s?")
            % {"member": user.full_name, "name": group.name},
            text=_("Brugeren mister de rettigheder, brugeren kun har gennem gruppen."),
            confirm_label=_("Ja, fjern fra gruppen"),
            cancel_url=reverse("organisations:group", args=[group.pk]),
        )
    if page is not None:
        return page
    _act(
        request,
        lambda: call(group=group, user=user, actor=request.user, request=request),
        success % {"name": user.full_name, "group": group.name},
    )
    if request.POST.get("back") == "user":
        return redirect("organisations:user_rights", user.pk)
    return redirect("organisations:group", group.pk)


@require_POST
@organisation_view(*GRANTERS)
def group_member_add(request, pk: int):
    return _member_post(
        request,
        pk,
        services.user_group_member_add,
        _("%(name)s er med i gruppen %(group)s."),
    )


@require_POST
@organisation_view(*GRANTERS)
def group_member_remove(request, pk: int):
    return _member_post(
        request,
        pk,
        services.user_group_member_remove,
        _("%(name)s er taget ud af gruppen %(group)s."),
        confirm=True,
    )


@require_POST
@organisation_view(*GRANTERS)
def group_delete(request, pk: int):
    group = _group(request, pk)
    name = group.name
    page = unconfirmed(
        request,
        heading=_("Vil du slette gruppen %(name)s?") % {"name": name},
        text=_("Medlemmerne mister de rettigheder, de kun har gennem gruppen."),
        confirm_label=_("Ja, slet gruppen"),
        cancel_url=reverse("organisations:group", args=[group.pk]),
    )
    if page is not None:
        return page
    services.user_group_delete(group=group, actor=request.user, request=request)
    messages.success(request, _("Gruppen %(name)s er slettet.") % {"name": name})
    return redirect("organisations:groups")


# --- Requests ------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@organisation_view()
def right_request_new(request):
    """*Anmod om rettighed*: any user of the organisation asks for a right; the rights
    administrators are told by email."""
    user = request.user
    held = [row["service"].pk for row in user_rights_rows(user=user)]
    form = RightRequestForm(request.POST if request.method == "POST" else None, exclude=held)
    if request.method == "POST" and form.is_valid():
        try:
            services.right_request_create(
                user=user,
                service=form.cleaned_data["service"],
                reason=form.cleaned_data["reason"],
                request=request,
            )
        except RuleError as exc:
            form.add_error(exc.field, exc.message)
        else:
            messages.success(
                request,
                _(
                    "Din anmodning er sendt til organisationens rettighedsadministratorer. "
                    "Du får besked på e-mail, når den er behandlet."
                ),
            )
            return redirect("organisations:right_request_new")
    return render(
        request,
        "organisations/rights/request_new.html",
        {
            "form": form,
            "rows": user_rights_rows(user=user),
            "my_requests": RightRequest.objects.filter(user=user).select_related("service")[:20],
        },
    )


@require_GET
@organisation_view(RIGHTS_ADMIN)
def right_requests(request):
    """*Anmodninger om rettigheder*: the pending ones to approve or reject, and the decided."""
    organisation = request.organisation
    return render(
        request,
        "organisations/rights/requests.html",
        {
            "pending": Paginator(
                right_requests_pending(organisation=organisation), PAGE_SIZE
            ).get_page(request.GET.get("side")),
            "decided": right_requests_decided(organisation=organisation)[:20],
        },
    )


@require_POST
@organisation_view(RIGHTS_ADMIN)
def right_request_decide(request, pk: int):
    """Approve or reject one request (rights administrators only)."""
    right_request = organisation_object_or_404(
        request, RightRequest.objects.select_related("user", "service"), pk=pk
    )
    data = request.POST.copy()
    if not data.get("decision"):
        # The modal's button names the decision it confirms.
        data["decision"] = data.get("confirmed", "")
    form = DecisionForm(data)
    if not form.is_valid():
        messages.error(request, _("Vælg godkend eller afvis."))
        return redirect("organisations:right_requests")
    approve = form.cleaned_data["decision"] == "approve"
    names = {"name": right_request.user.full_name, "service": right_request.service.name}
    if approve:
        heading = _("Vil du give %(name)s rettigheden til %(service)s?") % names
    else:
        heading = _("Vil du afvise anmodningen fra %(name)s om %(service)s?") % names
    page = unconfirmed(
        request,
        heading=heading,
        confirm_label=_("Ja, godkend") if approve else _("Ja, afvis"),
        cancel_url=reverse("organisations:right_requests"),
    )
    if page is not None:
        return page
    call = services.right_request_approve if approve else services.right_request_reject
    if approve:
        text = _("Anmodningen fra %(name)s om %(service)s er godkendt.")
    else:
        text = _("Anmodningen fra %(name)s om %(service)s er afvist.")
    _act(
        request,
        lambda: call(
            right_request=right_request,
            note=form.cleaned_data["note"],
            actor=request.user,
            request=request,
        ),
        text % {"name": right_request.user.full_name, "service": right_request.service.name},
    )
    return redirect("organisations:right_requests")
