from django.urls import include, path

from simulators import views

app_name = "simulators"
urlpatterns = [
    path("", views.index, name="index"),
    # The demo public services (OpenID Connect relying parties of the login broker).
    path("tjenester/", include("simulators.publicservices.urls")),
]
