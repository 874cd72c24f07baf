from django.contrib import admin

from mitid_portal.models import AuditEvent, OutboundEmail, Sandbox


@admin.register(OutboundEmail)
class OutboundEmailAdmin(admin.ModelAdmin):
    """Operators see what is queued, sent and failed, with the last error."""

    list_display = [
        "to",
        "subject",
        "state",
        "attempts",
        "created_at",
        "sent_at",
        "last_error",
        "sandbox",
    ]
    list_filter = ["state"]
    search_fields = ["to", "subject"]
    readonly_fields = [f.name for f in OutboundEmail._meta.fields]


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["created_at", "actor_name", "action", "cvr", "target", "sandbox"]
    list_filter = ["action"]
    search_fields = ["cvr", "actor_name", "target"]
    readonly_fields = [f.name for f in AuditEvent._meta.fields]


@admin.register(Sandbox)
class SandboxAdmin(admin.ModelAdmin):
    """Operators see the exercises on the server and when each expires; deleting one deletes
    everything in it (the periodic job does so at expiry)."""

    list_display = ["id", "name", "created_at", "expires_at", "reset_at"]
    readonly_fields = ["created_at", "reset_at", "invite_token_hash"]
    ordering = ["-created_at"]
