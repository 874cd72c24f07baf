from django.contrib import admin

from mitid_portal.models import OutboundEmail


@admin.register(OutboundEmail)
class OutboundEmailAdmin(admin.ModelAdmin):
    """Operators see what is queued, sent and failed, with the last error."""

    list_display = ["to", "subject", "state", "attempts", "created_at", "sent_at", "last_error"]
    list_filter = ["state"]
    search_fields = ["to", "subject"]
    readonly_fields = [f.name for f in OutboundEmail._meta.fields]
