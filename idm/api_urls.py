"""SCIM 2.0 at /scim/v2/ (RFC 7644 §3.2): no trailing slashes, as integrators' clients call them."""

from django.urls import path, re_path

from idm import api_views

app_name = "scim"
urlpatterns = [
    path("ServiceProviderConfig", api_views.service_provider_config, name="config"),
    path("ResourceTypes", api_views.resource_types, name="resource_types"),
    path("ResourceTypes/<str:name>", api_views.resource_type, name="resource_type"),
    path("Schemas", api_views.schemas, name="schemas"),
    path("Schemas/<str:schema_id>", api_views.schema, name="schema"),
    path("Users", api_views.users, name="users"),
    path("Users/.search", api_views.users_search, name="users_search"),
    path("Users/<id:pk>", api_views.user, name="user"),
    path("Groups", api_views.groups, name="groups"),
    path("Groups/.search", api_views.groups_search, name="groups_search"),
    path("Groups/<id:pk>", api_views.group, name="group"),
    path(".search", api_views.root_search, name="root_search"),
    # Anything else under /scim/v2/ answers a SCIM 404, not the portal's HTML page.
    re_path(r"^(?P<rest>.*)$", api_views.not_found, name="not_found"),
]
