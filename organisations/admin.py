"""The operator's admin of organisations and role grants (connection requests, whose approval
connects the organisation and appoints its administrators, are ``activation.admin``)."""

from django.contrib import admin

from organisations.models import Organisation, RoleGrant


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "cvr", "state", "connected_at"]
    search_fields = ["name", "cvr"]


@admin.register(RoleGrant)
class RoleGrantAdmin(admin.ModelAdmin):
    list_display = ["user", "organisation", "role", "granted_by_name", "granted_at"]
    list_filter = ["role"]
    list_select_related = ["user", "organisation"]
