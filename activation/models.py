"""Invitations to activate (link + optional 8-digit code), SMS verifications, bound means and
login events (DESIGN.md "Rules": secrets only as keyed hashes, single use, expiring, limited tries).
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mitid_portal.sandbox import SandboxedModel


class Invitation(SandboxedModel):
    """The activation of one user: the emailed link (token) and, where needed, the temporary
    activation code. At most one live invitation per user, enforced by the database."""

    class State(models.TextChoices):
        LIVE = "live", _("Afventer aktivering")
        USED = "used", _("Brugt")
        REPLACED = "replaced", _("Erstattet af et nyt link")
        CANCELLED = "cancelled", _("Annulleret")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="invitations"
    )
    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.CASCADE, related_name="invitations"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    code_hash = models.CharField(max_length=64, blank=True)
    # The code is shown once with *Vis* (G5.7), then only its hash remains.
    code_revealed_at = models.DateTimeField(null=True, blank=True)
    # Wrong tries in all (kept across a new link and a new code, for the audit and so that
    # resending never resets the count) and the count when the current code was issued: the
    # current code is locked after CODE_MAX_TRIES wrong tries of its own (DESIGN.md "Rules").
    code_failures = models.PositiveSmallIntegerField(default=0)
    code_failures_base = models.PositiveSmallIntegerField(default=0)
    means = models.JSONField(default=list, blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.LIVE)
    created_by_name = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    reminded_at = models.DateTimeField(null=True, blank=True)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user"], condition=models.Q(state="live"), name="one_live_invitation"
            )
        ]
        indexes = [models.Index(fields=["organisation", "state", "expires_at"])]

    def __str__(self) -> str:
        return f"{self.user}: {self.get_state_display()}"

    @property
    def is_expired(self) -> bool:
        return timezone.now() >= self.expires_at

    @property
    def code_failures_current(self) -> int:
        """Wrong tries against the code the user has now."""
        return self.code_failures - self.code_failures_base


class SmsVerification(SandboxedModel):
    """A 6-digit code sent by SMS during activation with a separate MitID (10 minutes, 3 tries)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sms_verifications"
    )
    number = models.CharField(max_length=16)
    code_hash = models.CharField(max_length=64)
    failures = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["number", "created_at"])]

    def __str__(self) -> str:
        return f"{self.user}: {self.created_at:%H:%M}"


class BoundMeans(SandboxedModel):
    """An identification means bound to a user: private MitID, or a device of the separate
    business MitID, named by its serial number in the device registry
    (``mitid_portal.outside.DeviceRegistry``); a shared means may be bound in several
    organisations."""

    class Kind(models.TextChoices):
        PRIVATE = "private", _("Privat MitID")
        APP = "app", _("MitID app")
        KODEVISER = "kodeviser", _("MitID kodeviser")
        KODEOPLAESER = "kodeoplaeser", _("MitID kodeoplæser")
        CHIP = "chip", _("MitID chip")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="bound_means"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    device_serial = models.CharField(_("serienummer"), max_length=32, blank=True, default="")
    bound_at = models.DateTimeField(default=timezone.now)
    removed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["bound_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "device_serial"],
                condition=models.Q(removed_at__isnull=True) & ~models.Q(device_serial=""),
                name="device_bound_once_per_user",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user}: {self.get_kind_display()}"


class LoginEvent(SandboxedModel):
    """A login to MitID Erhverv (shown in *Min profil*)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="login_events"
    )
    # Blank for a login to a service from a session whose own login's means is not known.
    means = models.CharField(max_length=20, blank=True)
    # The public service logged in to through the login broker (its name); blank for a login to
    # the portal itself.
    service = models.CharField(_("tjeneste"), max_length=200, blank=True, default="")
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    succeeded = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.user}: {self.created_at:%Y-%m-%d %H:%M}"


class BulkJob(SandboxedModel):
    """A bulk action on a selection of users (*Massehandling*, and a bulk activation above the
    threshold): one item per user, processed in chunks, each chunk in one transaction that locks
    this row, so that every user is processed exactly once however often the job is run, and a
    killed worker loses only the chunk it was in (``activation.services.bulkjobs``)."""

    class State(models.TextChoices):
        DRAFT = "draft", _("Ikke bekræftet")
        QUEUED = "queued", _("Venter")
        RUNNING = "running", _("I gang")
        DONE = "done", _("Færdig")
        FAILED = "failed", _("Fejlet")

    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.CASCADE, related_name="bulk_jobs"
    )
    # The action's code in the registry (``bulkjobs.BULK_ACTIONS``), or ``activate``.
    action = models.CharField(max_length=40)
    # The list the selection came from: brugere, importerede, afventer (blank: the G4 wizard).
    source = models.CharField(max_length=20, blank=True, default="")
    # What the administrator chose on the confirm page (reason, role, group, service, means)
    # and what the work adds up as it goes (with_code for a bulk activation).
    parameters = models.JSONField(default=dict, blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.DRAFT)
    total = models.PositiveIntegerField(default=0)
    processed = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_by_name = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Written by every chunk: a queued or running job whose heartbeat is old is taken up again.
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["organisation", "-created_at"]),
            models.Index(fields=["state", "heartbeat_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.action} ({self.total}): {self.get_state_display()}"

    @property
    def percent(self) -> int:
        return int(100 * self.processed / self.total) if self.total else 100

    @property
    def running(self) -> bool:
        return self.state in (self.State.QUEUED, self.State.RUNNING)


class BulkJobItem(SandboxedModel):
    """One user of a bulk job: done once, with its outcome and, when not ok, why."""

    class Outcome(models.TextChoices):
        OK = "ok", _("Udført")
        SKIPPED = "skipped", _("Sprunget over")
        FAILED = "failed", _("Fejlet")

    job = models.ForeignKey(BulkJob, on_delete=models.CASCADE, related_name="items")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    done = models.BooleanField(default=False)
    outcome = models.CharField(max_length=10, choices=Outcome.choices, blank=True, default="")
    reason = models.TextField(blank=True, default="")
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["job", "user"], name="bulk_job_user_once"),
        ]
        indexes = [models.Index(fields=["job", "done", "id"])]

    def __str__(self) -> str:
        return f"{self.job_id}/{self.user_id}: {self.outcome or '-'}"
