"""Progress of a running NemID import, visible to other processes while the import runs.

The import writes its users in one transaction (all-or-nothing), so a counter written inside that
transaction is invisible to the page that polls it. Progress therefore travels outside it:

- while the NemID signatures are read and checked (before the write transaction opens), progress
  goes to ``ImportRun.processed`` in autocommit and to the shared cache;
- while the users are written, progress goes to the shared cache only when the cache is not the
  database cache (Redis, or a per-process cache in tests): the database cache writes through the
  same connection, inside the import's transaction, where nobody else could see it. With the
  database cache the page honestly shows an indeterminate bar ("Gemmer …") for that phase.
"""

from dataclasses import dataclass

from django.core.cache import cache, caches
from django.core.cache.backends.db import DatabaseCache

READING = "reading"
SAVING = "saving"
_TIMEOUT = 60 * 60


def _key(run_id: int) -> str:
    return f"nemid-import-progress:{run_id}"


@dataclass(frozen=True)
class Progress:
    phase: str  # READING or SAVING
    processed: int
    total: int
    live: bool = True  # False: no updates will come during this phase (an indeterminate bar)

    @property
    def percent(self) -> int:
        return int(100 * self.processed / self.total) if self.total else 0


def saving_progress_is_visible() -> bool:
    """Whether a cache write made inside the import's transaction can be seen by others."""
    return not isinstance(caches["default"], DatabaseCache)


def progress_write(*, run_id: int, progress: Progress) -> None:
    cache.set(
        _key(run_id),
        [progress.phase, progress.processed, progress.total, progress.live],
        _TIMEOUT,
    )


def progress_read(*, run_id: int) -> Progress | None:
    value = cache.get(_key(run_id))
    if not value:
        return None
    phase, processed, total, live = value
    return Progress(phase=phase, processed=processed, total=total, live=live)


def progress_clear(*, run_id: int) -> None:
    cache.delete(_key(run_id))
