from django.urls import path

from users import views

app_name = "users"
urlpatterns = [
    path("import/", views.import_start, name="import"),
    path("import/<int:pk>/", views.import_run, name="import_run"),
    path("import/<int:pk>/rapport.csv", views.import_report_csv, name="import_report_csv"),
    path("importerede/", views.imported_list, name="imported"),
    path("", views.user_list, name="list"),
    path("<int:pk>/", views.user_detail, name="detail"),
]
