from django.contrib import admin

from users.models import User


@admin.register(User)
class UserAdmin(admin.ModelAdmin):
    list_display = ["username", "full_name", "organisation", "state", "is_staff"]
    list_filter = ["state", "is_staff"]
    search_fields = ["first_name", "last_name", "email", "rid"]
    list_select_related = ["organisation"]
    exclude = ["password", "cpr"]
    readonly_fields = ["masked_cpr", "cpr_hash", "last_login", "date_joined"]
