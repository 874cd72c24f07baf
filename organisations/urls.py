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
    path("nemlog-in/tilslut/<int:pk>/kvittering/", views.connect_receipt, name="receipt"),
    # The wizard's last step (G2.7) and the appointed administrator's setup link (G3.1) are
    # activation's: they create and activate users.
    # The organisation's own pages.
    path("organisation/", views.organisation_overview, name="overview"),
    path("organisation/roller/<int:pk>/", views.role_grant_detail, name="role_grant"),
    # The organisation administrator's setup (G3.5–G3.12).
    path("organisation/opsaetning/", setup_views.setup_tasks, name="setup"),
    path("organisation/opsaetning/gennemfoert/", setup_views.setup_done, name="setup_done"),
    path("organisation/opsaetning/<slug:step>/", setup_views.setup_step, name="setup_step"),
    path("organisation/indstillinger/", setup_views.settings_view, name="settings"),
]

# The audit log of the organisation's administrators.
from organisations import auditlog_views  # noqa: E402

urlpatterns += [
    path("organisation/revisionslog/", auditlog_views.audit_log, name="audit_log"),
    path("organisation/revisionslog.csv", auditlog_views.audit_log_csv, name="audit_log_csv"),
]

# Roles (G8.1), rights to public services (G8.3) and business powers of attorney.
from organisations import powers_views, rights_views, roles_views  # noqa: E402

urlpatterns += [
    path("organisation/roller/", roles_views.roles, name="roles"),
    path("organisation/roller/tildel/", roles_views.role_add, name="role_add"),
    path("organisation/roller/fjern/", roles_views.role_remove, name="role_remove"),
    path("organisation/rettigheder/", rights_views.rights, name="rights"),
    path("organisation/rettigheder/bruger/<int:pk>/", rights_views.user_rights, name="user_rights"),
    path(
        "organisation/rettigheder/bruger/<int:pk>/tildel/",
        rights_views.user_right_add,
        name="user_right_add",
    ),
    path(
        "organisation/rettigheder/bruger/<int:pk>/fjern/",
        rights_views.user_right_remove,
        name="user_right_remove",
    ),
    path("organisation/rettigheder/grupper/", rights_views.groups, name="groups"),
    path("organisation/rettigheder/grupper/<int:pk>/", rights_views.group, name="group"),
    path(
        "organisation/rettigheder/grupper/<int:pk>/tjeneste/tildel/",
        rights_views.group_service_add,
        name="group_service_add",
    ),
    path(
        "organisation/rettigheder/grupper/<int:pk>/tjeneste/fjern/",
        rights_views.group_service_remove,
        name="group_service_remove",
    ),
    path(
        "organisation/rettigheder/grupper/<int:pk>/medlem/tilfoej/",
        rights_views.group_member_add,
        name="group_member_add",
    ),
    path(
        "organisation/rettigheder/grupper/<int:pk>/medlem/fjern/",
        rights_views.group_member_remove,
        name="group_member_remove",
    ),
    path(
        "organisation/rettigheder/grupper/<int:pk>/slet/",
        rights_views.group_delete,
        name="group_delete",
    ),
    path(
        "organisation/rettigheder/anmod/", rights_views.right_request_new, name="right_request_new"
    ),
    path(
        "organisation/rettigheder/anmodninger/", rights_views.right_requests, name="right_requests"
    ),
    path(
        "organisation/rettigheder/anmodninger/<int:pk>/",
        rights_views.right_request_decide,
        name="right_request_decide",
    ),
    path("organisation/fuldmagter/", powers_views.powers, name="powers"),
    path("organisation/fuldmagter/ny/", powers_views.power_new, name="power_new"),
    path(
        "organisation/fuldmagter/anmod/", powers_views.power_request_new, name="power_request_new"
    ),
    path("organisation/fuldmagter/<int:pk>/", powers_views.power, name="power"),
    path(
        "organisation/fuldmagter/<int:pk>/godkend/",
        powers_views.power_approve,
        name="power_approve",
    ),
    path("organisation/fuldmagter/<int:pk>/afvis/", powers_views.power_reject, name="power_reject"),
    path(
        "organisation/fuldmagter/<int:pk>/tilbagekald/",
        powers_views.power_revoke,
        name="power_revoke",
    ),
    path(
        "organisation/fuldmagter/<int:pk>/brugere/tilfoej/",
        powers_views.power_user_add,
        name="power_user_add",
    ),
    path(
        "organisation/fuldmagter/<int:pk>/brugere/fjern/",
        powers_views.power_user_remove,
        name="power_user_remove",
    ),
]

# Lists fit for thousands: every right held, directly or through a group, and its export.
urlpatterns += [
    path(
        "organisation/rettigheder/tildelte/",
        rights_views.rights_held_list,
        name="rights_held",
    ),
    path(
        "organisation/rettigheder/tildelte.csv",
        rights_views.rights_held_csv,
        name="rights_held_csv",
    ),
    path("organisation/fuldmagter.csv", powers_views.powers_csv, name="powers_csv"),
]
