from django.urls import path

from activation.employee import views

app_name = "employee"
urlpatterns = [
    # Activation with private MitID (G6.1–G6.7).
    path("link/<str:token>/", views.link, name="link"),
    path("link-kan-ikke-bruges/", views.link_problem, name="link_problem"),
    path("", views.start, name="start"),
    path("log-ind/", views.login, name="login"),
    path("log-ind/retur/", views.callback, name="callback"),
    path("privat-mitid/", views.choose, name="choose"),
    path("aktiveringskode/", views.code, name="code"),
    path("kvittering/", views.receipt, name="receipt"),
    # Min profil.
    path("min-profil/", views.profile, name="profile"),
    path(
        "min-profil/identifikationsmidler/<int:pk>/fjern/", views.means_remove, name="means_remove"
    ),
]
