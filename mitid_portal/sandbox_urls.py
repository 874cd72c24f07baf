from django.urls import path

from mitid_portal import sandbox_views

app_name = "sandbox"
urlpatterns = [
    path("", sandbox_views.start, name="start"),
]
