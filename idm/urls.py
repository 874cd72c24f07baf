from django.urls import path

from idm import views

app_name = "idm"
urlpatterns = [
    path("organisation/idm-klienter/", views.clients, name="clients"),
    path(
        "organisation/idm-klienter/<id:pk>/ny-hemmelighed/", views.client_renew, name="client_renew"
    ),
    path("organisation/idm-klienter/<id:pk>/spaer/", views.client_revoke, name="client_revoke"),
]
