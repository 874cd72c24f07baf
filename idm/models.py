"""What the IdM API (SCIM 2.0) keeps beside the portal's own rows: the integrator's
``externalId`` and the time a user or group last changed (``meta.lastModified``, which a local
IdM filters on to sync only what changed). One row per user or group, made on first need."""

from django.conf import settings
from django.db import models
from django.db.models.signals import m2m_changed, post_save
from django.dispatch import receiver
from django.utils import timezone

from mitid_portal.sandbox import SandboxedModel
from organisations.models import UserGroup


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


# Any change of a user or a group, through the API or the portal's pages, moves its
# meta.lastModified (a queryset UPDATE bypasses this; the ETag still changes, as it is computed
# from the resource).
@receiver(post_save, sender=settings.AUTH_USER_MODEL)
def _user_saved(sender, instance, created: bool, **kwargs) -> None:
    if instance.organisation_id is None:
        return
    ScimUser.objects.update_or_create(
        user_id=instance.pk,
        defaults={"last_modified": timezone.now()},
        create_defaults={"last_modified": timezone.now(), "sandbox_id": instance.sandbox_id},
    )


@receiver(m2m_changed, sender=UserGroup.members.through)
def _members_changed(sender, instance, action: str, **kwargs) -> None:
    if not action.startswith("post_") or not isinstance(instance, UserGroup):
        return
    ScimGroup.objects.update_or_create(
        group_id=instance.pk,
        defaults={"last_modified": timezone.now()},
        create_defaults={"last_modified": timezone.now(), "sandbox_id": instance.sandbox_id},
    )
