"""The simulated private MitID: accounts, identification devices and login requests."""

import uuid

from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mitid_portal.fields import EncryptedTextField
from mitid_portal.sandbox import SandboxedModel
from simulators.registers.models import Person


class MitIDAccount(SandboxedModel):
    """A person's private MitID, identified by a user name (bruger-ID)."""

    person = models.OneToOneField(Person, on_delete=models.CASCADE, related_name="mitid")
    username = models.CharField(_("bruger-ID"), max_length=48)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint("sandbox", Lower("username"), name="mitid_username_unique_ci"),
        ]
        verbose_name = _("privat MitID")
        verbose_name_plural = _("private MitID")

    def __str__(self) -> str:
        return self.username


class Device(SandboxedModel):
    """An identification device the person holds "in the hand": app, kodeviser, kodeoplæser, chip.

    Kodeviser and kodeoplæser show RFC 6238 codes from ``totp_secret``; the app approves requests;
    the chip is "pressed". A device may belong to a private MitID (``account``) or be handed out by an
    organisation for a separate business MitID (then ``account`` is empty until bound).
    """

    class Kind(models.TextChoices):
        APP = "app", _("MitID app")
        KODEVISER = "kodeviser", _("MitID kodeviser")
        KODEOPLAESER = "kodeoplaeser", _("MitID kodeoplæser")
        CHIP = "chip", _("MitID chip")

    account = models.ForeignKey(
        MitIDAccount, on_delete=models.CASCADE, related_name="devices", null=True, blank=True
    )
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices)
    serial = models.CharField(_("serienummer"), max_length=32)
    label = models.CharField(_("navn"), max_length=100, blank=True)
    totp_secret = EncryptedTextField(blank=True, default="")
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_pressed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["kind", "serial"]
        constraints = [
            models.UniqueConstraint(fields=["sandbox", "serial"], name="device_serial_unique")
        ]
        verbose_name = _("identifikationsmiddel")
        verbose_name_plural = _("identifikationsmidler")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.serial}"


class LoginRequest(SandboxedModel):
    """One login at the broker: user name → approval in the app (or a device code) → a one-time
    result code that the client (the portal) exchanges for the person's identity."""

    class Method(models.TextChoices):
        APP = "app", _("MitID app")
        CODE = "code", _("Kodeviser eller kodeoplæser")

    class Status(models.TextChoices):
        PENDING = "pending", _("Afventer godkendelse")
        APPROVED = "approved", _("Godkendt")
        REJECTED = "rejected", _("Afvist")
        EXPIRED = "expired", _("Udløbet")
        CONSUMED = "consumed", _("Brugt")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    account = models.ForeignKey(
        MitIDAccount, on_delete=models.CASCADE, related_name="login_requests", null=True, blank=True
    )
    client = models.CharField(_("tjeneste"), max_length=100)
    return_url = models.CharField(max_length=500)
    state = models.CharField(max_length=100, blank=True)
    method = models.CharField(max_length=10, choices=Method.choices, default=Method.APP)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    result_code_hash = models.CharField(max_length=64, blank=True, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    decided_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["account", "status"])]

    def __str__(self) -> str:
        return f"{self.client}: {self.get_status_display()}"

    @property
    def is_expired(self) -> bool:
        return timezone.now() >= self.expires_at
