from django.urls import path

from activation import pending_views, views

app_name = "activation"
# Included at the site's root: the activation pages live under aktivering/, the pages this layer
# took over from organisations keep the paths they always had.
urlpatterns = [
    # Bulk activation (G4.2–G4.7).
    path("aktivering/brugere/", views.bulk_start, name="bulk_start"),
    path("aktivering/brugere/identifikationsmidler/", views.bulk_means, name="bulk_means"),
    path("aktivering/brugere/bekraeft/", views.bulk_confirm, name="bulk_confirm"),
    path("aktivering/brugere/kvittering/", views.bulk_receipt, name="bulk_receipt"),
    path("aktivering/brugere/afslut/", views.bulk_finish, name="bulk_finish"),
    # Single activation (G5.2–G5.7).
    path("aktivering/bruger/<int:user_pk>/", views.single_start, name="single_start"),
    # Afventer aktivering.
    path("aktivering/afventer/", pending_views.pending, name="pending"),
    path("aktivering/afventer/eksport.csv", pending_views.pending_export, name="pending_export"),
    path("aktivering/afventer/<int:pk>/", views.invitation_detail, name="invitation"),
    path("aktivering/afventer/<int:pk>/vis/", views.code_reveal, name="code_reveal"),
    path("aktivering/afventer/<int:pk>/ny-kode/", views.code_new, name="code_new"),
    path("aktivering/afventer/<int:pk>/nyt-link/", views.resend, name="resend"),
    path("aktivering/afventer/<int:pk>/annuller/", views.cancel, name="cancel"),
    # *Overblik*: the migration overview (users and invitations counted).
    path("organisation/overblik/", views.migration_overview, name="migration_overview"),
]

# Connecting the organisation: the wizard's last step, which appoints the administrators as new
# users (G2.7), and the appointed administrator's setup link (G3.1–G3.4).
from activation import connection_views  # noqa: E402

urlpatterns += [
    path(
        "nemlog-in/tilslut/<int:pk>/bekraeft/",
        connection_views.connect_confirm,
        name="connect_confirm",
    ),
    path("opsaetning/<str:token>/", connection_views.setup_link, name="setup_link"),
    path("opsaetning/", connection_views.setup_continue, name="setup_continue"),
]

# The acts on *Brugerinformation* that reach into activation, at the user's paths.
from activation import lifecycle_views  # noqa: E402

urlpatterns += [
    path("brugere/<int:pk>/luk/", lifecycle_views.user_close, name="user_close"),
    path(
        "brugere/<int:pk>/nyt-link/",
        lifecycle_views.user_activation_resend,
        name="user_resend_activation",
    ),
    path(
        "brugere/<int:pk>/ny-kode/", lifecycle_views.user_activation_code_new, name="user_new_code"
    ),
]

# *Opret bruger* and *Masseopret* (DESIGN.md "Administration"): create users and invite them.
from activation import create_views  # noqa: E402

urlpatterns += [
    path("brugere/opret/", create_views.user_create, name="user_create"),
    path("brugere/masseopret/", create_views.bulk_create, name="bulk_create"),
    path(
        "brugere/masseopret/skabelon.csv",
        create_views.bulk_create_template,
        name="bulk_create_template",
    ),
    path("brugere/masseopret/opret/", create_views.bulk_create_confirm, name="bulk_create_confirm"),
    path("brugere/masseopret/kvittering/", create_views.bulk_create_done, name="bulk_create_done"),
]

# Issue 14: the birth-date users' codes in bulk (a sheet or a CSV, shown once) and the delivery
# state of the activation emails.
from activation import codes_views, delivery_views  # noqa: E402

urlpatterns += [
    path("aktivering/koder/", codes_views.codes, name="codes"),
    path("aktivering/levering/", delivery_views.delivery, name="delivery"),
    path("aktivering/levering/eksport.csv", delivery_views.delivery_csv, name="delivery_csv"),
]

# Bulk actions on a selection of users, run as jobs with progress and a receipt (issue 14).
from activation import bulkjob_views  # noqa: E402

urlpatterns += [
    path("aktivering/handling/", bulkjob_views.bulk_action, name="bulk_action"),
    path("aktivering/handling/<int:pk>/", bulkjob_views.bulk_job, name="bulk_job"),
    path(
        "aktivering/handling/<int:pk>/bekraeft/",
        bulkjob_views.bulk_job_confirm,
        name="bulk_job_confirm",
    ),
    path(
        "aktivering/handling/<int:pk>/genoptag/",
        bulkjob_views.bulk_job_retry,
        name="bulk_job_retry",
    ),
    path(
        "aktivering/handling/<int:pk>/kvittering.csv",
        bulkjob_views.bulk_job_csv,
        name="bulk_job_csv",
    ),
]
