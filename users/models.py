"""The MitID Erhverv user: the portal's login identity, one per person per organisation."""

import uuid

from django.contrib.auth.models import AbstractBaseUser, PermissionsMixin, UserManager
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mitid_portal.fields import EncryptedTextField
from mitid_portal.identity import UserState
from mitid_portal.sandbox import SandboxedModel, SandboxedQuerySetMixin
from mitid_portal.validators import bruger_id_key, mask_cpr
from users.sessions import UserSession  # noqa: F401 - the session model, seen by the app registry


class PortalUserManager(SandboxedQuerySetMixin, UserManager):
    def _create_user(self, username, email, password, **extra_fields):
        user = self.model(username=username, email=self.normalize_email(email), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user


class Language(models.TextChoices):
    """The language a person reads the portal, its emails and its SMS in: Danish unless they
    chose English (the language switch while logged in, or the administrator who created them)."""

    DA = "da", "Dansk"
    EN = "en", "English"


def new_username() -> str:
    return f"u-{uuid.uuid4().hex}"


class User(AbstractBaseUser, PermissionsMixin, SandboxedModel):
    """A user of one organisation (imported from NemID or created), or a portal operator (staff,
    no organisation). Organisation users never have a password: they log in with MitID."""

    State = UserState

    username = models.CharField(max_length=150, unique=True, default=new_username)
    organisation = models.ForeignKey(
        "organisations.Organisation",
        on_delete=models.CASCADE,
        related_name="users",
        null=True,
        blank=True,
        db_index=False,  # the indexes below lead with the organisation
    )
    first_name = models.CharField(_("fornavn(e)"), max_length=100, blank=True)
    last_name = models.CharField(_("efternavn"), max_length=100, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("mobilnummer"), max_length=16, blank=True)
    cpr = EncryptedTextField(_("CPR-nummer"), blank=True, default="")
    cpr_hash = models.CharField(max_length=64, blank=True, editable=False)
    birth_date = models.DateField(_("fødselsdato"), null=True, blank=True)
    rid = models.CharField(_("RID-nummer"), max_length=20, blank=True)
    state = models.CharField(
        _("status"), max_length=20, choices=State.choices, default=State.IMPORTED
    )
    # NULL, not "", until chosen: the case-insensitive unique constraint ignores NULLs.
    bruger_id = models.CharField(_("bruger-ID"), max_length=48, null=True, blank=True)  # noqa: DJ001
    # The bruger-ID case-folded (validators.bruger_id_key), kept by save(): unique and looked up
    # by this, as SQLite's lower() folds only ASCII and would let "Æble.1" beside "æble.1".
    bruger_id_key = models.CharField(max_length=96, null=True, editable=False)  # noqa: DJ001
    uses_private_mitid = models.BooleanField(_("bruger privat MitID"), default=False)
    # The means the administrator chose for the user (codes of simulators.mitid Device.Kind, or
    # "private" for private MitID), and the NemID import's marks.
    means = models.JSONField(_("identifikationsmidler"), default=list, blank=True)
    is_anonymous_user = models.BooleanField(_("anonym"), default=False)
    duplicate_flag = models.BooleanField(_("flere signaturer"), default=False)
    nemid_employee_id = models.BigIntegerField(null=True, blank=True)
    # A changed email waits here until the user follows the confirmation link sent to it
    # (7 days); the link's token is stored only as a keyed hash.
    pending_email = models.EmailField(_("ny e-mail (ikke bekræftet)"), blank=True)
    pending_email_token_hash = models.CharField(max_length=64, blank=True, editable=False)
    pending_email_expires_at = models.DateTimeField(null=True, blank=True, editable=False)
    language = models.CharField(
        _("sprog"), max_length=2, choices=Language.choices, default=Language.DA
    )
    is_staff = models.BooleanField(_("portaloperatør"), default=False)
    is_active = models.BooleanField(default=True)
    date_joined = models.DateTimeField(default=timezone.now)

    objects = PortalUserManager()  # type: ignore[assignment,misc]  # also sandboxed

    USERNAME_FIELD = "username"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["email"]

    class Meta:
        ordering = ["last_name", "first_name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["sandbox", "bruger_id_key"],
                name="bruger_id_unique_ci",
                condition=models.Q(bruger_id_key__isnull=False),
            ),
            # A bruger-ID written past save() (a queryset update) without its key fails loudly.
            models.CheckConstraint(
                condition=models.Q(bruger_id__isnull=True, bruger_id_key__isnull=True)
                | models.Q(bruger_id__isnull=False, bruger_id_key__isnull=False),
                name="bruger_id_has_key",
            ),
            # The state is one of the kernel's UserState values; which moves between them are
            # allowed is users.services.lifecycle.TRANSITIONS.
            models.CheckConstraint(
                condition=models.Q(state__in=UserState.values), name="user_state_known"
            ),
            # The import is idempotent: one user per NemID signature per organisation.
            models.UniqueConstraint(
                fields=["organisation", "nemid_employee_id"],
                condition=models.Q(nemid_employee_id__isnull=False),
                name="one_user_per_nemid_signature",
            ),
        ]
        # Every index costs the NemID import of 50,000 users time, so only those queries use:
        # plain b-tree indexes (no LIKE pattern twins), the organisation only as a leading column,
        # the email-confirmation token only where there is one.
        indexes = [
            models.Index(fields=["organisation", "state", "last_name", "first_name"]),
            # The sort orders of *Brugere* (users.selectors.USER_SORTS): each index serves its
            # order with the id as the tie-break, so a page reads only its own rows. The name's
            # holds the state too: a search that finds thousands is read walking it, checked on
            # its entries alone (users.selectors.users_searched, walked_in).
            models.Index(
                fields=["organisation", "last_name", "first_name", "id", "state"],
                name="user_org_name_state",
            ),
            models.Index(fields=["organisation", "email", "id"], name="user_org_email"),
            models.Index(fields=["organisation", "last_login", "id"], name="user_org_last_login"),
            models.Index(fields=["organisation", "rid"]),
            models.Index(fields=["sandbox", "cpr_hash"], name="user_cpr_hash"),
            models.Index(
                fields=["pending_email_token_hash"],
                name="user_pending_email_token",
                condition=~models.Q(pending_email_token_hash=""),
            ),
        ]
        verbose_name = _("bruger")
        verbose_name_plural = _("brugere")

    def __str__(self) -> str:
        return self.full_name or self.username

    def save(self, *args, **kwargs):
        self.bruger_id_key = bruger_id_key(self.bruger_id) if self.bruger_id else None
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "bruger_id" in update_fields:
            kwargs["update_fields"] = {*update_fields, "bruger_id_key"}
        super().save(*args, **kwargs)

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def get_full_name(self) -> str:
        return self.full_name

    def get_short_name(self) -> str:
        return self.first_name

    @property
    def masked_cpr(self) -> str:
        return mask_cpr(self.cpr)

    # Came from a NemID signature without a RID number: the rights carried over hang on no RID,
    # and the import report flags the user ("markeret til kontrol").
    IMPORTED_WITHOUT_RID = models.Q(nemid_employee_id__isnull=False, rid="")

    @property
    def imported_without_rid(self) -> bool:
        return self.nemid_employee_id is not None and not self.rid


class ImportRun(SandboxedModel):
    """One NemID import of an organisation (G3.5–G3.7): progress while it runs, then its report."""

    class State(models.TextChoices):
        QUEUED = "queued", _("I kø")
        RUNNING = "running", _("Kører")
        DONE = "done", _("Gennemført")
        FAILED = "failed", _("Fejlet")

    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.CASCADE, related_name="import_runs"
    )
    started_by_name = models.CharField(max_length=200)
    admin_roles = models.JSONField(default=dict, blank=True)  # NemID employee id → role
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    total = models.PositiveIntegerField(default=0)
    processed = models.PositiveIntegerField(default=0)
    imported = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)
    flagged = models.PositiveIntegerField(default=0)
    error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # Two imports of one organisation cannot run at once.
            models.UniqueConstraint(
                fields=["organisation"],
                condition=models.Q(state__in=["queued", "running"]),
                name="one_running_import_per_organisation",
            )
        ]

    def __str__(self) -> str:
        return f"{self.organisation}: {self.get_state_display()}"

    @property
    def percent(self) -> int:
        return int(100 * self.processed / self.total) if self.total else 0


class ImportReportRow(models.Model):
    """One row of a NemID import's report: a signature considered, its outcome and the reason.

    Codes, not text (``users.report``), so the report is shown in the reader's language. Stored as
    rows, one per signature, so the report page reads only the rows that need attention (a page at
    a time, from a small partial index) and the CSV streams them: neither grows with the run.
    The rows belong to the run's sandbox through the run (deleted with it)."""

    run = models.ForeignKey(
        ImportRun,
        on_delete=models.CASCADE,
        related_name="report_rows",
        db_index=False,  # the indexes below lead with the run
    )
    rid = models.CharField(max_length=20, blank=True)
    name = models.CharField(max_length=201, blank=True)
    outcome = models.CharField(max_length=10)  # users.report.OUTCOMES
    reason = models.CharField(max_length=20, blank=True)  # users.report.REASONS
    needs_attention = models.BooleanField(default=False)  # skipped or flagged

    class Meta:
        ordering = ["run", "id"]
        indexes = [
            # The whole report in its order (the CSV), and the rows that need attention (the page).
            models.Index(fields=["run", "id"], name="import_report_row_run"),
            models.Index(
                fields=["run", "id"],
                name="import_report_row_attention",
                condition=models.Q(needs_attention=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rid} {self.name}: {self.outcome}"
