"""*Fuldmagter*: business powers of attorney given and received.

Organisation administrators create, ask for, approve, reject and revoke them; the receiving
organisation's rights administrator chooses which of its users may use a received one. A power is
visible to both sides and to no one else: every lookup goes through ``powers_of``, so another
organisation's power is a 404.
"""

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.db.models import Count, Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from mitid_portal.confirm import unconfirmed
from mitid_portal.csv import csv_response
from mitid_portal.errors import RuleError
from mitid_portal.forms import DateField, PortalForm
from organisations import services
from organisations.access import organisation_object_or_404, organisation_view
from organisations.auditlog_views import CSV_CHUNK, list_order, list_page_context
from organisations.forms import PowersFilterForm
from organisations.models import Organisation, PowerOfAttorney, PublicService, RoleGrant
from organisations.rights_views import SEARCH_LIMIT, users_searched
from organisations.selectors import POWERS_DEFAULT_SORT, POWERS_SORTS, powers_listed

User = get_user_model()

ORG_ADMIN = RoleGrant.Role.ORGANISATION_ADMIN
RIGHTS_ADMIN = RoleGrant.Role.RIGHTS_ADMIN


# --- Reads ---------------------------------------------------------------------------------------


def powers_of(*, organisation: Organisation) -> QuerySet[PowerOfAttorney]:
    """Every power the organisation gave or received (found by its CVR, so a power given before
    the receiver connected is there too), with what the lists show fetched up front."""
    return (
        PowerOfAttorney.objects.filter(Q(giver=organisation) | Q(receiver_cvr=organisation.cvr))
        .select_related("giver")
        .prefetch_related(Prefetch("services", queryset=PublicService.objects.order_by("name")))
        .annotate(user_count=Count("users", distinct=True))
        .order_by("-created_at", "-id")
    )


# --- Forms ---------------------------------------------------------------------------------------


class PowerForm(PortalForm):
    cvr = forms.CharField(
        label=gettext_lazy("Modtagerens CVR-nummer"),
        max_length=20,
        error_messages={"required": gettext_lazy("Skriv et CVR-nummer.")},
        widget=forms.TextInput(attrs={"class": "form-input", "inputmode": "numeric"}),
    )
    services = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Tjenester"),
        queryset=PublicService.objects.order_by("name"),
        error_messages={"required": gettext_lazy("Vælg mindst én tjeneste.")},
        widget=forms.CheckboxSelectMultiple,
    )
    valid_until = DateField(
        label=gettext_lazy("Gyldig til og med (valgfri)"),
        help_text=gettext_lazy(
            "Lad feltet stå tomt, hvis fuldmagten gælder, til den tilbagekaldes."
        ),
        required=False,
        input_formats=["%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y"],
        error_messages={"invalid": gettext_lazy("Skriv datoen som dd-mm-åååå.")},
        widget=forms.DateInput(attrs={"class": "form-input", "type": "date"}, format="%Y-%m-%d"),
    )


class PowerRequestForm(PowerForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cvr"].label = gettext_lazy(
            "CVR-nummer på organisationen, der skal give fuldmagten"
        )


class UserPickForm(PortalForm):
    user = forms.IntegerField(widget=forms.HiddenInput)


def _form_view(request, form_class, call, template: str, success: str):
    form = form_class(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            power = call(data)
        except RuleError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, success)
            return redirect("organisations:power", power.pk)
    return render(request, template, {"form": form})


# --- Views ---------------------------------------------------------------------------------------


def _powers_filtered(request):
    form = PowersFilterForm(request.GET or None)
    return form, powers_listed(organisation=request.organisation, **form.filters())


def _state_label(power: PowerOfAttorney) -> str:
    if power.state == PowerOfAttorney.State.ACTIVE and power.is_expired:
        return _("Udløbet")
    return power.get_state_display()


@require_GET
@organisation_view(ORG_ADMIN, RIGHTS_ADMIN)
def powers(request):
    """*Fuldmagter*: those the organisation gave and received in one list, searchable (the other
    party, a user who may use it), filtered by direction and state, sortable, exportable."""
    organisation = request.organisation
    form, listed = _powers_filtered(request)
    columns = [
        ("other", _("Anden organisation")),
        ("", _("Retning")),
        ("", _("Tjenester")),
        ("valid_until", _("Gyldig til og med")),
        ("state", _("Status")),
        ("", _("Brugere")),
        ("created", _("Oprettet")),
    ]
    context = list_page_context(
        request,
        listed,
        form=form,
        sorts=POWERS_SORTS,
        default_sort=POWERS_DEFAULT_SORT,
        columns=columns,
    )
    context["rows"] = [
        {
            "power": power,
            "given": power.giver_id == organisation.pk,
            "state": _state_label(power),
        }
        for power in context["page"].object_list
    ]
    return render(
        request,
        "organisations/powers/list.html",
        {"form": form, "is_org_admin": ORG_ADMIN in request.roles, **context},
    )


@require_GET
@organisation_view(ORG_ADMIN, RIGHTS_ADMIN)
def powers_csv(request):
    """The powers the filter selects, in the list's order, as a streamed CSV."""
    organisation = request.organisation
    _form, listed = _powers_filtered(request)
    order = list_order(request, sorts=POWERS_SORTS, default_sort=POWERS_DEFAULT_SORT)
    # Model rows (their services prefetched 2,000 powers at a time): an organisation has few.
    powers = listed.order_by(*order).iterator(chunk_size=CSV_CHUNK)
    today = timezone.localdate()

    def rows():
        for power in powers:
            given = power.giver_id == organisation.pk
            yield (
                power.other_name,
                power.other_cvr,
                pgettext("fuldmagt", "Givet") if given else _("Modtaget"),
                ", ".join(service.name for service in power.services.all()),
                power.valid_until.isoformat() if power.valid_until else "",
                _state_label(power),
                "" if given else power.user_count,
                timezone.localtime(power.created_at).strftime("%Y-%m-%d %H:%M"),
            )

    return csv_response(
        filename=f"fuldmagter-{organisation.cvr}-{today.isoformat()}.csv",
        header=[
            _("Anden organisation"),
            _("CVR-nummer"),
            _("Retning"),
            _("Tjenester"),
            _("Gyldig til og med"),
            _("Status"),
            _("Brugere"),
            _("Oprettet"),
        ],
        rows=rows(),
    )


@require_http_methods(["GET", "POST"])
@organisation_view(ORG_ADMIN)
def power_new(request):
    """*Opret fuldmagt*: to another CVR, for chosen services, with an optional end date."""
    return _form_view(
        request,
        PowerForm,
        lambda data: services.power_create(
            giver=request.organisation,
            receiver_cvr=data["cvr"],
            services=data["services"],
            valid_until=data["valid_until"],
            actor=request.user,
            request=request,
        ),
        "organisations/powers/new.html",
        _("Fuldmagten er oprettet."),
    )


@require_http_methods(["GET", "POST"])
@organisation_view(ORG_ADMIN)
def power_request_new(request):
    """*Anmod om fuldmagt*: ask another connected organisation for a power of attorney."""
    return _form_view(
        request,
        PowerRequestForm,
        lambda data: services.power_request(
            receiver=request.organisation,
            giver_cvr=data["cvr"],
            services=data["services"],
            valid_until=data["valid_until"],
            actor=request.user,
            request=request,
        ),
        "organisations/powers/request_new.html",
        _("Anmodningen er sendt til organisationens administratorer."),
    )


def _power(request, pk: int) -> PowerOfAttorney:
    return get_object_or_404(powers_of(organisation=request.organisation), pk=pk)


@require_GET
@organisation_view(ORG_ADMIN, RIGHTS_ADMIN)
def power(request, pk: int):
    """One power of attorney as one side sees it; on the receiving side, its users."""
    power = _power(request, pk)
    organisation = request.organisation
    is_giver = power.giver_id == organisation.pk
    is_receiver = power.receiver_cvr == organisation.cvr
    search = request.GET.get("q", "").strip()
    found = []
    may_choose_users = is_receiver and RIGHTS_ADMIN in request.roles and power.is_usable
    if may_choose_users and search:
        found = list(
            users_searched(organisation=organisation, search=search).exclude(
                powers_of_attorney=power
            )[:SEARCH_LIMIT]
        )
    return render(
        request,
        "organisations/powers/detail.html",
        {
            "power": power,
            "is_giver": is_giver,
            "is_receiver": is_receiver,
            "is_org_admin": ORG_ADMIN in request.roles,
            "may_choose_users": may_choose_users,
            "power_users": (
                power.users.filter(organisation=organisation).order_by("last_name", "first_name")
                if is_receiver
                else []
            ),
            "search": search,
            "found": found,
        },
    )


def _confirmation(request, power: PowerOfAttorney, call) -> tuple[str, str, str]:
    """The question, the button and the explanation that confirm one act on a power."""
    receiver = power.receiver_name or power.receiver_cvr
    if call is services.power_approve:
        return (
            _("Vil du give %(name)s fuldmagt?") % {"name": receiver},
            _("Ja, godkend fuldmagten"),
            _(
                "Modtagerens brugere kan derefter bruge de valgte tjenester på organisationens vegne."
            ),
        )
    if call is services.power_reject:
        return (
            _("Vil du afvise anmodningen om fuldmagt fra %(name)s?") % {"name": receiver},
            _("Ja, afvis anmodningen"),
            "",
        )
    if power.state == PowerOfAttorney.State.REQUESTED and power.giver_id != request.organisation.pk:
        return (
            _("Vil du trække anmodningen om fuldmagt fra %(name)s tilbage?")
            % {"name": power.giver.name},
            _("Ja, træk anmodningen tilbage"),
            "",
        )
    return (
        _("Vil du tilbagekalde fuldmagten fra %(giver)s til %(receiver)s?")
        % {"giver": power.giver.name, "receiver": receiver},
        _("Ja, tilbagekald fuldmagten"),
        "",
    )


def _power_act(request, pk: int, call, success: str):
    power = _power(request, pk)
    heading, confirm_label, text = _confirmation(request, power, call)
    page = unconfirmed(
        request,
        heading=heading,
        text=text,
        confirm_label=confirm_label,
        cancel_url=reverse("organisations:power", args=[power.pk]),
    )
    if page is not None:
        return page
    try:
        call(power=power, actor=request.user, request=request)
    except RuleError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, success)
    return redirect("organisations:power", power.pk)


@require_POST
@organisation_view(ORG_ADMIN)
def power_approve(request, pk: int):
    return _power_act(request, pk, services.power_approve, _("Fuldmagten er godkendt."))


@require_POST
@organisation_view(ORG_ADMIN)
def power_reject(request, pk: int):
    return _power_act(request, pk, services.power_reject, _("Anmodningen om fuldmagt er afvist."))


@require_POST
@organisation_view(ORG_ADMIN)
def power_revoke(request, pk: int):
    return _power_act(request, pk, services.power_revoke, _("Fuldmagten er tilbagekaldt."))


def _power_user(request, pk: int, call, success: str):
    power = _power(request, pk)
    form = UserPickForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Vælg en bruger."))
        return redirect("organisations:power", power.pk)
    user = organisation_object_or_404(request, User, pk=form.cleaned_data["user"])
    if call is services.power_user_remove:
        page = unconfirmed(
            request,
            heading=_("Vil du fjerne %(name)s fra fuldmagten?") % {"name": user.full_name},
            text=_("Brugeren kan derefter ikke længere bruge fuldmagten."),
            confirm_label=_("Ja, fjern brugeren"),
            cancel_url=reverse("organisations:power", args=[power.pk]),
        )
        if page is not None:
            return page
    try:
        call(power=power, user=user, actor=request.user, request=request)
    except RuleError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, success % {"name": user.full_name})
    return redirect("organisations:power", power.pk)


@require_POST
@organisation_view(RIGHTS_ADMIN)
def power_user_add(request, pk: int):
    return _power_user(request, pk, services.power_user_add, _("%(name)s kan nu bruge fuldmagten."))


@require_POST
@organisation_view(RIGHTS_ADMIN)
def power_user_remove(request, pk: int):
    return _power_user(
        request, pk, services.power_user_remove, _("%(name)s kan ikke længere bruge fuldmagten.")
    )
