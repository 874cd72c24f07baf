"""The simulated business MitID app, mounted at /saerskilt-mitid/app/ beside the journey that
activates it (the paths the guide's trainees know)."""

from django.urls import path

from simulators.mitid import business_app_views as views

app_name = "business_app"
urlpatterns = [
    path("<str:serial>/", views.app, name="app"),
    path("<str:serial>/aktiver/", views.app_activate, name="activate"),
    path("<str:serial>/godkend/", views.app_decide, name="decide"),
]
