from django.apps import AppConfig


class ActivationConfig(AppConfig):
    name = "activation"
