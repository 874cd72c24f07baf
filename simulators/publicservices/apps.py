from django.apps import AppConfig


class PublicServicesConfig(AppConfig):
    """Demo public services of the simulated world ("FMK – øvelse", "Tinglysning – øvelse"):
    OpenID Connect relying parties that employees log in to through the portal's login broker.
    Seeded by the simulated world's seeder (``simulators.demo``)."""

    name = "simulators.publicservices"
    label = "sim_publicservices"
    verbose_name = "Simulator: offentlige tjenester (øvelse)"
