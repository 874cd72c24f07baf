"""The steps of connecting an organisation that create or activate users: *Bekræft og godkend
tilslutning* (G2.7), the last step of the NemLog-in wizard in ``organisations.views``, and the
appointed administrator's setup link (G3.1–G3.4), which logs them in through ``portal_login``."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from activation.models import BoundMeans
from activation.services import connection as services
from activation.services.login import portal_login
from mitid_portal.errors import RuleError
from mitid_portal.identity import identity_current, identity_get
from organisations.models import ConnectionRequest
from organisations.services import admin_invitation_check
from organisations.views import (
    connection_next_url,
    connection_wizard,
    identity_required,
    own_connection,
)

SETUP_TOKEN_KEY = "admin_setup_token"  # noqa: S105 - a session key name


@require_http_methods(["GET", "POST"])
@identity_required
def connect_confirm(request, pk: int):
    """*Bekræft og godkend tilslutning* (G2.7)."""
    connection = own_connection(request, pk)
    if request.method == "POST":
        try:
            connection = services.connection_confirm(connection_id=connection.pk, request=request)
        except RuleError as exc:
            messages.error(request, exc.message)
            return redirect(connection_next_url(connection))
        return redirect("organisations:receipt", pk=connection.pk)
    if connection.state != ConnectionRequest.State.DRAFT:
        return redirect(connection_next_url(connection))
    if connection_next_url(connection) != request.path:
        return redirect(connection_next_url(connection))
    return render(
        request,
        "activation/connect_confirm.html",
        {
            "connection": connection,
            "documents": connection.documents.all(),
            **connection_wizard(connection, "confirm"),
        },
    )


@require_GET
def setup_link(request, token: str):
    """The link in the appointed administrator's email (G3.1, G3.2). The token moves into the
    session and the browser continues on a URL without it – also when the link is spent, so
    that neither the error page's Referer nor Django's log of a 4xx answer carries the token."""
    request.session[SETUP_TOKEN_KEY] = token
    return redirect("activation:setup_continue")


@require_http_methods(["GET", "POST"])
def setup_continue(request):
    """Log in with private MitID as the appointed person (G3.4), then on to the setup."""
    token = request.session.get(SETUP_TOKEN_KEY)
    if not token:
        return render(
            request,
            "activation/setup_link_error.html",
            {"error": RuleError("unknown", _("Linket er ugyldigt."))},
            status=404,
        )
    try:
        invitation = admin_invitation_check(token=token)
    except RuleError as exc:
        return render(
            request,
            "activation/setup_link_error.html",
            {"error": exc},
            status=410 if exc.code in ("expired", "used") else 404,
        )
    identity = identity_get(request)
    if request.method == "POST" and identity is not None:
        try:
            user = services.admin_invitation_accept(token=token, identity=identity, request=request)
        except RuleError as exc:
            messages.error(request, exc.message)
        else:
            portal_login(
                request,
                user=user,
                means=BoundMeans.Kind.PRIVATE,
                identity=identity_current(request),
            )
            request.session.pop(SETUP_TOKEN_KEY, None)
            messages.success(
                request,
                _("Du er logget på som organisationsadministrator for %(org)s.")
                % {"org": invitation.organisation.name},
            )
            return redirect("organisations:setup")
    return render(
        request,
        "activation/setup_continue.html",
        {"invitation": invitation, "identity": identity},
    )
