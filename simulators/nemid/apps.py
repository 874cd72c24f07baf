from django.apps import AppConfig


class NemidConfig(AppConfig):
    name = "simulators.nemid"
    label = "sim_nemid"
