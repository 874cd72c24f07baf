"""Live processes for the fault and scale-out tests: a scratch database of the same kind as the
suite's (SQLite file, or a fresh PostgreSQL database), ``manage.py`` children on it, direct SQL to
look at the result, and stopping that always happens (the callers use ``finally``)."""

import contextlib
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from bench._common import ROOT, child_env

TIMEOUT = 120  # seconds: the longest any one child may take


def postgres_url() -> str | None:
    url = os.environ.get("DATABASE_URL", "")
    return url if url.startswith(("postgres://", "postgresql://")) else None


@contextlib.contextmanager
def scratch_database() -> Iterator[str]:
    """A migrated database for child processes, removed afterwards: a fresh database on the same
    PostgreSQL server when DATABASE_URL names one, otherwise a SQLite file under /tmp."""
    base = postgres_url()
    if base:
        import psycopg

        name = f"mitid_live_{uuid.uuid4().hex[:12]}"
        parts = urlsplit(base)
        admin = urlunsplit(parts._replace(path="/postgres"))
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        url = urlunsplit(parts._replace(path=f"/{name}"))
        try:
            migrate(url)
            yield url
        finally:
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    else:
        handle, path = tempfile.mkstemp(prefix="mitid-live-", suffix=".sqlite3", dir="/tmp")
        os.close(handle)
        try:
            url = f"sqlite:///{path}"
            migrate(url)
            yield url
        finally:
            for suffix in ("", "-wal", "-shm"):
                Path(path + suffix).unlink(missing_ok=True)


def env_for(url: str, **overrides: str) -> dict[str, str]:
    """A child's environment on ``url``: the portal's own settings (not the suite's), tasks in
    the database unless told otherwise, no Redis unless told otherwise."""
    env = child_env(
        DATABASE_URL=url, MITID_ENV="development", DEBUG="false", TASK_BACKEND="database"
    )
    for key in ("REDIS_URL", "EMAIL_URL"):
        env.pop(key, None)
    env.update(overrides)
    return env


def manage(url: str, *args: str, check: bool = True, **env: str) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env_for(url, **env),
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
    if check and result.returncode != 0:
        raise AssertionError(f"manage.py {args[0]} failed:\n{result.stdout}\n{result.stderr}")
    return result


def migrate(url: str) -> None:
    manage(url, "migrate", "--noinput", "-v0")
    manage(url, "createcachetable")


def start(url: str, *args: str, log: Path | None = None, **env: str) -> subprocess.Popen:
    """``manage.py *args`` in the background; its output goes to ``log`` (or nowhere)."""
    out = open(log, "wb") if log else subprocess.DEVNULL  # noqa: SIM115 (closed by the child)
    try:
        return subprocess.Popen(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=env_for(url, **env),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    finally:
        if log:
            out.close()


def stop(process: subprocess.Popen, *, kill: bool = False) -> None:
    """SIGTERM (or SIGKILL) to the child's own process group, then wait, bounded."""
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL if kill else signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=15)


def sql(url: str, query: str, params: tuple = ()) -> list[tuple]:
    """Read (or change) the scratch database directly (``%s`` placeholders); commits."""
    if url.startswith("sqlite:///"):
        with contextlib.closing(sqlite3.connect(url.removeprefix("sqlite:///"), timeout=20)) as c:
            rows = c.execute(query.replace("%s", "?"), params).fetchall()
            c.commit()
            return rows
    import psycopg

    with psycopg.connect(url) as conn:  # commits on leaving the block
        cursor = conn.execute(query, params)
        return cursor.fetchall() if cursor.description else []


def wait_for(condition, *, timeout: float, what: str, interval: float = 0.05) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")
