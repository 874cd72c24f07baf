from django.urls import path

from activation.separate import login_views, wizard_views

app_name = "separate"
urlpatterns = [
    # Aktivering med særskilt MitID (G7.1–G7.10).
    path("", wizard_views.start, name="start"),
    path("fysisk-identifikationsmiddel/", wizard_views.physical, name="physical"),
    path("bruger-id/", wizard_views.bruger_id, name="bruger_id"),
    path("mobilnummer/", wizard_views.phone, name="phone"),
    path("overblik/", wizard_views.overview, name="overview"),
    path("verifikationskode/", wizard_views.verify, name="verify"),
    path("verifikationskode/ny/", wizard_views.resend, name="resend"),
    path("start-aktivering/", wizard_views.activation_start, name="activation_start"),
    path("aktiver/", wizard_views.activate, name="activate"),
    path("kvittering/", wizard_views.receipt, name="receipt"),
    # The simulated business MitID app on the phone is the simulators' (business_app:app),
    # mounted at app/<serial>/ below this prefix by mitid_portal/urls.py.
    # Log på MitID Erhverv with bruger-ID and the separate MitID.
    path("log-paa/", login_views.login_start, name="login"),
    path("log-paa/godkend/", login_views.login_verify, name="login_verify"),
    path("log-paa/status/", login_views.login_status, name="login_status"),
    path("log-paa/vaelg-organisation/", login_views.login_choose, name="login_choose"),
]
