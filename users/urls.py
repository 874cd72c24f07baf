from django.urls import path

from users import views

app_name = "users"
urlpatterns = [
    path("import/", views.import_start, name="import"),
    path("import/<int:pk>/", views.import_run, name="import_run"),
    path("import/<int:pk>/rapport.csv", views.import_report_csv, name="import_report_csv"),
    path("importerede/", views.imported_list, name="imported"),
    path("importerede/eksport.csv", views.imported_export, name="imported_export"),
    path("", views.user_list, name="list"),
    path("eksport.csv", views.user_list_export, name="list_export"),
    path("<int:pk>/", views.user_detail, name="detail"),
]

# The user lifecycle on *Brugerinformation*, and the user's confirmation of a new email (*Luk
# bruger*, *Send nyt aktiveringslink* and *Ny kode* are activation's: activation/urls.py).
from users import lifecycle_views  # noqa: E402

urlpatterns += [
    path("<int:pk>/rediger/", lifecycle_views.user_edit, name="edit"),
    path("<int:pk>/suspender/", lifecycle_views.user_suspend, name="suspend"),
    path("<int:pk>/genaktiver/", lifecycle_views.user_reactivate, name="reactivate"),
    path("e-mail/bekraeft/", lifecycle_views.email_confirm, name="email_confirm"),
    path("e-mail/<str:token>/", lifecycle_views.email_confirm_link, name="email_confirm_link"),
]
