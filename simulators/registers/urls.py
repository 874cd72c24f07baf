from django.urls import path, re_path

from simulators.registers import views

app_name = "registers"
urlpatterns = [
    path("cpr/", views.cpr_list, name="cpr_list"),
    path("cpr/<int:pk>/", views.cpr_detail, name="cpr_detail"),
    path("cvr/", views.cvr_list, name="cvr_list"),
    re_path(r"^cvr/(?P<cvr>[0-9]{8})/$", views.cvr_detail, name="cvr_detail"),
]
