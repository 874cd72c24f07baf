from django.apps import AppConfig

from mitid_portal.registry import api_path_register, demo_seeder_register

# The broker's paths that a service provider's server calls with its client credential or a
# bearer token, never with the visitor's exercise cookie (mitid_portal.sandbox_middleware).
CREDENTIAL_PATHS = (
    "/broker/token/",
    "/broker/userinfo/",
    "/broker/revoke_token/",
)
# Public documents the same in every exercise: discovery and the signing keys.
PUBLIC_PATHS = ("/broker/.well-known/",)


class BrokerConfig(AppConfig):
    name = "broker"
    verbose_name = "Login til offentlige tjenester (OpenID Connect)"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        for prefix in CREDENTIAL_PATHS:
            api_path_register(prefix=prefix, resolver="broker.credentials.sandbox_of_credential")
        for prefix in PUBLIC_PATHS:
            api_path_register(prefix=prefix, resolver="broker.credentials.no_credential")
        # seed_demo: the demo public services as registered service providers, after the
        # simulated world (order 10) has planned them and the portal (20) has seeded.
        demo_seeder_register(
            name="broker",
            order=30,
            seed="broker.demo.demo_seed",
            delete="broker.demo.demo_delete",
            report="broker.demo.demo_report",
        )
