from django.urls import path

from mitid_portal import views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("hjaelp/", views.help_page, name="help"),
    path("log-paa/", views.login_start, name="login"),
    path("log-paa/retur/", views.login_callback, name="login_callback"),
    path("log-paa/vaelg-organisation/", views.choose_organisation, name="choose_organisation"),
    path("log-af/", views.logout_view, name="logout"),
]
