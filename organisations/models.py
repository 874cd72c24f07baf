"""Organisations connected to MitID Erhverv and the administrator roles within them."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Organisation(models.Model):
    """An organisation (one CVR) that has an agreement with MitID Erhverv."""

    class State(models.TextChoices):
        CONNECTED = "connected", _("Tilsluttet – opsætning mangler")
        ACTIVE = "active", _("Opsat")

    cvr = models.CharField(_("CVR-nummer"), max_length=8, unique=True)
    name = models.CharField(_("navn"), max_length=200)
    is_public = models.BooleanField(_("offentlig myndighed"), default=False)
    state = models.CharField(max_length=20, choices=State.choices, default=State.CONNECTED)
    connected_at = models.DateTimeField(_("tilsluttet"), auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisationer")

    def __str__(self) -> str:
        return f"{self.name} (CVR {self.cvr})"


class RoleGrant(models.Model):
    """A role held by a user in their organisation: who granted it and when."""

    class Role(models.TextChoices):
        ORGANISATION_ADMIN = "org_admin", _("Organisationsadministrator")
        USER_ADMIN = "user_admin", _("Brugeradministrator")
        RIGHTS_ADMIN = "rights_admin", _("Rettighedsadministrator")

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="roles")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="role_grants"
    )
    role = models.CharField(_("rolle"), max_length=20, choices=Role.choices)
    granted_by_name = models.CharField(_("tildelt af"), max_length=200, blank=True)
    granted_at = models.DateTimeField(_("tildelt"), auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organisation", "user", "role"], name="role_once")
        ]
        verbose_name = _("rolle")
        verbose_name_plural = _("roller")

    def __str__(self) -> str:
        return f"{self.get_role_display()}: {self.user}"


class AuditEvent(models.Model):
    """One administrative act: who did what to whom, when, from where, and what changed.

    ``changes`` holds before/after values with CPR numbers masked; an act before the organisation
    exists (NemID clean-up, a refused connection) is recorded against the CVR alone.
    """

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="audit_events", null=True, blank=True
    )
    cvr = models.CharField(_("CVR-nummer"), max_length=8, blank=True, db_index=True)
    actor_name = models.CharField(_("udført af"), max_length=200)
    actor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    action = models.CharField(_("handling"), max_length=60, db_index=True)
    target = models.CharField(_("vedrører"), max_length=300, blank=True)
    changes = models.JSONField(_("ændringer"), default=dict, blank=True)
    ip_address = models.GenericIPAddressField(_("IP-adresse"), null=True, blank=True)
    created_at = models.DateTimeField(_("tidspunkt"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["organisation", "-created_at"])]
        verbose_name = _("revisionshændelse")
        verbose_name_plural = _("revisionslog")

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_name}: {self.action}"
