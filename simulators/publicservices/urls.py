from django.urls import path

from simulators.publicservices import views

app_name = "publicservices"
urlpatterns = [
    path("", views.index, name="index"),
    path("<slug:code>/", views.front, name="front"),
    path("<slug:code>/log-paa/", views.login_start, name="login"),
    path("<slug:code>/retur/", views.callback, name="callback"),
    path("<slug:code>/min-side/", views.me, name="me"),
    path("<slug:code>/log-af/", views.logout, name="logout"),
    path("<slug:code>/logget-af/", views.logged_out, name="logged_out"),
]
