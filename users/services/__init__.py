"""State changes of MitID Erhverv users: the NemID import and the lifecycle (the transition
table and its service, the edit with a confirmed email among them). Creating a user and inviting
them is activation's (``activation.services.create``)."""

from users.services.import_nemid import (
    ALREADY_RUNNING,
    import_admin_roles_check,
    users_import_from_nemid,
    users_import_queue,
)
from users.services.lifecycle import (
    user_edit,
    user_email_confirm,
    user_reactivate,
    user_sessions_end,
    user_state_change,
    user_suspend,
    user_version,
    users_state_change_bulk,
)

__all__ = [
    "ALREADY_RUNNING",
    "import_admin_roles_check",
    "user_edit",
    "user_email_confirm",
    "user_reactivate",
    "user_sessions_end",
    "user_state_change",
    "user_suspend",
    "user_version",
    "users_import_from_nemid",
    "users_import_queue",
    "users_state_change_bulk",
]
