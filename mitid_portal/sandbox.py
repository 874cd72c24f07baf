"""Øvelser (training sandboxes): every row of the portal and of the simulated world belongs to
exactly one sandbox, and a request sees only its own.

A model joins by inheriting ``SandboxedModel``: it gets a ``sandbox`` column whose default is the
active sandbox, and a default manager that filters on it while a sandbox is active. The
``SandboxMiddleware`` activates the visitor's sandbox for the whole request (and for a streamed
response's iteration), so a query of a view, a form's uniqueness check or the login's user lookup
never sees another sandbox's rows: another sandbox's object is a 404. Work outside a request (the
task worker, the periodic jobs, management commands) runs unscoped and activates the sandbox of
the object it works on with ``sandbox_scope`` before it creates rows.

On a laptop (``SANDBOXES`` off) every request runs in the default sandbox (id 1) and nothing else
changes. Hosted (``SANDBOXES`` on), a visitor starts an exercise and gets a sandbox of their own;
the default sandbox then belongs to the operators and is never handed to a visitor.
"""

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.core.management.base import BaseCommand, CommandParser
from django.db import models

DEFAULT_SANDBOX_ID = 1
# The scope of a hosted visitor who has no exercise: matches no row.
NO_SANDBOX_ID = 0

_active: ContextVar[int | None] = ContextVar("mitid_sandbox", default=None)


class NoSandbox(RuntimeError):
    """A row was about to be created for a visitor who has no exercise."""


def sandbox_active() -> int | None:
    """The active sandbox's id; None outside any scope (the worker, commands)."""
    return _active.get()


def sandbox_default() -> int:
    """The ``sandbox`` of a row created now: the active sandbox, or the default sandbox outside
    any scope."""
    sandbox_id = _active.get()
    if sandbox_id is None:
        return DEFAULT_SANDBOX_ID
    if sandbox_id == NO_SANDBOX_ID:
        raise NoSandbox("no exercise is active: start one first")
    return sandbox_id


def sandbox_cache_key(key: str) -> str:
    """``key`` in the active sandbox's part of the shared cache: device serials and persona user
    names repeat in every exercise, so what the cache holds for one must not answer another."""
    sandbox_id = _active.get()
    return f"sandbox-{DEFAULT_SANDBOX_ID if sandbox_id is None else sandbox_id}:{key}"


@contextmanager
def sandbox_scope(sandbox_id: int | None) -> Iterator[None]:
    """Run the block in ``sandbox_id`` (None: unscoped, every sandbox)."""
    token = _active.set(sandbox_id)
    try:
        yield
    finally:
        _active.reset(token)


def sandbox_scoped_iter(iterable: Iterable, sandbox_id: int | None) -> Iterator:
    """``iterable`` advanced inside ``sandbox_id``: a streamed response's chunks are built after
    the view returned, and must see the same rows as the view."""
    iterator = iter(iterable)
    while True:
        with sandbox_scope(sandbox_id):
            try:
                chunk = next(iterator)
            except StopIteration:
                return
        yield chunk


class SandboxedQuerySetMixin:
    """A manager mixin that limits every queryset to the active sandbox."""

    def get_queryset(self):
        queryset = super().get_queryset()
        sandbox_id = _active.get()
        if sandbox_id is None:
            return queryset
        return queryset.filter(sandbox_id=sandbox_id)


class SandboxedManager(SandboxedQuerySetMixin, models.Manager):
    pass


class SandboxedModel(models.Model):
    """A row that belongs to one sandbox. Deleting the sandbox deletes it."""

    sandbox = models.ForeignKey(
        "mitid_portal.Sandbox",
        on_delete=models.CASCADE,
        default=sandbox_default,
        related_name="+",
        editable=False,
    )

    objects = SandboxedManager()

    class Meta:
        abstract = True


class SandboxedCommand(BaseCommand):
    """A management command that works in one sandbox: the default one unless ``--sandbox`` names
    another (``seed_demo``, ``import_nemid``, ``activate_users`` look organisations up by CVR, and
    every exercise has the same CVRs)."""

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--sandbox",
            type=int,
            default=DEFAULT_SANDBOX_ID,
            metavar="ID",
            help=f"the exercise (sandbox) to work in; default {DEFAULT_SANDBOX_ID}, the default one",
        )

    def execute(self, *args, **options):
        with sandbox_scope(options.get("sandbox") or DEFAULT_SANDBOX_ID):
            return super().execute(*args, **options)
