"""What the IdM API (SCIM 2.0) keeps beside the portal's own rows: the integrator's
``externalId`` and the time a user or group last changed (``meta.lastModified``, which a local
IdM filters on to sync only what changed). One row per user or group, made on first need."""

from django.conf import settings
from django.db import models

from mitid_portal.sandbox import SandboxedModel


class ScimUser(SandboxedModel):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="scim"
    )
    # The userName the local IdM gave (the bruger-ID is the user's own choice at activation).
    user_name = models.CharField(max_length=200, blank=True)
    external_id = models.CharField(max_length=200, blank=True)
    last_modified = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["sandbox", "user_name"])]

    def __str__(self) -> str:
        return f"SCIM {self.user_id}"


class ScimGroup(SandboxedModel):
    group = models.OneToOneField(
        "organisations.UserGroup", on_delete=models.CASCADE, related_name="scim"
    )
    external_id = models.CharField(max_length=200, blank=True)
    last_modified = models.DateTimeField()

    def __str__(self) -> str:
        return f"SCIM {self.group_id}"
