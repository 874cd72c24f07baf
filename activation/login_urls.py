from django.urls import path

from activation import login_views

app_name = "login"
urlpatterns = [
    path("log-paa/", login_views.login_start, name="start"),
    path("log-paa/retur/", login_views.login_callback, name="callback"),
    path(
        "log-paa/vaelg-organisation/", login_views.choose_organisation, name="choose_organisation"
    ),
    path("log-af/", login_views.logout_view, name="logout"),
]
