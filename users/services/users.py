"""State changes of a single user: the edit on *Brugerinformation* (G5.2, G5.5)."""

from django.db import transaction

from organisations.audit import audit_record
from users.models import User

EDITABLE_FIELDS = ("first_name", "last_name", "email", "phone")


@transaction.atomic
def user_update(
    *,
    user: User,
    first_name: str,
    last_name: str,
    email: str,
    phone: str,
    actor,
    request=None,
) -> User:
    """Correct a user's name, email and mobile number (before activation the administrator checks
    that the data is right, G5.5); the changed fields are audited with before and after."""
    user = User.objects.select_for_update().get(pk=user.pk)
    new = {"first_name": first_name, "last_name": last_name, "email": email, "phone": phone}
    changes = {
        name: {"before": getattr(user, name), "after": value}
        for name, value in new.items()
        if getattr(user, name) != value
    }
    if not changes:
        return user
    for name, value in new.items():
        setattr(user, name, value)
    user.full_clean(exclude=["password", "username"])
    user.save(update_fields=list(changes))
    audit_record(
        action="user_updated",
        actor_name=actor.full_name or actor.get_username(),
        actor_user=actor,
        organisation=user.organisation,
        target=user.full_name,
        changes=changes,
        request=request,
    )
    return user
