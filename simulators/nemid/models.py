"""The old NemID medarbejdersignatur self-service (medarbejdersignatur.dk), simulated."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from mitid_portal.fields import EncryptedTextField
from mitid_portal.sandbox import SandboxedModel
from mitid_portal.validators import mask_cpr


class NemIDEmployee(SandboxedModel):
    """One employee signature (medarbejdersignatur) of a CVR. A person may have several."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Aktiv")
        REVOKED = "revoked", _("Spærret")

    cvr = models.CharField(_("CVR-nummer"), max_length=8, db_index=True)
    rid = models.CharField(_("RID-nummer"), max_length=20, blank=True)
    first_name = models.CharField(_("fornavn(e)"), max_length=100)
    last_name = models.CharField(_("efternavn"), max_length=100)
    email = models.EmailField(_("e-mail"), blank=True)
    cpr = EncryptedTextField(_("CPR-nummer"), blank=True, default="")
    cpr_hash = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    birth_date = models.DateField(_("fødselsdato"), null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    is_nemid_admin = models.BooleanField(_("NemID-administrator"), default=False)
    last_used_at = models.DateTimeField(_("sidst brugt"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["last_name", "first_name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["sandbox", "rid"], condition=~models.Q(rid=""), name="nemid_rid_unique"
            )
        ]
        verbose_name = _("NemID-medarbejder")
        verbose_name_plural = _("NemID-medarbejdere")

    def __str__(self) -> str:
        return f"{self.full_name} (RID {self.rid or '–'})"

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def masked_cpr(self) -> str:
        return mask_cpr(self.cpr)


class NemIDRight(SandboxedModel):
    """A right to a public service held by a NemID signature; it hangs on the RID."""

    employee = models.ForeignKey(NemIDEmployee, on_delete=models.CASCADE, related_name="rights")
    service_code = models.CharField(max_length=40)
    service_name = models.CharField(max_length=200)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["employee", "service_code"], name="nemid_right_once")
        ]

    def __str__(self) -> str:
        return self.service_name


class NemIDChange(SandboxedModel):
    """Every change in the self-service is kept (who, what, before and after; CPR masked)."""

    employee = models.ForeignKey(NemIDEmployee, on_delete=models.CASCADE, related_name="changes")
    actor_name = models.CharField(max_length=200)
    field = models.CharField(max_length=40)
    old_value = models.CharField(max_length=300, blank=True)
    new_value = models.CharField(max_length=300, blank=True)
    changed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-changed_at", "-id"]

    def __str__(self) -> str:
        return f"{self.field}: {self.actor_name}"


class NemIDAccessRefusal(SandboxedModel):
    """A person signed in with private MitID asked for a CVR they do not represent: the attempt is
    kept here, in the self-service's own log (it changes nothing, so it is not a NemIDChange)."""

    cvr = models.CharField(max_length=8, db_index=True)
    actor_name = models.CharField(max_length=200)
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=300)
    refused_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-refused_at", "-id"]

    def __str__(self) -> str:
        return f"{self.cvr}: {self.actor_name}"
