"""The simulated CPR and CVR registers: fictitious persons and organisations."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from mitid_portal.fields import EncryptedTextField
from mitid_portal.sandbox import SandboxedModel
from mitid_portal.validators import mask_cpr


class Person(SandboxedModel):
    """A person in the CPR register. The name here is the name on the health card (sundhedskort)."""

    cpr = EncryptedTextField(_("CPR-nummer"))
    cpr_hash = models.CharField(max_length=64, editable=False)
    first_name = models.CharField(_("fornavn(e)"), max_length=100)
    last_name = models.CharField(_("efternavn"), max_length=100)
    birth_date = models.DateField(_("fødselsdato"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["last_name", "first_name"]
        indexes = [models.Index(fields=["sandbox", "last_name", "first_name"])]
        constraints = [
            models.UniqueConstraint(fields=["sandbox", "cpr_hash"], name="person_cpr_unique")
        ]
        verbose_name = _("person i CPR-registret")
        verbose_name_plural = _("personer i CPR-registret")

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def masked_cpr(self) -> str:
        return mask_cpr(self.cpr)


class Company(SandboxedModel):
    """An organisation in the CVR register."""

    cvr = models.CharField(_("CVR-nummer"), max_length=8)
    name = models.CharField(_("navn"), max_length=200)
    legal_form = models.CharField(_("virksomhedsform"), max_length=100, blank=True)
    address = models.CharField(_("adresse"), max_length=200, blank=True)
    is_public = models.BooleanField(_("offentlig myndighed"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["sandbox", "cvr"], name="company_cvr_unique")
        ]
        verbose_name = _("virksomhed i CVR-registret")
        verbose_name_plural = _("virksomheder i CVR-registret")

    def __str__(self) -> str:
        return f"{self.name} (CVR {self.cvr})"


class ManagementRepresentative(SandboxedModel):
    """A person the CVR register names as able to act for the company (ledelsesrepræsentant)."""

    class Role(models.TextChoices):
        OWNER = "owner", _("Fuldt ansvarlig deltager")
        DIRECTOR = "director", _("Direktør")
        BOARD = "board", _("Bestyrelsesmedlem")

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="representatives")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="representations")
    role = models.CharField(_("rolle"), max_length=20, choices=Role.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["company", "person"], name="one_role_per_person")
        ]
        verbose_name = _("ledelsesrepræsentant")
        verbose_name_plural = _("ledelsesrepræsentanter")

    def __str__(self) -> str:
        return f"{self.person} – {self.get_role_display()}, {self.company.name}"
