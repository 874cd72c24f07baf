"""Organisations connected to MitID Erhverv and the administrator roles within them."""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mitid_portal.fields import EncryptedTextField
from mitid_portal.sandbox import SandboxedModel


class Organisation(SandboxedModel):
    """An organisation (one CVR) that has an agreement with MitID Erhverv."""

    class State(models.TextChoices):
        CONNECTED = "connected", _("Tilsluttet – opsætning mangler")
        ACTIVE = "active", _("Opsat")

    cvr = models.CharField(_("CVR-nummer"), max_length=8)
    name = models.CharField(_("navn"), max_length=200)
    is_public = models.BooleanField(_("offentlig myndighed"), default=False)
    state = models.CharField(max_length=20, choices=State.choices, default=State.CONNECTED)
    connected_at = models.DateTimeField(_("tilsluttet"), auto_now_add=True)

    # The setup (G3.5–G3.12) and *Indstillinger*. Empty until the administrator has chosen.
    setup_step = models.CharField(max_length=30, blank=True)
    setup_completed_at = models.DateTimeField(null=True, blank=True)
    allow_private_mitid = models.BooleanField(_("tillad privat MitID på arbejdet"), default=True)
    allowed_means = models.JSONField(_("tilladte identifikationsmidler"), default=list, blank=True)
    preferred_means = models.CharField(
        _("foretrukket identifikationsmiddel"), max_length=20, blank=True
    )
    allow_shared_means = models.BooleanField(_("tillad delt identifikationsmiddel"), default=False)
    billing_method = models.CharField(_("fakturering"), max_length=20, blank=True)
    billing_email = models.EmailField(_("faktura-e-mail"), blank=True)
    ean = models.CharField(_("EAN-nummer"), max_length=13, blank=True)
    contact_name = models.CharField(_("kontaktperson"), max_length=200, blank=True)
    contact_email = models.EmailField(_("kontakt-e-mail"), blank=True)
    contact_phone = models.CharField(_("kontakttelefon"), max_length=16, blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["sandbox", "cvr"], name="organisation_cvr_unique")
        ]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisationer")

    def __str__(self) -> str:
        return f"{self.name} (CVR {self.cvr})"


class RoleGrant(SandboxedModel):
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


class ConnectionRequest(SandboxedModel):
    """One attempt to connect an organisation at (simulated) NemLog-in (G2.1–G2.7).

    A management representative's request completes at once; anyone else's waits, with uploaded
    documentation, for a portal operator's decision.
    """

    class State(models.TextChoices):
        DRAFT = "draft", _("Under udfyldelse")
        AWAITING_REVIEW = "review", _("Afventer manuel behandling")
        REJECTED = "rejected", _("Afvist")
        COMPLETED = "completed", _("Tilsluttet")

    class AdminChoice(models.TextChoices):
        SELF = "self", _("Mig selv")
        OTHER = "other", _("En anden person")
        BOTH = "both", _("Både mig selv og en anden person")

    cvr = models.CharField(_("CVR-nummer"), max_length=8, db_index=True)
    company_name = models.CharField(_("organisation"), max_length=200)
    is_representative = models.BooleanField(_("ledelsesrepræsentant"), default=False)
    requester_name = models.CharField(_("anmoder"), max_length=200)
    requester_cpr_hash = models.CharField(max_length=64, db_index=True, editable=False)
    requester_cpr = EncryptedTextField(blank=True, default="")
    requester_email = models.EmailField(_("anmoderens e-mail"), blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.DRAFT)
    terms_version = models.CharField(_("vilkår, version"), max_length=20, blank=True)
    terms_accepted_at = models.DateTimeField(_("vilkår accepteret"), null=True, blank=True)
    admin_choice = models.CharField(max_length=10, choices=AdminChoice.choices, blank=True)
    admin_first_name = models.CharField(_("fornavn(e)"), max_length=100, blank=True)
    admin_last_name = models.CharField(_("efternavn"), max_length=100, blank=True)
    admin_email = models.EmailField(_("e-mail"), blank=True)
    admin_cpr = EncryptedTextField(_("CPR-nummer"), blank=True, default="")
    admin_birth_date = models.DateField(_("fødselsdato"), null=True, blank=True)
    decision_note = models.TextField(
        _("begrundelse"),
        blank=True,
        help_text=_("Skal udfyldes ved afvisning; sendes til anmoderen."),
    )
    decided_by = models.CharField(_("behandlet af"), max_length=150, blank=True)
    decided_at = models.DateTimeField(_("behandlet"), null=True, blank=True)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("anmodning om tilslutning")
        verbose_name_plural = _("anmodninger om tilslutning")

    def __str__(self) -> str:
        return f"{self.company_name} (CVR {self.cvr}) – {self.get_state_display()}"

    @property
    def admin_full_name(self) -> str:
        return f"{self.admin_first_name} {self.admin_last_name}".strip()

    @property
    def appoints_self(self) -> bool:
        return self.admin_choice in (self.AdminChoice.SELF, self.AdminChoice.BOTH)

    @property
    def appoints_other(self) -> bool:
        return self.admin_choice in (self.AdminChoice.OTHER, self.AdminChoice.BOTH)


def _document_path(instance, filename: str) -> str:
    return f"connection-documents/{uuid.uuid4().hex}{instance.extension}"


class ConnectionDocument(SandboxedModel):
    """Documentation that a non-representative may act for the organisation (PDF or image)."""

    request = models.ForeignKey(
        ConnectionRequest, on_delete=models.CASCADE, related_name="documents"
    )
    file = models.FileField(upload_to=_document_path)
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=50)
    size = models.PositiveIntegerField()
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["uploaded_at"]

    def __str__(self) -> str:
        return self.original_name

    @property
    def extension(self) -> str:
        return {"application/pdf": ".pdf", "image/png": ".png", "image/jpeg": ".jpg"}.get(
            self.content_type, ".bin"
        )


class AdminInvitation(SandboxedModel):
    """The emailed link with which an appointed organisation administrator sets up the
    organisation (G3.1); valid 60 days, single use, stored only as a keyed hash."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="admin_invitations"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    token_hash = models.CharField(max_length=64, unique=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.organisation}: {self.user}"


class PublicService(models.Model):
    """A public self-service that users get rights to (FMK, NemRefusion, Digital Post, …)."""

    code = models.CharField(max_length=40, unique=True)
    name = models.CharField(_("navn"), max_length=200)
    in_basic_package = models.BooleanField(_("i Basispakke"), default=False)

    class Meta:
        ordering = ["name"]
        verbose_name = _("offentlig tjeneste")
        verbose_name_plural = _("offentlige tjenester")

    def __str__(self) -> str:
        return self.name


class UserRight(SandboxedModel):
    """A right to a public service held by a user; imported ones keep the NemID RID they hung on.
    The table keeps the name it had when the model lived in ``users``."""

    # Indexed as the leading column of right_once.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="rights", db_index=False
    )
    service = models.ForeignKey(PublicService, on_delete=models.PROTECT, related_name="+")
    from_rid = models.CharField(_("fra RID"), max_length=20, blank=True)
    granted_by_name = models.CharField(max_length=200, blank=True)
    granted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "users_userright"
        constraints = [models.UniqueConstraint(fields=["user", "service"], name="right_once")]

    def __str__(self) -> str:
        return f"{self.user}: {self.service}"


class UserGroup(SandboxedModel):
    """A group of the organisation's users that carries rights: every member holds the group's
    services for as long as they are a member (computed, never copied into ``UserRight``)."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="user_groups"
    )
    name = models.CharField(_("navn"), max_length=100)
    services = models.ManyToManyField(PublicService, blank=True, related_name="+")
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="user_groups"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "name"], name="group_name_once")
        ]
        verbose_name = _("brugergruppe")
        verbose_name_plural = _("brugergrupper")

    def __str__(self) -> str:
        return self.name


class RightRequest(SandboxedModel):
    """A user's request for a right to a public service, decided by a rights administrator."""

    class State(models.TextChoices):
        REQUESTED = "requested", _("Afventer")
        APPROVED = "approved", _("Godkendt")
        REJECTED = "rejected", _("Afvist")

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="right_requests"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="right_requests"
    )
    service = models.ForeignKey(PublicService, on_delete=models.PROTECT, related_name="+")
    state = models.CharField(
        _("status"), max_length=10, choices=State.choices, default=State.REQUESTED
    )
    reason = models.TextField(_("begrundelse"), max_length=500, blank=True)
    decision_note = models.TextField(_("svar"), max_length=500, blank=True)
    decided_by_name = models.CharField(_("behandlet af"), max_length=200, blank=True)
    decided_at = models.DateTimeField(_("behandlet"), null=True, blank=True)
    created_at = models.DateTimeField(_("anmodet"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # One open request per user and service.
            models.UniqueConstraint(
                fields=["user", "service"],
                condition=models.Q(state="requested"),
                name="one_open_right_request",
            )
        ]
        indexes = [models.Index(fields=["organisation", "state", "-created_at"])]
        verbose_name = _("anmodning om rettighed")
        verbose_name_plural = _("anmodninger om rettigheder")

    def __str__(self) -> str:
        return f"{self.user}: {self.service} ({self.get_state_display()})"


class PowerOfAttorney(SandboxedModel):
    """A business power of attorney (*erhvervsfuldmagt*): the giving organisation lets the
    receiving CVR act for it at the chosen services, until ``valid_until`` if set. The receiving
    organisation's rights administrator chooses which of its users may use it."""

    class State(models.TextChoices):
        REQUESTED = "requested", _("Anmodet")
        ACTIVE = "active", _("Aktiv")
        REJECTED = "rejected", _("Afvist")
        REVOKED = "revoked", _("Tilbagekaldt")

    giver = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="powers_given")
    receiver_cvr = models.CharField(_("modtagerens CVR-nummer"), max_length=8, db_index=True)
    receiver_name = models.CharField(_("modtager"), max_length=200, blank=True)
    receiver = models.ForeignKey(
        Organisation,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="powers_received",
    )
    services = models.ManyToManyField(PublicService, related_name="+")
    valid_until = models.DateField(_("gyldig til og med"), null=True, blank=True)
    state = models.CharField(
        _("status"), max_length=10, choices=State.choices, default=State.ACTIVE
    )
    created_by_name = models.CharField(_("oprettet af"), max_length=200)
    created_at = models.DateTimeField(_("oprettet"), auto_now_add=True)
    decided_by_name = models.CharField(_("behandlet af"), max_length=200, blank=True)
    decided_at = models.DateTimeField(_("behandlet"), null=True, blank=True)
    revoked_by_name = models.CharField(_("tilbagekaldt af"), max_length=200, blank=True)
    revoked_at = models.DateTimeField(_("tilbagekaldt"), null=True, blank=True)
    users = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="powers_of_attorney"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("erhvervsfuldmagt")
        verbose_name_plural = _("erhvervsfuldmagter")

    def __str__(self) -> str:
        return f"{self.giver.name} → CVR {self.receiver_cvr} ({self.get_state_display()})"

    @property
    def is_expired(self) -> bool:
        return self.valid_until is not None and self.valid_until < timezone.localdate()

    @property
    def is_usable(self) -> bool:
        return self.state == self.State.ACTIVE and not self.is_expired
