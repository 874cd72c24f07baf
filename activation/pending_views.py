"""*Afventer aktivering*: the users who have not activated yet, searched, filtered, sorted and
paged for organisations of thousands, with its CSV export and the selection "all N matching" for
the bulk actions (``activation.selection``)."""

from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from activation import selection, selectors
from activation.models import BoundMeans
from activation.services import bulkjobs
from mitid_portal.csv import csv_response
from mitid_portal.listing import list_context, list_params
from organisations.access import organisation_view
from organisations.models import RoleGrant

ADMINS = (RoleGrant.Role.ORGANISATION_ADMIN, RoleGrant.Role.USER_ADMIN)
PAGE_SIZE = 25
DEFAULT_SORT = "udloeber"
COLUMNS = [
    ("navn", _("Navn")),
    ("email", _("E-mail")),
    ("udloeber", _("Udløber")),
]
EXPORT_HEADER = [
    _("Fornavn(e)"),
    _("Efternavn"),
    _("E-mail"),
    _("Bruger-ID"),
    _("RID-nummer"),
    _("Identifikationsmidler"),
    _("Udløber"),
]
_LABELS = dict(BoundMeans.Kind.choices)


def _pending(request):
    form = selection.list_filter_form(
        organisation=request.organisation, source=selection.SOURCE_AFVENTER, params=request.GET
    )
    days = selection.expiring_days(form)
    invitations = selectors.invitations_pending(
        organisation=request.organisation, user_filter=form.user_filter(), expiring_days=days
    )
    return form, days, invitations


def _default_sort(form) -> str:
    """The soonest expiry first; a search's users by name, as the user lists show them."""
    user_filter = form.user_filter()
    return "navn" if user_filter.search or user_filter.cpr_hash else DEFAULT_SORT


@require_GET
@organisation_view(*ADMINS)
def pending(request):
    """*Afventer aktivering*: the live invitations, the soonest expiry first, then by name (a
    search's by name); with ``?udloeber=7`` only the links that expire within 7 days (the
    migration overview's bar); an invalid value shows them all with a notice."""
    form, days, invitations = _pending(request)
    if (moved := form.cpr_moved(request.GET)) is not None:
        return redirect(f"{request.path}?{moved}")
    query = form.query()
    context = list_context(
        invitations,
        params=request.GET,
        query=query,
        sorts=selectors.PENDING_SORTS,
        default_sort=_default_sort(form),
        columns=COLUMNS,
        default_size=PAGE_SIZE,
        page_reader=lambda chosen: selectors.invitations_pending_page(
            organisation=request.organisation,
            user_filter=form.user_filter(),
            expiring_days=days,
            params=chosen,
        ),
    )
    for invitation in context["page"].object_list:
        invitation.means_labels = [str(_LABELS.get(m, m)) for m in invitation.means]
    return render(
        request,
        "activation/pending.html",
        context
        | {
            "filter_form": form,
            "filtered": bool(query),
            "search": form.user_filter().search,
            "cpr_hash": form.user_filter().cpr_hash,
            "cpr_cleared": form.query_without_cpr(),
            "invalid_filter": bool(form.errors),
            "expiring": days,
            "export_url": f"{reverse('activation:pending_export')}?{context['query']}",
            "bulk_source": selection.SOURCE_AFVENTER,
            "bulk_filter": urlencode(query),
            "bulk_actions": [
                (action.code, action.label) for action in bulkjobs.bulk_actions_for(request.roles)
            ],
            "mark_page": request.GET.get("marker") == "side",
        },
    )


@require_GET
@organisation_view(*ADMINS)
def pending_export(request):
    """*Afventer aktivering* as CSV: every invitation the current filter shows, in its sort
    order, streamed (no CPR number)."""
    form, _days, invitations = _pending(request)
    chosen = list_params(
        request.GET, sorts=selectors.PENDING_SORTS, default_sort=_default_sort(form)
    )
    return csv_response(
        filename=f"afventer-aktivering-{request.organisation.cvr}.csv",
        header=EXPORT_HEADER,
        rows=selectors.pending_export_rows(invitations=invitations.order_by(*chosen.order)),
    )
