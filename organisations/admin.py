from django.contrib import admin

from organisations.models import AuditEvent, Organisation, RoleGrant


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "cvr", "state", "connected_at"]
    search_fields = ["name", "cvr"]


@admin.register(RoleGrant)
class RoleGrantAdmin(admin.ModelAdmin):
    list_display = ["user", "organisation", "role", "granted_by_name", "granted_at"]
    list_filter = ["role"]
    list_select_related = ["user", "organisation"]


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["created_at", "actor_name", "action", "cvr", "target"]
    list_filter = ["action"]
    search_fields = ["cvr", "actor_name", "target"]
    readonly_fields = [f.name for f in AuditEvent._meta.fields]
