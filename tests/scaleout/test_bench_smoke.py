"""bench/run.py runs every benchmark and prints its one table (tiny sizes: this checks that the
benchmarks work, it measures nothing). Runs in a subprocess on a throwaway SQLite database."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_bench_run_prints_one_table_with_every_figure():
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "REDIS_URL", "TASK_BACKEND", "EMAIL_URL", "MITID_ENV"}
        and not k.startswith("DJANGO_")
    }
    sizes = ["--employees", "60", "--users", "60", "--emails", "60", "--list-users", "30"]
    sizes += ["--sandboxes", "3"]
    result = subprocess.run(
        [sys.executable, "bench/run.py", "--quick", *sizes, "--requests", "64", "--clients", "8"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    out = result.stdout
    for figure in (
        "NemID import of 60",
        "Bulk activation of 60",
        "Email worker, 60 to local SMTP",
        "Brugere list, 10 users",
        "Brugere list, 30 users",
        "Activation link, 8 clients",
        "Sandbox creation, median of 3",
        "Brugere, 1 / 3 / 1 sandboxes",
        "Overblik, 1 / 3 / 1 sandboxes",
    ):
        assert figure in out, (figure, out, result.stderr[-3000:])
    assert "error:" not in out, result.stderr[-3000:]
    assert "queries (10 / N users)" in out and "errors in 64 requests" in out
    assert out.count("figure") == 1  # one table
