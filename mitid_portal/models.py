"""The outbox: every email the portal sends is first a row here, written in the same transaction
as the change that causes it, and then delivered by the task worker."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class OutboundEmail(models.Model):
    class State(models.TextChoices):
        QUEUED = "queued", _("I kø")
        SENT = "sent", _("Sendt")
        FAILED = "failed", _("Opgivet")

    to = models.EmailField(_("modtager"))
    subject = models.CharField(_("emne"), max_length=300)
    body_text = models.TextField()
    body_html = models.TextField(blank=True)
    # One email per event: a second queue_email with the same key is a no-op (double clicks,
    # retried requests), so nobody gets the same message twice.
    event_key = models.CharField(max_length=200, unique=True, null=True, blank=True)  # noqa: DJ001
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["state", "next_attempt_at"])]
        verbose_name = _("udgående e-mail")
        verbose_name_plural = _("udgående e-mails")

    def __str__(self) -> str:
        return f"{self.to}: {self.subject}"
