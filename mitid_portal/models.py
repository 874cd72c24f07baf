"""The kernel's tables: the outbox (every email the portal sends is first a row here, written in
the same transaction as the change that causes it, then delivered by the task worker) and the audit
log (every administrative act, recorded through ``mitid_portal.audit.audit_record``)."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mitid_portal.sandbox import SandboxedModel


class Sandbox(models.Model):
    """An exercise (øvelse): one world of its own, with a copy of the demo world. Every sandboxed
    row (``mitid_portal.sandbox.SandboxedModel``) points here and goes when it goes. The default
    sandbox (id 1) never expires: on a laptop it is the only one; hosted, it is the operators'."""

    name = models.CharField(_("navn"), max_length=100, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # None: never (the default sandbox).
    expires_at = models.DateTimeField(null=True, blank=True, db_index=True)
    # The colleague's invitation link, stored only as a keyed hash.
    invite_token_hash = models.CharField(max_length=64, blank=True, db_index=True)
    reset_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("øvelse")
        verbose_name_plural = _("øvelser")

    def __str__(self) -> str:
        return self.name or f"Øvelse {self.pk}"


class OutboundEmail(SandboxedModel):
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


class ScheduledJob(models.Model):
    """When a registered periodic job (``mitid_portal.registry``) is next due. The task workers'
    tick claims a due job by moving ``next_run_at`` on in one conditional UPDATE, so of N workers
    exactly one enqueues it per period (``mitid_portal.periodic``)."""

    name = models.CharField(max_length=100, unique=True)
    next_run_at = models.DateTimeField()
    last_enqueued_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("planlagt job")
        verbose_name_plural = _("planlagte job")

    def __str__(self) -> str:
        return f"{self.name}: {self.next_run_at:%Y-%m-%d %H:%M}"


class AuditAction(models.TextChoices):
    """Every act the audit log records, with its Danish name on the *Revisionslog*. A value is
    stored in ``AuditEvent.action``; ``audit_record`` refuses any other value."""

    # Connection (tilslutning) and setup
    CONNECTION_REFUSED = "connection_refused", _("Tilslutning afvist")
    TERMS_ACCEPTED = "terms_accepted", _("Vilkår accepteret")
    DOCUMENTATION_UPLOADED = "documentation_uploaded", _("Dokumentation uploadet")
    CONNECTION_APPROVED = "connection_approved", _("Tilslutning godkendt")
    CONNECTION_REJECTED = "connection_rejected", _("Tilslutning afvist efter manuel behandling")
    ORGANISATION_CONNECTED = "organisation_connected", _("Organisation tilsluttet")
    ADMIN_APPOINTED = "admin_appointed", _("Administrator udpeget")
    ADMIN_SETUP_REFUSED = "admin_setup_refused", _("Opsætning afvist")
    ADMIN_SETUP_STARTED = "admin_setup_started", _("Opsætning startet")
    SETUP_STEP_SAVED = "setup_step_saved", _("Opsætningstrin gemt")
    SETUP_COMPLETED = "setup_completed", _("Opsætning gennemført")
    SETTINGS_CHANGED = "settings_changed", _("Indstillinger ændret")
    # NemID import and the NemID self-service
    NEMID_IMPORT = "nemid_import", _("Import fra NemID")
    NEMID_ACCESS_REFUSED = "nemid_access_refused", _("Adgang til NemID afvist")
    NEMID_EMPLOYEE_REVOKED = "nemid_employee_revoked", _("NemID: medarbejdersignatur spærret")
    NEMID_EMAIL_CHANGED = "nemid_email_changed", _("NemID: e-mail ændret")
    NEMID_CPR_LINKED = "nemid_cpr_linked", _("NemID: CPR-nummer tilknyttet")
    NEMID_NAME_CHANGED = "nemid_name_changed", _("NemID: navn ændret")
    # Users
    USER_CREATED = "user_created", _("Bruger oprettet")
    USERS_BULK_CREATED = "users_bulk_created", _("Brugere masseoprettet")
    USER_UPDATED = "user_updated", _("Brugeroplysninger ændret")
    USER_EMAIL_CHANGE_REQUESTED = (
        "user_email_change_requested",
        _("Ny e-mail sendt til bekræftelse"),
    )
    USER_EMAIL_CONFIRMED = "user_email_confirmed", _("Ny e-mail bekræftet af brugeren")
    USER_SUSPENDED = "user_suspended", _("Bruger suspenderet")
    USER_REACTIVATED = "user_reactivated", _("Bruger genaktiveret")
    USER_CLOSED = "user_closed", _("Bruger lukket")
    # Activation
    USERS_ACTIVATION_STARTED = "users_activation_started", _("Aktivering af brugere startet")
    ACTIVATION_CODE_REVEALED = "activation_code_revealed", _("Aktiveringskode vist")
    ACTIVATION_CODE_RENEWED = "activation_code_renewed", _("Ny aktiveringskode")
    ACTIVATION_LINK_RESENT = "activation_link_resent", _("Nyt aktiveringslink sendt")
    ACTIVATION_REMINDER_SENT = "activation_reminder_sent", _("Påmindelse om aktivering sendt")
    ACTIVATION_CANCELLED = "activation_cancelled", _("Aktivering annulleret")
    ACTIVATION_IDENTITY_MISMATCH = (
        "activation_identity_mismatch",
        _("Aktivering: identitet passer ikke"),
    )
    USER_ACTIVATED = "user_activated", _("Bruger aktiveret")
    MEANS_REMOVED = "means_removed", _("Identifikationsmiddel fjernet")
    BULK_JOB_STARTED = "bulk_job_started", _("Massehandling startet")
    BULK_JOB_RESUMED = "bulk_job_resumed", _("Massehandling genoptaget")
    # Roles, rights and groups
    ROLE_GRANTED = "role_granted", _("Rolle tildelt")
    ROLE_REMOVED = "role_removed", _("Rolle fjernet")
    PERMISSION_DENIED = "permission_denied", _("Adgang nægtet")
    RIGHT_GRANTED = "right_granted", _("Rettighed tildelt")
    RIGHT_REMOVED = "right_removed", _("Rettighed fjernet")
    RIGHT_REQUESTED = "right_requested", _("Rettighed anmodet")
    RIGHT_REQUEST_APPROVED = "right_request_approved", _("Anmodning om rettighed godkendt")
    RIGHT_REQUEST_REJECTED = "right_request_rejected", _("Anmodning om rettighed afvist")
    USER_GROUP_CREATED = "user_group_created", _("Brugergruppe oprettet")
    USER_GROUP_DELETED = "user_group_deleted", _("Brugergruppe slettet")
    USER_GROUP_MEMBER_ADDED = "user_group_member_added", _("Medlem føjet til brugergruppe")
    USER_GROUP_MEMBER_REMOVED = "user_group_member_removed", _("Medlem fjernet fra brugergruppe")
    # Powers of attorney (erhvervsfuldmagter)
    POWER_CREATED = "power_created", _("Erhvervsfuldmagt oprettet")
    POWER_REQUESTED = "power_requested", _("Erhvervsfuldmagt anmodet")
    POWER_APPROVED = "power_approved", _("Erhvervsfuldmagt godkendt")
    POWER_REJECTED = "power_rejected", _("Erhvervsfuldmagt afvist")
    POWER_REVOKED = "power_revoked", _("Erhvervsfuldmagt tilbagekaldt")
    POWER_USERS_CHANGED = "power_users_changed", _("Brugere af erhvervsfuldmagt ændret")
    # Public services (login broker) and the local IdM (SCIM API)
    SERVICE_LOGIN = "service_login", _("Login til offentlig tjeneste")
    SERVICE_LOGIN_REFUSED = "service_login_refused", _("Login til offentlig tjeneste afvist")
    SERVICE_PROVIDER_REGISTERED = "service_provider_registered", _("Tjenesteudbyder registreret")
    API_CLIENT_CREATED = "api_client_created", _("IdM-klient oprettet")
    API_CLIENT_SECRET_RENEWED = "api_client_secret_renewed", _("Ny hemmelighed til IdM-klient")
    API_CLIENT_REVOKED = "api_client_revoked", _("IdM-klient spærret")
    SCIM_REQUEST = "scim_request", _("IdM-kald (SCIM)")


class AuditEvent(SandboxedModel):
    """One administrative act: who did what to whom, when, from where, and what changed.

    ``changes`` holds before/after values with CPR numbers masked; an act before the organisation
    exists (NemID clean-up, a refused connection) is recorded against the CVR alone. The table
    keeps the name it had when the model lived in ``organisations``.
    """

    organisation = models.ForeignKey(
        "organisations.Organisation",
        on_delete=models.CASCADE,
        related_name="audit_events",
        null=True,
        blank=True,
    )
    cvr = models.CharField(_("CVR-nummer"), max_length=8, blank=True, db_index=True)
    actor_name = models.CharField(_("udført af"), max_length=200)
    actor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    action = models.CharField(
        _("handling"), max_length=60, db_index=True, choices=AuditAction.choices
    )
    target = models.CharField(_("vedrører"), max_length=300, blank=True)
    changes = models.JSONField(_("ændringer"), default=dict, blank=True)
    ip_address = models.GenericIPAddressField(_("IP-adresse"), null=True, blank=True)
    created_at = models.DateTimeField(_("tidspunkt"), auto_now_add=True, db_index=True)

    class Meta:
        db_table = "organisations_auditevent"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["organisation", "-created_at"])]
        verbose_name = _("revisionshændelse")
        verbose_name_plural = _("revisionslog")

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_name}: {self.action}"


class RateCounter(models.Model):
    """One rate-limit counter when the shared cache is the database (no Redis): the try count
    under ``key`` in the window that ends at ``window_ends_at``. Raised by one atomic
    ``INSERT … ON CONFLICT DO UPDATE … RETURNING`` (``mitid_portal.ratelimit``), because the
    database cache's ``incr`` is a read and a write. Infrastructure, shared by every sandbox (the
    keys of accounts name their sandbox)."""

    key = models.CharField(max_length=250, unique=True)
    count = models.PositiveIntegerField(default=0)
    window_ends_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.key}: {self.count}"
