"""State changes of MitID Erhverv users: the NemID import and the edit of a user."""

from users.services.import_nemid import (
    ALREADY_RUNNING,
    import_admin_roles_check,
    users_import_from_nemid,
    users_import_queue,
)
from users.services.users import user_update

__all__ = [
    "ALREADY_RUNNING",
    "import_admin_roles_check",
    "user_update",
    "users_import_from_nemid",
    "users_import_queue",
]
