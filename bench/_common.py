"""Shared set-up of the benchmarks (and of the fault and scale-out tests that need the same pieces):
a throwaway database, a free port, a counting local SMTP server, and a child-process environment.

Nothing here imports Django at module level, so the helpers can be used before ``django.setup()``.
"""

import asyncio
import logging
import os
import socket
import sys
import tempfile
import threading
import time
from contextlib import closing
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

THROWAWAY: list[str] = []


def setup_django(database_url: str | None = None, *, migrate: bool = True) -> str:
    """Point Django at ``database_url``, or ``DATABASE_URL``, or a throwaway SQLite file under
    /tmp (removed by :func:`cleanup`), then set it up and migrate. Tasks wait in the database for
    the worker, as in production without Redis. Returns the database URL."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mitid_portal.settings")
    os.environ.setdefault("TASK_BACKEND", "database")
    os.environ.setdefault("DEBUG", "false")
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    elif not os.environ.get("DATABASE_URL"):
        handle, path = tempfile.mkstemp(prefix="mitid-bench-", suffix=".sqlite3", dir="/tmp")
        os.close(handle)
        os.environ["DATABASE_URL"] = f"sqlite:///{path}"
        THROWAWAY.append(path)
    import django

    django.setup()
    if migrate:
        from django.core.management import call_command

        call_command("migrate", verbosity=0, interactive=False)
        call_command("createcachetable", verbosity=0)
    return os.environ["DATABASE_URL"]


def cleanup() -> None:
    for path in THROWAWAY:
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(path + suffix).unlink(missing_ok=True)
    THROWAWAY.clear()


def free_port() -> int:
    with closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def raw_insert_timed(connection, tables: list[tuple[str, str, str, list]]) -> dict[str, float]:
    """The raw insert the heavy-work benchmarks compare against, with its parts timed: one
    ``COPY`` (PostgreSQL) or one ``executemany`` (elsewhere) per table, in one transaction.
    ``tables`` holds (table, INSERT statement with %s, COPY statement, rows in database form).

    Returns the seconds of each table's statement, of the commit (where the deferred foreign-key
    checks of every row run, Django's constraints being DEFERRABLE INITIALLY DEFERRED) under
    "commit", and of the whole under "total"."""
    from django.db import transaction

    parts: dict[str, float] = {}
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        for table, insert_sql, copy_sql, rows in tables:
            begun = time.perf_counter()
            if connection.vendor == "postgresql":
                with cursor.cursor.copy(copy_sql) as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                # The DB-API cursor itself, not Django's wrapper around it.
                cursor.cursor.executemany(insert_sql.replace("%s", "?"), rows)
            parts[table] = time.perf_counter() - begun
        committing = time.perf_counter()
    ended = time.perf_counter()
    parts["commit"] = ended - committing
    parts["total"] = ended - started
    return parts


def raw_parts_line(parts: dict[str, float]) -> str:
    """``raw parts:`` and each part's seconds, for the benchmarks' output."""
    shown = [f"{name} {seconds:.2f} s" for name, seconds in parts.items() if name != "total"]
    return "raw parts:       " + " · ".join(shown) + " (commit: the deferred foreign-key checks)"


def child_env(**overrides: str) -> dict[str, str]:
    """The environment for a child process (gunicorn, a task worker) on the same database."""
    # Not the test process's own switches: its settings module, and the async-safety opt-out the
    # browser tests set for Playwright (check --deploy refuses it, async.E001).
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    env["DJANGO_SETTINGS_MODULE"] = "mitid_portal.settings"
    env["PYTHONUNBUFFERED"] = "1"
    env.update(overrides)
    return env


class CountingSmtpServer:
    """A real SMTP server on 127.0.0.1 (aiosmtpd, in a thread) that only counts what it accepts.

    ``received`` counts every accepted message; ``message_ids`` counts them per Message-ID, so a
    test can tell a duplicate from a message that was merely accepted twice. With ``dedupe`` the
    server behaves like a deduplicating relay would: it still accepts a message whose Message-ID it
    has seen, but ``delivered`` holds each Message-ID once. ``refuse`` makes it answer every
    message with a temporary 4xx refusal until it is cleared.
    """

    def __init__(self, port: int | None = None) -> None:
        from aiosmtpd.controller import Controller

        logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd logs every command
        self.lock = threading.Lock()
        self.received = 0
        self.message_ids: dict[str, int] = {}
        self.refused = 0
        self.refuse = False
        self.delay = 0.0  # seconds before answering each message (a slower server)
        self.peers: set = set()  # one (address, port) per SMTP connection that sent something
        self.port = port or free_port()
        self.controller = Controller(
            self, hostname="127.0.0.1", port=self.port, ready_timeout=10, decode_data=False
        )

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.refuse:
            with self.lock:
                self.refused += 1
            return "451 4.3.0 Midlertidigt ude af drift, prøv igen senere"
        message_id = _message_id(envelope.content)
        with self.lock:
            self.peers.add(session.peer)
            self.received += 1
            self.message_ids[message_id] = self.message_ids.get(message_id, 0) + 1
        return "250 OK"

    @property
    def delivered(self) -> set[str]:
        with self.lock:
            return set(self.message_ids)

    @property
    def duplicates(self) -> int:
        with self.lock:
            return sum(n - 1 for n in self.message_ids.values())

    @property
    def email_url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def start(self) -> "CountingSmtpServer":
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()

    def __enter__(self) -> "CountingSmtpServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


class CountingSmtpServerProcess:
    """The counting SMTP server in a process of its own, as a real mail server is: the worker
    being measured does not share its interpreter (and its GIL) with the server. ``received`` and
    ``duplicates`` are read when it stops."""

    def __init__(self) -> None:
        self.port = free_port()
        self.received = self.duplicates = 0

    def __enter__(self) -> "CountingSmtpServerProcess":
        import multiprocessing

        context = multiprocessing.get_context("fork")
        self._conn, child = context.Pipe()
        self._process = context.Process(
            target=_serve_counting, args=(self.port, child), daemon=True
        )
        self._process.start()
        if not (self._conn.poll(15) and self._conn.recv() == "ready"):
            self._process.kill()
            raise RuntimeError("the SMTP server process did not start")
        return self

    def __exit__(self, *exc) -> None:
        self._conn.send("stop")
        if self._conn.poll(15):
            self.received, self.duplicates = self._conn.recv()
        self._process.join(10)
        if self._process.is_alive():
            self._process.kill()


def _serve_counting(port: int, conn) -> None:
    server = CountingSmtpServer(port=port).start()
    conn.send("ready")
    conn.recv()  # "stop"
    conn.send((server.received, server.duplicates))
    server.stop()


def _message_id(content: bytes) -> str:
    head = content.split(b"\r\n\r\n", 1)[0]
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"message-id:"):
            return line.split(b":", 1)[1].strip().decode("ascii", "replace")
    return ""
