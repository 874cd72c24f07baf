from django.urls import path

from simulators.mitid import views

app_name = "mitid"
urlpatterns = [
    path("log-ind/", views.login, name="login"),
    path("log-ind/<uuid:request_id>/", views.login_wait, name="login_wait"),
    path("log-ind/<uuid:request_id>/status/", views.login_status, name="login_status"),
    path("log-ind/<uuid:request_id>/fortsaet/", views.login_finish, name="login_finish"),
    path("", views.accounts, name="accounts"),
    path("app/<str:username>/", views.app, name="app"),
    path("app/<str:username>/<uuid:request_id>/", views.app_decide, name="app_decide"),
    path("enhed/<str:serial>/", views.device, name="device"),
    path("enhed/<str:serial>/tryk/", views.device_press, name="device_press"),
]
