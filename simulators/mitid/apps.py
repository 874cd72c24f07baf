from django.apps import AppConfig


class MitidConfig(AppConfig):
    name = "simulators.mitid"
    label = "sim_mitid"
