from django.urls import path, re_path

from simulators.sms import views

app_name = "sms"
urlpatterns = [
    path("", views.index, name="index"),
    re_path(r"^(?P<number>\+45[2-9][0-9]{7})/$", views.phone, name="phone"),
]
