"""Real parallel connections on PostgreSQL: each thread opens its own connection and closes it.

SQLite serialises whole write transactions, so these races cannot happen there; the tests skip
with that reason instead of pretending.
"""

import threading
from collections.abc import Callable, Sequence

import pytest
from django.db import connection, connections


@pytest.fixture(autouse=True)
def _postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip(
            "real row locks and concurrent transactions need PostgreSQL "
            "(set DATABASE_URL=postgres://…); SQLite serialises writers"
        )


def run_parallel(target: Callable, args: Sequence[tuple], *, timeout: float = 60) -> list:
    """Run ``target(*a)`` for each ``a`` in its own thread, released together by a barrier;
    returns each call's result or the exception it raised, in order."""
    barrier = threading.Barrier(len(args))
    results: list = [None] * len(args)

    def worker(index: int, call_args: tuple) -> None:
        try:
            barrier.wait(timeout=timeout)
            results[index] = target(*call_args)
        except BaseException as exc:  # noqa: BLE001 - handed back to the test
            results[index] = exc
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=worker, args=(i, a), daemon=True) for i, a in enumerate(args)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
        assert not thread.is_alive(), "a thread hung (deadlock?)"
    return results
