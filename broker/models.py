"""The login broker's OAuth 2.0 / OpenID Connect tables: django-oauth-toolkit's models, swapped for
sandboxed ones (``settings.OAUTH2_PROVIDER_*_MODEL``) so that a client, a code or a token belongs
to one exercise like every other row (``mitid_portal.sandbox``).

A ``Client`` is either a service provider that employees log in to (authorization code + PKCE,
OpenID Connect) or an organisation's local IdM calling the SCIM API (client credentials, bound to
that organisation).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _
from oauth2_provider.models import (
    AbstractAccessToken,
    AbstractApplication,
    AbstractDeviceGrant,
    AbstractGrant,
    AbstractIDToken,
    AbstractRefreshToken,
)

from mitid_portal.sandbox import SandboxedManager, SandboxedModel


class ClientManager(SandboxedManager):
    def get_by_natural_key(self, client_id: str) -> "Client":
        return self.get(client_id=client_id)  # type: ignore[return-value]


class Client(SandboxedModel, AbstractApplication):
    """An OAuth 2.0 client of the broker."""

    class Kind(models.TextChoices):
        SERVICE = "service", _("Tjenesteudbyder")
        IDM = "idm", _("Lokal IdM (SCIM)")

    kind = models.CharField(_("type"), max_length=10, choices=Kind.choices, default=Kind.SERVICE)
    # A service provider represents one public service: its users' rights to it are the
    # privileges it is told at login.
    public_service = models.ForeignKey(
        "organisations.PublicService",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("offentlig tjeneste"),
    )
    # A local IdM client acts for exactly one organisation.
    organisation = models.ForeignKey(
        "organisations.Organisation",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="api_clients",
        verbose_name=_("organisation"),
    )
    # The service may be told the person's CPR number (few are).
    cpr_entitled = models.BooleanField(_("må modtage CPR-nummer"), default=False)
    created_by_name = models.CharField(max_length=200, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ClientManager()  # type: ignore[misc]  # also sandboxed

    class Meta(AbstractApplication.Meta):
        verbose_name = _("klient")
        verbose_name_plural = _("klienter")

    def natural_key(self) -> tuple[str]:
        return (self.client_id,)


class Grant(SandboxedModel, AbstractGrant):
    # The means the employee logged in with (an activation ``BoundMeans.Kind`` value), carried
    # from the login to the ID token's level of assurance (broker.claims).
    means = models.CharField(max_length=20, blank=True, default="")

    class Meta(AbstractGrant.Meta):
        pass


class AccessToken(SandboxedModel, AbstractAccessToken):
    # The login's means, carried on from the grant for userinfo's level of assurance.
    means = models.CharField(max_length=20, blank=True, default="")

    class Meta(AbstractAccessToken.Meta):
        pass


class RefreshToken(SandboxedModel, AbstractRefreshToken):
    class Meta(AbstractRefreshToken.Meta):
        pass


class IDToken(SandboxedModel, AbstractIDToken):
    class Meta(AbstractIDToken.Meta):
        pass


class DeviceGrant(SandboxedModel, AbstractDeviceGrant):
    class Meta(AbstractDeviceGrant.Meta):
        pass
