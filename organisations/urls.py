from django.urls import path

from organisations import setup_views, views

app_name = "organisations"
urlpatterns = [
    # The simulated NemLog-in: connecting the organisation (G2).
    path("nemlog-in/tilslut/", views.connect_start, name="connect_start"),
    path("nemlog-in/tilslut/vaelg-organisation/", views.connect_choose, name="choose"),
    path("nemlog-in/tilslut/<int:pk>/vilkaar/", views.connect_terms, name="terms"),
    path("nemlog-in/tilslut/<int:pk>/administrator/", views.connect_admin, name="admin"),
    path("nemlog-in/tilslut/<int:pk>/dokumentation/", views.connect_documents, name="documents"),
    path("nemlog-in/tilslut/<int:pk>/bekraeft/", views.connect_confirm, name="confirm"),
    path("nemlog-in/tilslut/<int:pk>/kvittering/", views.connect_receipt, name="receipt"),
    path("nemlog-in/dokument/<int:pk>/", views.document_download, name="document_download"),
    # The appointed administrator's setup link (G3.1).
    path("opsaetning/<str:token>/", views.setup_link, name="setup_link"),
    path("opsaetning/", views.setup_continue, name="setup_continue"),
    # The organisation's own pages.
    path("organisation/", views.organisation_overview, name="overview"),
    path("organisation/roller/<int:pk>/", views.role_grant_detail, name="role_grant"),
    # The organisation administrator's setup (G3.5–G3.12).
    path("organisation/opsaetning/", setup_views.setup_tasks, name="setup"),
    path("organisation/opsaetning/gennemfoert/", setup_views.setup_done, name="setup_done"),
    path("organisation/opsaetning/<slug:step>/", setup_views.setup_step, name="setup_step"),
    path("organisation/indstillinger/", setup_views.settings_view, name="settings"),
]

# The audit log and the migration overview of the organisation's administrators.
from organisations import auditlog_views, overview_chart  # noqa: E402

urlpatterns += [
    path("organisation/revisionslog/", auditlog_views.audit_log, name="audit_log"),
    path("organisation/revisionslog.csv", auditlog_views.audit_log_csv, name="audit_log_csv"),
    path("organisation/overblik/", overview_chart.migration_overview, name="migration_overview"),
]
