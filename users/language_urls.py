"""The language switch at /i18n/setlang/ (Django's URL and name), saving a user's choice."""

from django.urls import path

from users.language_views import language_set

urlpatterns = [path("setlang/", language_set, name="set_language")]
