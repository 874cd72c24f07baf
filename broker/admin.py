"""The operator's admin of the broker's clients: service providers are registered here (which
public service a client represents, its redirect URIs, whether it may receive the CPR number).
The client secret is shown once, when the client is created: only its hash is kept. Local IdM
clients are registered by their organisation's administrator, and only listed here."""

from django.contrib import admin, messages
from django.utils.translation import gettext as _
from oauth2_provider.models import get_application_model

from broker.models import Client
from broker.services import service_provider_register
from mitid_portal.identity import identity_name

# django-oauth-toolkit registers its own admin for the application model; the broker's replaces it.
if admin.site.is_registered(get_application_model()):
    admin.site.unregister(get_application_model())


@admin.register(Client)
class ClientAdmin(admin.ModelAdmin):
    list_display = ["name", "client_id", "kind", "public_service", "organisation", "revoked_at"]
    list_filter = ["kind", "public_service"]
    search_fields = ["name", "client_id"]
    list_select_related = ["public_service", "organisation"]
    add_fields = [
        "name",
        "client_id",
        "public_service",
        "redirect_uris",
        "post_logout_redirect_uris",
        "cpr_entitled",
    ]
    change_fields = [
        "name",
        "client_id",
        "kind",
        "public_service",
        "organisation",
        "redirect_uris",
        "post_logout_redirect_uris",
        "cpr_entitled",
        "created_by_name",
        "created",
        "revoked_at",
    ]
    readonly_fields = ["client_id", "kind", "organisation", "created_by_name", "created"]

    def get_fields(self, request, obj=None):
        return self.add_fields if obj is None else self.change_fields

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.readonly_fields

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        # The secret as generated, before saving keeps only its hash.
        secret = obj.client_secret
        service_provider_register(
            client=obj,
            actor_name=request.user.get_full_name() or identity_name(request) or "Operatør",
            actor_user=request.user,
            request=request,
        )
        messages.warning(
            request,
            _(
                "Klienthemmeligheden for %(name)s er %(secret)s. Den vises kun denne ene gang: "
                "giv den til tjenesteudbyderen nu."
            )
            % {"name": obj.name, "secret": secret},
        )
