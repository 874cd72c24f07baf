from django.urls import path

from simulators.mailbox import views

app_name = "mailbox"
urlpatterns = [
    path("", views.index, name="index"),
    path("toem/", views.clear, name="clear"),
    path("<str:address>/", views.inbox, name="inbox"),
    path("<str:address>/<id:pk>/", views.message, name="message"),
    path("<str:address>/<id:pk>/html/", views.message_html, name="message_html"),
    path("<str:address>/<id:pk>/laest/", views.mark_read, name="mark_read"),
]
