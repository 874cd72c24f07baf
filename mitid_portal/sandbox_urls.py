from django.urls import path

from mitid_portal import sandbox_views

app_name = "sandbox"
urlpatterns = [
    path("", sandbox_views.start, name="start"),
    path("invitation/", sandbox_views.invite_new, name="invite_new"),
    path("nulstil/", sandbox_views.reset, name="reset"),
    path("forlad/", sandbox_views.leave, name="leave"),
    path("deltag/", sandbox_views.join_confirm, name="join_confirm"),
    path("deltag/<str:token>/", sandbox_views.join, name="join"),
]
