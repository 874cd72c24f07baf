"""The demo public services' own table: each service's name, the right it asks for, and its
client credential at the login broker (the secret encrypted; the broker keeps only a hash)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from mitid_portal.sandbox import SandboxedModel


class DemoService(SandboxedModel):
    """A public service of the simulated world that is an OpenID Connect relying party."""

    code = models.SlugField(_("kode"), max_length=40)  # the public service's code: its right
    name = models.CharField(_("navn"), max_length=200)
    right_name = models.CharField(_("rettighed"), max_length=200)
    # Unique across exercises: the broker names the exercise of a token call by it.
    client_id = models.CharField(_("klient-id"), max_length=100, unique=True)
    client_secret_encrypted = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["sandbox", "code"], name="demo_service_code_once")
        ]
        verbose_name = _("demo-tjeneste")
        verbose_name_plural = _("demo-tjenester")

    def __str__(self) -> str:
        return self.name
