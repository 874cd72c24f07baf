"""The kernel's registries: how the apps above add to what the kernel runs and shows, without the
kernel importing them (docs/architecture.md, "Layers").

Each app registers its entries in its ``AppConfig.ready()``:

- periodic jobs (a django-tasks task and an interval), run once per period across every worker
  by ``mitid_portal.periodic.periodic_tick``;
- the items of the administrators' side menu (*venstremenuen*) and the one provider of "the
  roles of a user" that decides who sees which item;
- the demo seeders that ``manage.py seed_demo`` runs in order (``mitid_portal.demo``).

Callables are given as dotted paths (``"activation.tasks.send_activation_reminders"``) and
resolved when first used: ``ready()`` runs before every module of an app can be imported, and the
kernel names apps by string only, as ``settings.py`` and ``urls.py`` do.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from django.utils.functional import Promise
from django.utils.module_loading import import_string


def _resolve(target: str | Callable) -> Any:
    return import_string(target) if isinstance(target, str) else target


# --- Periodic jobs ----------------------------------------------------------------------------


@dataclass(frozen=True)
class PeriodicJob:
    """A django-tasks task enqueued once every ``interval`` (with ``kwargs``)."""

    name: str
    task_path: str | Callable
    interval: datetime.timedelta
    kwargs: tuple[tuple[str, Any], ...] = ()

    @cached_property
    def task(self) -> Any:
        return _resolve(self.task_path)


_periodic_jobs: dict[str, PeriodicJob] = {}


def periodic_job_register(
    *,
    name: str,
    task: str | Callable,
    interval: datetime.timedelta,
    kwargs: dict[str, Any] | None = None,
) -> PeriodicJob:
    """Run ``task`` every ``interval``; ``name`` is the job's key in the schedule table. A name
    registered twice with another task or interval is a programming error."""
    if interval <= datetime.timedelta(0):
        raise ValueError(f"periodic job {name}: the interval must be positive")
    job = PeriodicJob(
        name=name, task_path=task, interval=interval, kwargs=tuple(sorted((kwargs or {}).items()))
    )
    existing = _periodic_jobs.get(name)
    if existing is not None and existing != job:
        raise ValueError(f"periodic job {name} is already registered differently")
    _periodic_jobs[name] = job
    return job


def periodic_jobs() -> list[PeriodicJob]:
    return list(_periodic_jobs.values())


# --- The side menu ----------------------------------------------------------------------------


@dataclass(frozen=True)
class MenuItem:
    """One item of the administrators' side menu.

    ``roles``: the roles that see it (None: every user of an organisation). ``condition``:
    called as ``condition(organisation_id=…)``, the item shows only while it returns true.
    ``order``: the items are shown by it, lowest first."""

    url_name: str
    label: str | Promise
    order: int
    roles: frozenset[str] | None = None
    condition_path: str | Callable | None = None

    @cached_property
    def condition(self) -> Callable[..., bool] | None:
        return _resolve(self.condition_path) if self.condition_path is not None else None


_menu_items: dict[str, MenuItem] = {}
_user_roles_provider: list[str | Callable] = []


def menu_item_register(
    *,
    url_name: str,
    label: str | Promise,
    order: int,
    roles: set[str] | frozenset[str] | None = None,
    condition: str | Callable | None = None,
) -> MenuItem:
    """Add an item to the side menu (once per URL name)."""
    item = MenuItem(
        url_name=url_name,
        label=label,
        order=order,
        roles=frozenset(roles) if roles is not None else None,
        condition_path=condition,
    )
    _menu_items[url_name] = item
    return item


def menu_items() -> list[MenuItem]:
    return sorted(_menu_items.values(), key=lambda item: item.order)


def user_roles_provider_register(provider: str | Callable) -> None:
    """The one function that says which roles a user holds in their organisation, called as
    ``provider(user=…)`` and returning a set of role names."""
    if _user_roles_provider and _user_roles_provider[0] != provider:
        raise ValueError("a provider of the roles of a user is already registered")
    _user_roles_provider[:] = [provider]


def user_roles(*, user) -> set[str]:
    """The roles ``user`` holds in their organisation, from the registered provider."""
    if not _user_roles_provider:
        raise LookupError("no provider of the roles of a user is registered")
    return set(_resolve(_user_roles_provider[0])(user=user))


# --- Demo seeders -----------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoSeeder:
    """One app's part of the demo world (``seed_demo``), each step called with the command's
    ``mitid_portal.demo.DemoRun``: ``plan`` (in order, always) says what the world holds for the
    seeders after it; ``delete`` (in reverse order, on ``--reset``) removes the app's part;
    ``seed`` (in order) creates what is missing; ``report`` (in order) fills the summary."""

    name: str
    order: int
    seed: str | Callable
    delete: str | Callable | None = None
    plan: str | Callable | None = None
    report: str | Callable | None = None

    def run(self, step: str, demo_run: Any) -> None:
        target = getattr(self, step)
        if target is not None:
            _resolve(target)(demo_run)


_demo_seeders: dict[str, DemoSeeder] = {}


def demo_seeder_register(
    *,
    name: str,
    order: int,
    seed: str | Callable,
    delete: str | Callable | None = None,
    plan: str | Callable | None = None,
    report: str | Callable | None = None,
) -> DemoSeeder:
    """Add an app's part of the demo world; ``order`` decides who goes first."""
    seeder = DemoSeeder(name=name, order=order, seed=seed, delete=delete, plan=plan, report=report)
    _demo_seeders[name] = seeder
    return seeder


def demo_seeders() -> list[DemoSeeder]:
    return sorted(_demo_seeders.values(), key=lambda seeder: seeder.order)


# --- Machine-to-machine endpoints ---------------------------------------------------------------

# A service provider's server or a local IdM calls the token, userinfo and SCIM endpoints with a
# client credential or a bearer token, never with the visitor's exercise cookie. The app that owns
# such a path registers a resolver: given the request, it answers the sandbox of the credential
# (or None for no valid credential), and the sandbox middleware runs the request in it.
_api_paths: dict[str, str | Callable] = {}


def api_path_register(*, prefix: str, resolver: str | Callable) -> None:
    """Requests under ``prefix`` (``"/broker/token/"``) run in the sandbox ``resolver(request)``
    names; a prefix registered twice with another resolver is a programming error."""
    existing = _api_paths.get(prefix)
    if existing is not None and existing != resolver:
        raise ValueError(f"API path {prefix} is already registered differently")
    _api_paths[prefix] = resolver


def api_resolver_for(path: str) -> Callable | None:
    """The sandbox resolver of the machine-to-machine path ``path``, or None for a browser path."""
    for prefix, resolver in _api_paths.items():
        if path.startswith(prefix):
            return _resolve(resolver)
    return None
