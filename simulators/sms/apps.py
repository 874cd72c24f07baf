from django.apps import AppConfig


class SmsConfig(AppConfig):
    name = "simulators.sms"
    label = "sim_sms"
