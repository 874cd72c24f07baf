"""System checks of the portal (``manage.py check``; ``migrate`` and ``runserver`` run them too).

Production is safe by construction: a production server whose outside world is (partly) the
simulators must run with sandboxes (øvelser), or every visitor would reach every simulated
person's MitID app, the mailbox with every activation email and the phones. The check is an
error at every level (not only under ``--deploy``), so such a server does not start.
"""

from django.conf import settings
from django.core.checks import CheckMessage, Error

SIMULATOR_PREFIX = "simulators."

# The environment variable that replaces each simulated part (README, "Configuration").
OUTSIDE_WORLD_VARIABLES = {
    "mitid": "MITID_BROKER",
    "cpr": "CPR_REGISTER",
    "cvr": "CVR_REGISTER",
    "sms": "SMS_GATEWAY",
    "devices": "DEVICE_REGISTRY",
    "nemid": "NEMID_SOURCE",
}


def simulated_parts() -> list[str]:
    """The parts of the outside world served by a simulator, as their environment variables."""
    parts = [
        OUTSIDE_WORLD_VARIABLES.get(name, name)
        for name, path in settings.OUTSIDE_WORLD.items()
        if str(path).startswith(SIMULATOR_PREFIX)
    ]
    if str(getattr(settings, "EMAIL_BACKEND", "")).startswith(SIMULATOR_PREFIX):
        parts.append("EMAIL_URL")
    return parts


def production_simulators_check(app_configs=None, **kwargs) -> list[CheckMessage]:
    """In production, a simulated outside world needs sandboxes (``SANDBOXES=on``)."""
    if not settings.PRODUCTION or settings.SANDBOXES:
        return []
    parts = simulated_parts()
    if not parts:
        return []
    return [
        Error(
            "MITID_ENV=production with a simulated outside world but without sandboxes: "
            f"{', '.join(parts)} {'is' if len(parts) == 1 else 'are'} simulated, so every "
            "visitor could open every simulated person's MitID app, the mailbox with every "
            "activation email, the SMS phones and the registers, and log in as anyone.",
            hint="Set SANDBOXES=on (hosted training: each visitor gets an exercise of their own, "
            "README 'Hosting (øvelser)'), or configure real implementations for "
            f"{', '.join(parts)}.",
            id="mitid_portal.E001",
        )
    ]
