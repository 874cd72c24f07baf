"""State changes of MitID Erhverv users: the NemID import, the lifecycle (the edit with a
confirmed email among them) and the creation of users."""

from users.services.import_nemid import (
    ALREADY_RUNNING,
    import_admin_roles_check,
    users_import_from_nemid,
    users_import_queue,
)

__all__ = [
    "ALREADY_RUNNING",
    "import_admin_roles_check",
    "users_import_from_nemid",
    "users_import_queue",
]

from users.services.lifecycle import (  # noqa: E402 - the lifecycle, appended
    user_close,
    user_edit,
    user_email_confirm,
    user_reactivate,
    user_sessions_end,
    user_state_change,
    user_suspend,
    user_version,
    users_state_change_bulk,
)

__all__ += [
    "user_close",
    "user_edit",
    "user_email_confirm",
    "user_reactivate",
    "user_sessions_end",
    "user_state_change",
    "user_suspend",
    "user_version",
    "users_state_change_bulk",
]

from users.services.create import (  # noqa: E402 - Opret bruger and Masseopret, appended
    BulkFile,
    BulkRow,
    NewUser,
    user_create,
    users_bulk_create,
    users_bulk_file_read,
    users_bulk_template_rows,
)

__all__ += [
    "BulkFile",
    "BulkRow",
    "NewUser",
    "user_create",
    "users_bulk_create",
    "users_bulk_file_read",
    "users_bulk_template_rows",
]
