from django.conf import settings
from django.contrib import admin
from django.urls import include, path, register_converter

from mitid_portal.converters import IdConverter
from mitid_portal.operator_login import OperatorAuthenticationForm

register_converter(IdConverter, "id")

urlpatterns = [
    path("", include("mitid_portal.portal_urls")),
    path("oevelse/", include("mitid_portal.sandbox_urls")),
    path("", include("activation.login_urls")),
    path("", include("organisations.urls")),
    path("", include("activation.urls")),
    path("aktiver/", include("activation.employee.urls")),
    path("brugere/", include("users.urls")),
    # The simulated business MitID app on the phone, at the path the guide's trainees know.
    path("saerskilt-mitid/app/", include("simulators.mitid.business_app_urls")),
    path("saerskilt-mitid/", include("activation.separate.urls")),
    path("broker/", include("broker.urls")),
    path("scim/v2/", include("idm.api_urls")),
    path("", include("idm.urls")),
    # The language switch: Django's set_language, which also saves a logged-in user's choice.
    path("i18n/", include("users.language_urls")),
    path(settings.OPERATOR_PATH, admin.site.urls),
    path("simulator/", include("simulators.urls")),
    path("simulator/registre/", include("simulators.registers.urls")),
    path("simulator/mitid/", include("simulators.mitid.urls")),
    path("simulator/postkasse/", include("simulators.mailbox.urls")),
    path("simulator/sms/", include("simulators.sms.urls")),
    path("simulator/nemid/", include("simulators.nemid.urls")),
]

admin.site.site_header = "MitID Erhverv – portaloperatør"
admin.site.site_title = "MitID Erhverv"
# The operators' password login is throttled like every other secret.
admin.site.login_form = OperatorAuthenticationForm
