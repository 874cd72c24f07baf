"""All benchmarks in one run, one table: ``python bench/run.py [--quick]``.

Runs, in this process and on one database (``DATABASE_URL``, or a throwaway SQLite file under /tmp):
the NemID import and the bulk activation at 50,000 and 200,000 (``bench/import_nemid.py``,
``bench/bulk_activation.py``: each in a child process whose peak RSS is measured, against a raw
insert of the same rows in the same run, and the growth of peak RSS between the sizes), the email
worker's throughput to a local SMTP server against a bare smtplib client
(``bench/email_throughput.py``), every list page (first, last, a search, each sort) at 5,000 and
200,000 users (``bench/list_pages.py``), the streamed CSV exports of 10,000 and 100,000 rows with
their peak RSS (``bench/exports.py``), the activation link under 32 concurrent clients against
gunicorn (``bench/activation_page_load.py``) and the exercises: creating N sandboxes and one
sandbox's pages with 1 and with N of them (``bench/sandboxes.py``), and N users created over the
IdM API (SCIM) by parallel clients against gunicorn (``bench/scim.py``). Prints one table: figure,
value, target, met. Exits 1 when a target is missed. ``--quick`` shrinks every N (a check that
everything runs, not a measurement of the targets, which are stated for the full sizes); each
size can also be given on its own.
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

FULL = {"employees": 50_000, "employees_large": 200_000, "users": 50_000, "users_large": 200_000}
FULL |= {"emails": 5_000, "list_users": 5_000, "list_users_large": 200_000}
FULL |= {"export_users": 15_000, "export_users_large": 150_000}
FULL |= {"requests": 2_000, "clients": 32, "workers": 3, "sandboxes": 1_000, "scim_users": 10_000}
QUICK = {"employees": 2_000, "employees_large": 8_000, "users": 2_000, "users_large": 8_000}
QUICK |= {"emails": 1_000, "list_users": 500, "list_users_large": 5_000}
QUICK |= {"export_users": 1_500, "export_users_large": 15_000}
QUICK |= {"requests": 400, "clients": 32, "workers": 2, "sandboxes": 20, "scim_users": 40}
RSS_GROWTH = 1.25  # peak RSS at the large size / at the small size


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


def _import(table: Table, n: int, log) -> float:
    """One NemID import of ``n`` employees (in a child process); returns its peak RSS in MB."""
    from bench import import_nemid

    text = _run_script(import_nemid, ["--employees", str(n)], log)
    seconds = _number(r"import seconds:\s+([\d.]+)", text)
    raw = _number(r"raw seconds:\s+([\d.]+)", text)
    rss = _number(r"peak RSS MB:\s+([\d.]+)", text)
    full = n == FULL["employees"]
    table.add(f"NemID import of {n:,}", f"{seconds:.2f} s", "< 5 s", seconds < 5 if full else None)
    ratio = _ratio(seconds, raw)
    table.add(
        "  ratio to a raw bulk insert", _x(ratio), "<= 3x", None if ratio is None else ratio <= 3
    )
    table.add("  peak RSS of the importing process", f"{rss:.0f} MB")
    return rss


def _activation(table: Table, n: int, log) -> float:
    """One bulk activation of ``n`` users (in a child process); returns its peak RSS in MB."""
    from bench import bulk_activation

    text = _run_script(bulk_activation, ["--users", str(n)], log)
    seconds = _number(r"users_activation_start:\s+([\d.]+) s", text)
    raw = _number(r"raw bulk insert of the same rows:\s+([\d.]+) s", text)
    rss = _number(r"peak RSS of the activating process:\s+([\d.]+) MB", text)
    full = n == FULL["users"]
    table.add(
        f"Bulk activation of {n:,}", f"{seconds:.2f} s", "< 10 s", seconds < 10 if full else None
    )
    ratio = _ratio(seconds, raw)
    table.add(
        "  ratio to a raw bulk insert", _x(ratio), "<= 3x", None if ratio is None else ratio <= 3
    )
    table.add("  peak RSS of the activating process", f"{rss:.0f} MB")
    return rss


def _two_sizes(table: Table, what: str, run, small: int, large: int) -> None:
    """``run`` at both sizes, then the growth of peak memory between them."""
    rss_small, rss_large = run(small), run(large)
    growth = rss_large / rss_small
    table.add(
        f"  {what}: peak RSS {large:,} / {small:,}",
        f"{growth:.2f}x",
        f"<= {RSS_GROWTH}x",
        growth <= RSS_GROWTH,
    )


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
        "  ratio to a bare smtplib client",
        f"{r['ratio']:.2f}x ({r['raw_per_second']:,.0f} msg/s)",
        f">= {email_throughput.TARGET_RATIO}x",
        r["ratio"] >= email_throughput.TARGET_RATIO,
    )
    table.add(
        "  not sent / duplicates",
        f"{r['not_sent']} / {r['duplicates']}",
        "0 / 0",
        r["not_sent"] == 0 and r["duplicates"] == 0,
    )


def _list_pages(table: Table, small: int, large: int, log) -> None:
    """Every list page (first, last, a search, each sort) at two sizes (bench/list_pages.py)."""
    import random

    from bench import list_pages

    run = random.randrange(100_000, 999_999)
    admins = {
        small: list_pages.build(small, f"98{run}"),
        large: list_pages.build(large, f"99{run}"),
    }
    figures = list_pages.measure(admins, repeat=5)
    log(f"list pages: {figures}")
    for key, (s_time, s_q) in figures[small].items():
        l_time, l_q = figures[large][key]
        ratio = l_time / s_time if s_time else float("inf")
        table.add(
            f"{key[0]}, {key[1]}: {small:,} / {large:,} users",
            f"{s_time * 1000:.0f} / {l_time * 1000:.0f} ms = {ratio:.2f}x, {s_q}/{l_q} queries",
            f"<= {list_pages.TARGET}x, equal",
            ratio <= list_pages.TARGET and s_q == l_q,
        )


def _exports(table: Table, small: int, large: int, url: str, log) -> None:
    from bench import exports

    results = exports.measure(small, large, url)
    log(f"exports: {results}")
    for name, sizes in results.items():
        s, big = sizes[small], sizes[large]
        growth = big["peak_rss_mb"] / s["peak_rss_mb"]
        table.add(
            f"{name} CSV export, {big['rows']:,} rows",
            f"{big['seconds']:.1f} s, peak RSS {big['peak_rss_mb']:.0f} MB",
        )
        table.add(
            f"  peak RSS {big['rows']:,} / {s['rows']:,} rows",
            f"{growth:.2f}x",
            f"<= {exports.TARGET}x",
            growth <= exports.TARGET,
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
            (
                "NemID import",
                lambda: _two_sizes(
                    table,
                    "NemID import",
                    lambda n: _import(table, n, log),
                    sizes["employees"],
                    sizes["employees_large"],
                ),
            ),
            (
                "Bulk activation",
                lambda: _two_sizes(
                    table,
                    "Bulk activation",
                    lambda n: _activation(table, n, log),
                    sizes["users"],
                    sizes["users_large"],
                ),
            ),
            ("Email worker", lambda: _emails(table, sizes["emails"], log)),
            (
                "List pages",
                lambda: _list_pages(table, sizes["list_users"], sizes["list_users_large"], log),
            ),
            (
                "CSV exports",
                lambda: _exports(
                    table, sizes["export_users"], sizes["export_users_large"], url, log
                ),
            ),
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
