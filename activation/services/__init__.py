"""State changes of activation: ``start`` (bulk and single, G4.2–G4.5, G5.5–G5.6),
``invitations`` (*Vis*, new code, new link, cancel, reminders), ``emails`` (the bulk start's link-email builder),
``create`` (*Opret bruger* and *Masseopret*: create users and invite them) and ``lifecycle``
(*Luk bruger*, *Send nyt aktiveringslink* and *Ny kode* from *Brugerinformation*)."""

from activation.services.bulkjobs import (
    BULK_ACTIONS,
    RUN_NOW_MAX,
    bulk_job_confirm,
    bulk_job_create,
    bulk_job_run,
    bulk_jobs_stale,
)
from activation.services.create import (
    BulkFile,
    BulkRow,
    NewUser,
    user_create,
    users_bulk_create,
    users_bulk_file_read,
    users_bulk_template_rows,
)
from activation.services.invitations import (
    REMINDER_BEFORE,
    activation_code_renew,
    activation_code_reveal,
    activation_codes_reveal_bulk,
    activation_reminders_send,
    invitation_cancel,
    invitation_resend,
)
from activation.services.start import (
    CODE_LENGTH,
    CODE_PURPOSE,
    LINK_LIFETIME,
    TOKEN_PURPOSE,
    users_activation_start,
)

__all__ = [
    "BULK_ACTIONS",
    "RUN_NOW_MAX",
    "bulk_job_confirm",
    "bulk_job_create",
    "bulk_job_run",
    "bulk_jobs_stale",
    "CODE_LENGTH",
    "CODE_PURPOSE",
    "LINK_LIFETIME",
    "REMINDER_BEFORE",
    "TOKEN_PURPOSE",
    "BulkFile",
    "BulkRow",
    "NewUser",
    "activation_code_renew",
    "activation_code_reveal",
    "activation_codes_reveal_bulk",
    "activation_reminders_send",
    "invitation_cancel",
    "invitation_resend",
    "user_create",
    "users_activation_start",
    "users_bulk_create",
    "users_bulk_file_read",
    "users_bulk_template_rows",
]
