from django.apps import AppConfig


class MitidPortalConfig(AppConfig):
    name = "mitid_portal"
    verbose_name = "MitID Erhverv portal"
