from django.apps import AppConfig

from mitid_portal.registry import demo_seeder_register


class RegistersConfig(AppConfig):
    name = "simulators.registers"
    verbose_name = "Simulator: CPR- og CVR-registret"
    label = "sim_registers"

    def ready(self) -> None:
        # seed_demo: the simulated outside world first (simulators/demo.py spans the simulators).
        demo_seeder_register(
            name="simulated_world",
            order=10,
            plan="simulators.demo.demo_plan",
            seed="simulators.demo.demo_seed",
            delete="simulators.demo.demo_delete",
            report="simulators.demo.demo_report",
        )
