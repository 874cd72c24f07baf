from django.urls import path

from activation.separate import views

app_name = "separate"
urlpatterns = [
    # Aktivering med særskilt MitID (G7.1–G7.10).
    path("", views.start, name="start"),
    path("fysisk-identifikationsmiddel/", views.physical, name="physical"),
    path("bruger-id/", views.bruger_id, name="bruger_id"),
    path("mobilnummer/", views.phone, name="phone"),
    path("overblik/", views.overview, name="overview"),
    path("verifikationskode/", views.verify, name="verify"),
    path("verifikationskode/ny/", views.resend, name="resend"),
    path("start-aktivering/", views.activation_start, name="activation_start"),
    path("aktiver/", views.activate, name="activate"),
    path("kvittering/", views.receipt, name="receipt"),
    # The simulated business MitID app on the person's phone.
    path("app/<str:serial>/", views.app, name="app"),
    path("app/<str:serial>/aktiver/", views.app_activate, name="app_activate"),
    path("app/<str:serial>/godkend/", views.app_decide, name="app_decide"),
    # Log på MitID Erhverv with bruger-ID and the separate MitID.
    path("log-paa/", views.login_start, name="login"),
    path("log-paa/godkend/", views.login_verify, name="login_verify"),
    path("log-paa/status/", views.login_status, name="login_status"),
    path("log-paa/vaelg-organisation/", views.login_choose, name="login_choose"),
]
