"""The portal operator's admin of connection requests: approving a manual request connects the
organisation and appoints its administrators as new users (``activation.services.connection``),
so it lives here rather than in organisations."""

from django.contrib import admin, messages
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from activation.services.connection import connection_approve
from mitid_portal.errors import RuleError
from mitid_portal.sandbox import sandbox_scope
from organisations.models import ConnectionDocument, ConnectionRequest
from organisations.services import connection_reject
from organisations.views import document_download


class ConnectionDocumentInline(admin.TabularInline):
    model = ConnectionDocument
    extra = 0
    can_delete = False
    fields = ("original_name", "content_type", "size", "uploaded_at", "download")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False  # the requester uploads the documentation, not the operator

    @admin.display(description=_("Fil"))
    def download(self, obj):
        if obj is None or obj.pk is None:
            return "–"
        url = reverse("admin:organisations_connectiondocument_download", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, _("Hent"))


@admin.register(ConnectionRequest)
class ConnectionRequestAdmin(admin.ModelAdmin):
    """Portal operators decide manual connection requests (approve, or reject with a reason)."""

    list_display = ["company_name", "cvr", "requester_name", "state", "created_at", "decided_by"]
    list_filter = ["state", "is_representative"]
    search_fields = ["company_name", "cvr", "requester_name"]
    inlines = [ConnectionDocumentInline]
    actions = ["approve", "reject"]
    fields = (
        "company_name",
        "cvr",
        "state",
        "is_representative",
        "requester_name",
        "requester_email",
        "terms_version",
        "terms_accepted_at",
        "admin_choice",
        "admin_first_name",
        "admin_last_name",
        "admin_email",
        "admin_birth_date",
        "decision_note",
        "decided_by",
        "decided_at",
        "created_at",
        "completed_at",
    )
    readonly_fields = [f for f in fields if f != "decision_note"]

    def get_urls(self):
        # The uploaded documentation, under the operator path: there it is read unscoped, so an
        # operator opens the documents of a request made in any exercise.
        download = path(
            "dokument/<int:pk>/",
            self.admin_site.admin_view(document_download),
            name="organisations_connectiondocument_download",
        )
        return [download, *super().get_urls()]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Godkend de valgte anmodninger (tilslut organisationen)"))
    def approve(self, request, queryset):
        for connection in queryset:
            try:
                # The operator pages run unscoped: the organisation, its administrators, emails
                # and audit events are made in the request's own exercise.
                with sandbox_scope(connection.sandbox_id):
                    connection_approve(
                        connection_id=connection.pk, operator_name=request.user.get_username()
                    )
            except RuleError as exc:
                self.message_user(request, f"{connection}: {exc.message}", messages.ERROR)
            else:
                self.message_user(
                    request, _("%(name)s er tilsluttet.") % {"name": connection.company_name}
                )

    @admin.action(description=_("Afvis de valgte anmodninger (med begrundelsen i feltet)"))
    def reject(self, request, queryset):
        for connection in queryset:
            try:
                with sandbox_scope(connection.sandbox_id):
                    connection_reject(
                        connection_id=connection.pk,
                        operator_name=request.user.get_username(),
                        reason=connection.decision_note,
                    )
            except RuleError as exc:
                self.message_user(request, f"{connection}: {exc.message}", messages.ERROR)
            else:
                self.message_user(
                    request, _("%(name)s er afvist.") % {"name": connection.company_name}
                )
