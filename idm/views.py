"""*IdM-klienter*: the organisation administrator registers the organisation's local IdM (an
OAuth 2.0 client for the SCIM API), sees its secret once, renews it and revokes the client. A
refusal is audited by ``organisations.access.organisation_view``."""

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from broker.models import Client
from idm import services
from idm.selectors import api_clients_of
from mitid_portal.confirm import unconfirmed
from mitid_portal.errors import RuleError
from mitid_portal.forms import PortalForm
from organisations.access import organisation_object_or_404, organisation_view
from organisations.models import RoleGrant

ORG_ADMIN = RoleGrant.Role.ORGANISATION_ADMIN


class ClientForm(PortalForm):
    name = forms.CharField(
        label=gettext_lazy("Navn på klienten"),
        help_text=gettext_lazy(
            "Fx navnet på jeres IdM-system, så I kan kende det i Revisionsloggen."
        ),
        max_length=100,
        widget=forms.TextInput(attrs={"class": "form-input"}),
    )


def _page(request, *, form, secret=None, secret_client=None, status=200):
    return render(
        request,
        "idm/clients.html",
        {
            "form": form,
            "clients": api_clients_of(organisation=request.organisation),
            "secret": secret,
            "secret_client": secret_client,
            "token_url": request.build_absolute_uri("/broker/token/"),
            "scim_url": request.build_absolute_uri("/scim/v2/"),
        },
        status=status,
    )


@never_cache
@require_http_methods(["GET", "POST"])
@organisation_view(ORG_ADMIN)
def clients(request):
    """The organisation's IdM clients; POST registers a new one and shows its secret once."""
    form = ClientForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            client, secret = services.api_client_create(
                organisation=request.organisation,
                name=form.cleaned_data["name"],
                actor=request.user,
                request=request,
            )
        except RuleError as exc:
            form.add_error("name", exc.message)
        else:
            return _page(request, form=ClientForm(), secret=secret, secret_client=client)
    return _page(request, form=form, status=400 if form.errors else 200)


@never_cache
@require_POST
@organisation_view(ORG_ADMIN)
def client_renew(request, pk):
    client = organisation_object_or_404(request, Client.objects.filter(kind=Client.Kind.IDM), pk=pk)
    page = unconfirmed(
        request,
        heading=_("Vil du give %(name)s en ny hemmelighed?") % {"name": client.name},
        text=_("Den nuværende hemmelighed holder op med at virke med det samme."),
        confirm_label=_("Ja, lav en ny hemmelighed"),
        cancel_url=reverse("idm:clients"),
    )
    if page is not None:
        return page
    try:
        secret = services.api_client_secret_renew(
            client=client, actor=request.user, request=request
        )
    except RuleError as exc:
        messages.error(request, exc.message)
        return redirect("idm:clients")
    return _page(request, form=ClientForm(), secret=secret, secret_client=client)


@require_POST
@organisation_view(ORG_ADMIN)
def client_revoke(request, pk):
    client = organisation_object_or_404(request, Client.objects.filter(kind=Client.Kind.IDM), pk=pk)
    page = unconfirmed(
        request,
        heading=_("Vil du spærre IdM-klienten %(name)s?") % {"name": client.name},
        text=_("Klienten kan derefter ikke længere kalde IdM-API'et. Det kan ikke fortrydes."),
        confirm_label=_("Ja, spær klienten"),
        cancel_url=reverse("idm:clients"),
    )
    if page is not None:
        return page
    try:
        services.api_client_revoke(client=client, actor=request.user, request=request)
    except RuleError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Klienten %(name)s er spærret.") % {"name": client.name})
    return redirect("idm:clients")
