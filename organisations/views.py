"""Connecting the organisation at the simulated NemLog-in (G2.1–G2.6), and the organisation's own
pages. The wizard's last step, *Bekræft og godkend tilslutning* (G2.7), which appoints the
administrators as new users, and the appointed administrator's setup link (G3.1–G3.4) are
``activation.connection_views``; they use ``identity_required``, ``own_connection`` and
``connection_next_url`` from here."""

from functools import wraps

from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from mitid_portal import outside
from mitid_portal.errors import RuleError
from mitid_portal.identity import identity_cpr, identity_get
from mitid_portal.validators import cpr_birth_date
from organisations import selectors, services, wizard
from organisations.access import organisation_object_or_404, organisation_view
from organisations.forms import AdminForm, DocumentForm, ManualCvrForm, TermsForm
from organisations.models import ConnectionDocument, ConnectionRequest, RoleGrant


def identity_required(view):
    """The person must be signed in with private MitID (G2.2); otherwise the login comes first."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        request.identity = identity_get(request)
        if request.identity is None:
            return redirect(f"{reverse('login:start')}?{urlencode({'next': request.path})}")
        return view(request, *args, **kwargs)

    return wrapper


def _person_name(request) -> str:
    return f"{request.identity['first_name']} {request.identity['last_name']}"


def own_connection(request, pk: int) -> ConnectionRequest:
    """Only the person who started a connection request can see or continue it."""
    connection = (
        selectors.connections_of_person(cpr_hash=request.identity["cpr_hash"]).filter(pk=pk).first()
    )
    if connection is None:
        raise Http404
    return connection


def connection_next_url(connection: ConnectionRequest) -> str:
    if connection.state != ConnectionRequest.State.DRAFT:
        return reverse("organisations:receipt", args=[connection.pk])
    if not connection.terms_accepted_at:
        return reverse("organisations:terms", args=[connection.pk])
    if not connection.admin_choice:
        return reverse("organisations:admin", args=[connection.pk])
    if not connection.is_representative and not connection.documents.exists():
        return reverse("organisations:documents", args=[connection.pk])
    return reverse("activation:connect_confirm", args=[connection.pk])


def connection_wizard(connection: ConnectionRequest | None, current: str) -> dict:
    """The step indicator and the *Tilbage* link of a step of the connection wizard."""
    steps = wizard.connection_steps(connection, current)
    return {"steps": steps, "back_url": wizard.connection_back_url(steps)}


@require_GET
def connect_start(request):
    """*Du skal tilslutte din organisation* (G2.1)."""
    return render(request, "organisations/connect_start.html", {"identity": identity_get(request)})


@require_http_methods(["GET", "POST"])
@identity_required
def connect_choose(request):
    """*Vælg den organisation der skal tilsluttes* (G2.3); the list shows only when the person
    may act for several organisations."""
    cpr = identity_cpr(request)
    companies = [
        {"cvr": c.cvr, "name": c.name, "connected": selectors.organisation_is_connected(cvr=c.cvr)}
        for c in outside.cvr_register().companies_represented_by(cpr=cpr)
    ]
    manual_form = ManualCvrForm(
        request.POST if "manual_cvr" in request.POST else None, prefix="manual"
    )
    offer_manual = None
    if request.method == "POST":
        cvr, manual = request.POST.get("cvr", ""), request.POST.get("manual") == "1"
        if "manual_cvr" in request.POST:
            cvr = manual_form.cleaned_data["cvr"] if manual_form.is_valid() else ""
        if cvr:
            try:
                connection = services.connection_start(
                    cpr=cpr,
                    person_name=_person_name(request),
                    cvr=cvr,
                    manual=manual,
                    request=request,
                )
            except RuleError as exc:
                messages.error(request, exc.message)
                if exc.code == "not_representative":
                    offer_manual = cvr
            else:
                return redirect(connection_next_url(connection))
    return render(
        request,
        "organisations/connect_choose.html",
        {
            "companies": companies,
            "manual_form": manual_form,
            "offer_manual": offer_manual,
            "page_has_errors": bool(manual_form.errors),
            **connection_wizard(None, "choose"),
        },
    )


@require_http_methods(["GET", "POST"])
@identity_required
def connect_terms(request, pk: int):
    """*Acceptér vilkår* (G2.4)."""
    connection = own_connection(request, pk)
    if connection.state != ConnectionRequest.State.DRAFT:
        return redirect(connection_next_url(connection))
    form = TermsForm(
        request.POST if request.method == "POST" else None,
        initial={"accept": bool(connection.terms_accepted_at)},
    )
    if request.method == "POST" and form.is_valid():
        services.connection_accept_terms(connection=connection, request=request)
        return redirect(connection_next_url(connection))
    return render(
        request,
        "organisations/connect_terms.html",
        {
            "connection": connection,
            "form": form,
            "version": services.TERMS_VERSION,
            **connection_wizard(connection, "terms"),
        },
    )


@require_http_methods(["GET", "POST"])
@identity_required
def connect_admin(request, pk: int):
    """*Vælg en organisationsadministrator* (G2.5) with the four responsibilities beside it."""
    connection = own_connection(request, pk)
    if connection.state != ConnectionRequest.State.DRAFT or not connection.terms_accepted_at:
        return redirect(connection_next_url(connection))
    initial = {
        "choice": connection.admin_choice or ConnectionRequest.AdminChoice.SELF,
        "requester_email": connection.requester_email,
        "first_name": connection.admin_first_name,
        "last_name": connection.admin_last_name,
        "email": connection.admin_email,
        # A CPR number entered before is not shown again; its birth date stands in for it.
        "birth_date": connection.admin_birth_date
        or (cpr_birth_date(connection.admin_cpr) if connection.admin_cpr else None),
    }
    form = AdminForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        services.connection_choose_admin(connection=connection, **form.cleaned_data)
        return redirect(connection_next_url(connection))
    return render(
        request,
        "organisations/connect_admin.html",
        {"connection": connection, "form": form, **connection_wizard(connection, "admin")},
    )


@require_http_methods(["GET", "POST"])
@identity_required
def connect_documents(request, pk: int):
    """The manual route (G2.6): documentation that the person may act for the organisation."""
    connection = own_connection(request, pk)
    if connection.state != ConnectionRequest.State.DRAFT or connection.is_representative:
        return redirect(connection_next_url(connection))
    form = DocumentForm(request.POST if request.method == "POST" else None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.connection_add_document(
                connection=connection, upload=form.cleaned_data["document"], request=request
            )
        except RuleError as exc:
            form.add_error("document", exc.message)
        else:
            messages.success(request, _("Filen er uploadet."))
            return redirect("organisations:documents", pk=connection.pk)
    return render(
        request,
        "organisations/connect_documents.html",
        {
            "connection": connection,
            "form": form,
            "documents": connection.documents.all(),
            **connection_wizard(connection, "documents"),
        },
    )


@require_GET
@identity_required
def connect_receipt(request, pk: int):
    """*Kvittering* for the connection, or for a request that waits for review."""
    connection = own_connection(request, pk)
    if connection.state == ConnectionRequest.State.DRAFT:
        return redirect(connection_next_url(connection))
    return render(request, "organisations/connect_receipt.html", {"connection": connection})


@staff_member_required
@require_GET
def document_download(request, pk: int):
    """Operators read uploaded documentation; it is never served as a public file. Mounted in
    the operator admin (``activation.admin``), where it runs unscoped, for every exercise."""
    document = get_object_or_404(ConnectionDocument, pk=pk)
    response = FileResponse(document.file.open("rb"), content_type=document.content_type)
    response["Content-Disposition"] = (
        f'attachment; filename="document-{document.pk}{document.extension}"'
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_GET
@organisation_view()
def organisation_overview(request):
    """The signed-in user's organisation: its state and who holds which administrator role."""
    grants = selectors.role_grants(organisation=request.organisation)
    return render(
        request,
        "organisations/overview.html",
        {"organisation": request.organisation, "grants": grants, "my_roles": request.roles},
    )


@require_GET
@organisation_view(RoleGrant.Role.ORGANISATION_ADMIN)
def role_grant_detail(request, pk: int):
    """One role grant: who holds it, who granted it and when (organisation administrators only)."""
    grant = organisation_object_or_404(
        request, selectors.role_grants(organisation=request.organisation), pk=pk
    )
    return render(request, "organisations/role_grant.html", {"grant": grant})
