from django.urls import path

from simulators import views

app_name = "simulators"
urlpatterns = [path("", views.index, name="index")]
