"""The simulated mailbox: every message the portal sends, kept for the inbox pages."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from mitid_portal.sandbox import SandboxedModel


class MailMessage(SandboxedModel):
    sender = models.CharField(_("afsender"), max_length=300)
    subject = models.CharField(_("emne"), max_length=500)
    body_text = models.TextField(_("tekst"))
    body_html = models.TextField(_("HTML"), blank=True)
    message_id = models.CharField(max_length=300, blank=True)
    to = models.TextField(_("til"))
    cc = models.TextField(blank=True)
    sent_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-sent_at", "-id"]
        # The sandbox's phones / mailbox, newest first.
        indexes = [models.Index(fields=["sandbox", "-sent_at", "-id"])]
        verbose_name = _("e-mail")
        verbose_name_plural = _("e-mails")

    def __str__(self) -> str:
        return self.subject


class MailRecipient(SandboxedModel):
    """One row per address (to, cc, bcc), lower-cased, so each inbox is one indexed query."""

    message = models.ForeignKey(MailMessage, on_delete=models.CASCADE, related_name="recipients")
    address = models.CharField(max_length=254, db_index=True)
    is_read = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["message", "address"], name="one_row_per_address")
        ]

    def __str__(self) -> str:
        return self.address
