from django.urls import path

from mitid_portal import views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("hjaelp/", views.help_page, name="help"),
]
