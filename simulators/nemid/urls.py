from django.urls import path, re_path

from simulators.nemid import views

app_name = "nemid"

_CVR = r"(?P<cvr>[0-9]{8})"
_EMPLOYEE = _CVR + r"/medarbejder/(?P<pk>[0-9]+)"

urlpatterns = [
    path("", views.index, name="index"),
    re_path(rf"^{_CVR}/$", views.employees, name="employees"),
    re_path(rf"^{_EMPLOYEE}/$", views.employee, name="employee"),
    re_path(rf"^{_EMPLOYEE}/slet/$", views.employee_revoke, name="employee_revoke"),
    re_path(rf"^{_EMPLOYEE}/e-mail/$", views.employee_email, name="employee_email"),
    re_path(rf"^{_EMPLOYEE}/cpr/$", views.employee_cpr, name="employee_cpr"),
    re_path(rf"^{_EMPLOYEE}/navn/$", views.employee_name, name="employee_name"),
    re_path(
        rf"^{_EMPLOYEE}/navn/fra-cpr-registret/$",
        views.employee_name_from_register,
        name="employee_name_from_register",
    ),
]
