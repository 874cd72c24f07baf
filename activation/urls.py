from django.urls import path

from activation import views

app_name = "activation"
urlpatterns = [
    # Bulk activation (G4.2–G4.7).
    path("brugere/", views.bulk_start, name="bulk_start"),
    path("brugere/identifikationsmidler/", views.bulk_means, name="bulk_means"),
    path("brugere/bekraeft/", views.bulk_confirm, name="bulk_confirm"),
    path("brugere/kvittering/", views.bulk_receipt, name="bulk_receipt"),
    path("brugere/afslut/", views.bulk_finish, name="bulk_finish"),
    # Single activation (G5.2–G5.7).
    path("bruger/<int:user_pk>/", views.single_start, name="single_start"),
    # Afventer aktivering.
    path("afventer/", views.pending, name="pending"),
    path("afventer/<int:pk>/", views.invitation_detail, name="invitation"),
    path("afventer/<int:pk>/vis/", views.code_reveal, name="code_reveal"),
    path("afventer/<int:pk>/ny-kode/", views.code_new, name="code_new"),
    path("afventer/<int:pk>/nyt-link/", views.resend, name="resend"),
    path("afventer/<int:pk>/annuller/", views.cancel, name="cancel"),
]
