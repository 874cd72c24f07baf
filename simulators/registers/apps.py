from django.apps import AppConfig


class RegistersConfig(AppConfig):
    name = "simulators.registers"
    verbose_name = "Simulator: CPR- og CVR-registret"
    label = "sim_registers"
