"""The simulated SMS gateway's phones: every text sent, per mobile number."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from mitid_portal.sandbox import SandboxedModel


class SmsMessage(SandboxedModel):
    number = models.CharField(_("mobilnummer"), max_length=16, db_index=True)
    sender = models.CharField(_("afsender"), max_length=50, default="MitID")
    text = models.TextField(_("tekst"))
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-sent_at", "-id"]
        # The sandbox's phones / mailbox, newest first.
        indexes = [models.Index(fields=["sandbox", "-sent_at", "-id"])]
        verbose_name = _("SMS")
        verbose_name_plural = _("SMS'er")

    def __str__(self) -> str:
        return f"{self.number}: {self.text[:40]}"
