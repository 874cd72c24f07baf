"""The steps of the two wizards for the DKFDS step indicator (*trinindikator*) and the setup task
list: the connection at NemLog-in (G2.3–G2.7) and the organisation administrator's setup
(G3.5–G3.11). Each step is done, the current one, or still to come; a step to come can be opened
only when every step before it is done."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from organisations import selectors, services
from organisations.models import ConnectionRequest, Organisation

CONNECTION_TITLES = {
    "choose": _("Vælg organisation"),
    "terms": _("Acceptér vilkår"),
    "admin": _("Vælg en organisationsadministrator"),
    "documents": _("Dokumentation"),
    "confirm": _("Bekræft og godkend tilslutning"),
}
SETUP_TITLES = {
    "import": _("Start import fra NemID"),
    "overview": _("Oversigt over importerede medarbejdere/brugere"),
    "means": _("Vælg hvordan brugerne skal logge ind"),
    "policy": _("Vælg om brugerne skal anvende deres private MitID eller have et særskilt MitID"),
    "billing": _("Kontaktinformation til fakturering"),
    "summary": _("Opsummering"),
}
# The setup task list's words for a task's state.
TASK_STATUS = {
    "done": _("Udført"),
    "running": _("I gang"),
    "failed": _("Fejlet"),
    "skipped": _("Sprunget over"),
    "missing": _("Mangler"),
}


def step_indicator(steps: list[dict], current: str) -> dict:
    """``steps``: dicts with ``key``, ``title``, ``url`` and ``done``, in order. Adds the number,
    whether it is the current step, and whether it can be opened (done, current, or the first
    step not done)."""
    first_open = next((i for i, s in enumerate(steps) if not s["done"]), len(steps))
    items = [
        {
            **step,
            "number": i + 1,
            "current": step["key"] == current,
            "available": step["done"] or step["key"] == current or i <= first_open,
        }
        for i, step in enumerate(steps)
    ]
    number = next((item["number"] for item in items if item["current"]), 0)
    return {"items": items, "number": number, "total": len(items)}


def connection_steps(connection: ConnectionRequest | None, current: str) -> dict:
    """The connection wizard's steps; *Dokumentation* only on the manual route (G2.6)."""
    if connection is None:
        keys, done = ["choose", "terms", "admin", "confirm"], {}
    else:
        keys = [
            key
            for key in CONNECTION_TITLES
            if key != "documents" or not connection.is_representative
        ]
        done = {
            "choose": True,
            "terms": bool(connection.terms_accepted_at),
            "admin": bool(connection.admin_choice),
            "documents": "documents" in keys and connection.documents.exists(),
            "confirm": connection.state != ConnectionRequest.State.DRAFT,
        }
    urls = {
        "choose": reverse("organisations:choose"),
        **(
            {
                "terms": reverse("organisations:terms", args=[connection.pk]),
                "admin": reverse("organisations:admin", args=[connection.pk]),
                "documents": reverse("organisations:documents", args=[connection.pk]),
                "confirm": reverse("activation:connect_confirm", args=[connection.pk]),
            }
            if connection is not None
            else {}
        ),
    }
    steps = [
        {
            "key": key,
            "title": CONNECTION_TITLES[key],
            "url": urls.get(key, ""),
            "done": done.get(key, False),
        }
        for key in keys
    ]
    indicator = step_indicator(steps, current)
    if connection is None:  # nothing to open before an organisation is chosen
        for item in indicator["items"]:
            item["available"] = item["current"]
    return indicator


def connection_back_url(indicator: dict) -> str:
    """*Tilbage*: the step before the current one, or '' on the first step."""
    number = indicator["number"]
    return indicator["items"][number - 2]["url"] if number > 1 else ""


def setup_step_url(step: str | None) -> str:
    return (
        reverse("organisations:setup_step", args=[step])
        if step
        else reverse("organisations:setup_done")
    )


def _progress(organisation: Organisation) -> int:
    steps = services.SETUP_STEPS
    return steps.index(organisation.setup_step) if organisation.setup_step else -1


def setup_tasks(organisation: Organisation) -> list[dict]:
    """The setup's tasks with their state. The import's state is the real import's (G3.5–G3.6):
    done, running or failed; a setup that went on without any import shows it skipped."""
    progress = _progress(organisation)
    import_state = selectors.setup_import_state(organisation=organisation)
    tasks = []
    for i, key in enumerate(services.SETUP_STEPS):
        if key == "import":
            status = import_state or ("skipped" if progress >= 0 else "missing")
        else:
            status = "done" if i <= progress else "missing"
        tasks.append(
            {
                "key": key,
                "title": SETUP_TITLES[key],
                "url": setup_step_url(key),
                "status": status,
                "status_label": TASK_STATUS[status],
                "done": status in ("done", "skipped"),
            }
        )
    return tasks


def setup_resume_step(organisation: Organisation) -> str | None:
    """Where the setup goes on: the first step not done; past the import once one has started."""
    step = services.setup_next_step(organisation=organisation)
    if step == "import" and selectors.setup_import_state(organisation=organisation) in (
        "done",
        "running",
    ):
        return "overview"
    return step


def setup_steps(organisation: Organisation, current: str) -> dict:
    tasks = setup_tasks(organisation)
    return step_indicator(
        [{**task, "done": task["done"] or task["status"] == "running"} for task in tasks],
        current,
    )
