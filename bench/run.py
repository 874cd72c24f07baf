"""All benchmarks in one run, one table: ``python bench/run.py [--quick]``.

Runs, in this process and on one database (``DATABASE_URL``, or a throwaway SQLite file under /tmp):
the NemID import and the bulk activation (``bench/import_nemid.py``, ``bench/bulk_activation.py``,
each against a raw bulk insert of the same rows), the email worker's throughput to a local SMTP
server (``bench/email_throughput.py``), the *Brugere* list for 10 and for N users
(``bench/user_list.py``), the activation link under 32 concurrent clients against gunicorn
(``bench/activation_page_load.py``) and the exercises: creating N sandboxes and one sandbox's
pages with 1 and with N of them (``bench/sandboxes.py``), and N users created over the IdM API
(SCIM) by parallel clients against gunicorn (``bench/scim.py``). Prints one table: figure, value,
target, met. Exits 1 when a target is missed. ``--quick`` shrinks every N (a check that everything runs, not a measurement of
the targets, which are stated for the full sizes); each size can also be given on its own.
"""

import argparse
import contextlib
import io
import re
import sys
import time
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import _common  # noqa: E402

FULL = {"employees": 50_000, "users": 50_000, "emails": 5_000, "list_users": 50_000}
FULL |= {"requests": 2_000, "clients": 32, "workers": 3, "sandboxes": 1_000, "scim_users": 10_000}
QUICK = {"employees": 2_000, "users": 2_000, "emails": 1_000, "list_users": 2_000}
QUICK |= {"requests": 400, "clients": 32, "workers": 2, "sandboxes": 20, "scim_users": 40}


class Table:
    def __init__(self) -> None:
        self.rows: list[tuple[str, str, str, str]] = []
        self.missed = 0

    def add(self, figure: str, value: str, target: str = "", met: bool | None = None) -> None:
        verdict = "" if met is None else ("yes" if met else "NO")
        self.missed += met is False
        self.rows.append((figure, value, target, verdict))

    def print(self) -> None:
        header = ("figure", "value", "target", "met?")
        widths = [max(len(r[i]) for r in [header, *self.rows]) for i in range(4)]
        line = "+".join("-" * (w + 2) for w in widths)
        print(line)
        print(" | ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)))
        print(line)
        for row in self.rows:
            print(" | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)))
        print(line)


def _run_script(module, argv: list[str], log) -> str:
    """Run an existing bench script's main() in this process; return what it printed."""
    out = io.StringIO()
    saved = sys.argv
    sys.argv = [module.__file__, *argv]
    try:
        with contextlib.redirect_stdout(out):
            module.main()
    finally:
        sys.argv = saved
        log(out.getvalue())
    return out.getvalue()


def _number(pattern: str, text: str) -> float:
    match = re.search(pattern, text)
    if not match:
        raise RuntimeError(f"not found in the script's output: {pattern!r}")
    return float(match.group(1))


def _ratio(seconds: float, base: float) -> float | None:
    return seconds / base if base >= 0.01 else None  # the scripts print hundredths


def _x(ratio: float | None) -> str:
    return "n/a (too small)" if ratio is None else f"{ratio:.2f}x"


def _import(table: Table, n: int, log) -> None:
    from bench import import_nemid

    text = _run_script(import_nemid, ["--employees", str(n)], log)
    seconds = _number(r"import seconds:\s+([\d.]+)", text)
    raw = _number(r"raw seconds:\s+([\d.]+)", text)
    full = n >= FULL["employees"]
    table.add(f"NemID import of {n:,}", f"{seconds:.2f} s", "< 5 s", seconds < 5 if full else None)
    floor = _number(r"floor seconds:\s+([\d.]+)", text)
    ratio = _ratio(seconds, raw)
    table.add(
        "  ratio to a raw bulk insert", _x(ratio), "< 3x", None if ratio is None else ratio < 3
    )
    table.add("  ratio to a bare BulkInserter floor", _x(_ratio(seconds, floor)))


def _activation(table: Table, n: int, log) -> None:
    from bench import bulk_activation

    text = _run_script(bulk_activation, ["--users", str(n)], log)
    seconds = _number(r"users_activation_start:\s+([\d.]+) s", text)
    raw = _number(r"raw bulk insert of the same rows:\s+([\d.]+) s", text)
    full = n >= FULL["users"]
    table.add(
        f"Bulk activation of {n:,}", f"{seconds:.2f} s", "< 10 s", seconds < 10 if full else None
    )
    table.add("  ratio to a raw bulk insert", _x(_ratio(seconds, raw)))


def _emails(table: Table, n: int, log) -> None:
    from bench import email_throughput

    r = email_throughput.measure(n)
    log(f"email throughput: {r}")
    table.add(
        f"Email worker, {n:,} to local SMTP",
        f"{r['per_second']:,.0f} msg/s",
        f">= {email_throughput.TARGET}/s",
        r["per_second"] >= email_throughput.TARGET,
    )
    table.add(
        "  not sent / duplicates",
        f"{r['not_sent']} / {r['duplicates']}",
        "0 / 0",
        r["not_sent"] == 0 and r["duplicates"] == 0,
    )


def _user_list(table: Table, n: int, log) -> None:
    from bench import user_list

    r = user_list.measure(n)
    log(f"user list: {r}")
    small, large = r["small"], r["large"]
    table.add(f"Brugere list, {small['users']} users", f"{small['seconds'] * 1000:.1f} ms")
    table.add(f"Brugere list, {large['users']:,} users", f"{large['seconds'] * 1000:.1f} ms")
    table.add(
        "  queries (10 / N users)",
        f"{small['queries']} / {large['queries']}",
        "equal",
        small["queries"] == large["queries"] and large["status"] == 200,
    )


def _page_load(table: Table, sizes: dict, log) -> None:
    from bench import activation_page_load

    r = activation_page_load.measure(sizes["requests"], sizes["clients"], sizes["workers"])
    log(f"activation page: {r}")
    table.add(
        f"Activation link, {r['clients']} clients, gunicorn -w {r['workers']}",
        f"{r['per_second']:,.0f} req/s",
    )
    table.add(f"  errors in {r['requests']:,} requests", str(r["errors"]), "0", r["errors"] == 0)


def _sandboxes(table: Table, n: int, log) -> None:
    from bench import sandboxes

    r = sandboxes.measure(n, repeat=sandboxes.REPEAT if n >= FULL["sandboxes"] else 5)
    log(f"sandboxes: {r}")
    table.add(
        f"Sandbox creation, median of {r['created']:,}",
        f"{r['create_median'] * 1000:.0f} ms",
        "< 1 s",
        r["create_median"] < 1,
    )
    table.add(f"  {r['created']:,} sandboxes created one by one", f"{r['create_total']:.1f} s")
    table.add(
        f"  {r['created'] - 1:,} deleted one by one (expiry)",
        f"{r['delete_total']:.1f} s, median {r['delete_median'] * 1000:.0f} ms",
    )
    one, many = r["sandboxes_one"], r["sandboxes"]
    for page, queries, ms, ratio, ok in sandboxes.rows(r):
        table.add(
            f"  {page}, {one} / {many:,} / {one} sandboxes",
            f"{queries} queries, {ms} ms ({ratio})",
            "same queries",
            ok,
        )


def _scim(table: Table, sizes: dict, log) -> None:
    from bench import scim

    r = scim.measure(sizes["scim_users"], clients=8, workers=sizes["workers"])
    log(f"scim: {r}")
    table.add(
        f"SCIM: {r['users']:,} users created, {r['clients']} parallel clients",
        f"{r['seconds']:.1f} s, {r['per_second']:,.1f} req/s",
    )
    table.add(
        "  errors / users listed after",
        f"{r['errors']} / {r['listed']:,}",
        f"0 / {r['users']:,}",
        r["errors"] == 0 and r["listed"] == r["users"],
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, a minute or less")
    for name in FULL:
        parser.add_argument(f"--{name.replace('_', '-')}", type=int, default=None)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--verbose", action="store_true", help="each script's own output")
    args = parser.parse_args(argv)
    sizes = dict(QUICK if args.quick else FULL)
    sizes |= {k: getattr(args, k) for k in FULL if getattr(args, k) is not None}

    def log(text: str) -> None:
        if args.verbose and text:
            print(text.rstrip(), file=sys.stderr)

    table = Table()
    started = time.perf_counter()
    try:
        url = _common.setup_django(args.database_url)
        from django.db import connection

        title = f"mitid-portal benchmarks on {connection.vendor}"
        for step, run in (
            ("NemID import", lambda: _import(table, sizes["employees"], log)),
            ("Bulk activation", lambda: _activation(table, sizes["users"], log)),
            ("Email worker", lambda: _emails(table, sizes["emails"], log)),
            ("Brugere list", lambda: _user_list(table, sizes["list_users"], log)),
            ("Activation link", lambda: _page_load(table, sizes, log)),
            ("Sandboxes", lambda: _sandboxes(table, sizes["sandboxes"], log)),
            ("SCIM", lambda: _scim(table, sizes, log)),
        ):
            try:
                run()
            except Exception as exc:  # one broken benchmark must not hide the others
                traceback.print_exc(file=sys.stderr)
                table.add(step, f"error: {type(exc).__name__}", "runs", False)
    finally:
        _common.cleanup()
    print(f"{title} ({url.split('@')[-1]}){' — quick sizes' if args.quick else ''}")
    table.print()
    print(f"{time.perf_counter() - started:.0f} s in all; targets missed: {table.missed}")
    return 1 if table.missed else 0


if __name__ == "__main__":
    raise SystemExit(main())
