"""Recording audit events: every administrative act, never a full CPR number."""

import re
from typing import Any

from django.http import HttpRequest

from organisations.models import AuditEvent, Organisation

# Ten digits (or 6-4 with a dash) not part of a longer number or a +45 phone number.
_CPR_LIKE = re.compile(r"(?<![\d+])(\d{6})-?\d{4}(?!\d)")


def _mask(value: Any) -> Any:
    if isinstance(value, str):
        return _CPR_LIKE.sub(r"\1-****", value)
    if isinstance(value, dict):
        return {k: _mask(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_mask(v) for v in value]
    return value


def client_ip(request: HttpRequest | None) -> str | None:
    return request.META.get("REMOTE_ADDR") if request is not None else None


def audit_record(
    *,
    action: str,
    actor_name: str,
    organisation: Organisation | None = None,
    cvr: str = "",
    actor_user=None,
    target: str = "",
    changes: dict | None = None,
    request: HttpRequest | None = None,
) -> AuditEvent:
    """Record one act. Anything shaped like a CPR number in ``target`` or ``changes`` is masked
    to its birth-date part, so the log never holds a full CPR."""
    return AuditEvent.objects.create(
        organisation=organisation,
        cvr=cvr or (organisation.cvr if organisation else ""),
        actor_name=actor_name[:200],
        actor_user=actor_user if getattr(actor_user, "is_authenticated", False) else None,
        action=action,
        target=_mask(target)[:300],
        changes=_mask(changes or {}),
        ip_address=client_ip(request),
    )
