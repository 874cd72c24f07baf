"""The portal operator's admin of connection requests: approving a manual request connects the
organisation and appoints its administrators as new users (``activation.services.connection``),
so it lives here rather than in organisations."""

from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from activation.services.connection import connection_approve
from mitid_portal.errors import RuleError
from organisations.models import ConnectionDocument, ConnectionRequest
from organisations.services import connection_reject


class ConnectionDocumentInline(admin.TabularInline):
    model = ConnectionDocument
    extra = 0
    can_delete = False
    fields = ("original_name", "content_type", "size", "uploaded_at", "download")
    readonly_fields = fields

    @admin.display(description=_("Fil"))
    def download(self, obj):
        url = reverse("organisations:document_download", args=[obj.pk])
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

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Godkend de valgte anmodninger (tilslut organisationen)"))
    def approve(self, request, queryset):
        for connection in queryset:
            try:
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
