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
    sizes = ["--employees", "60", "--employees-large", "120", "--users", "60"]
    sizes += ["--users-large", "120", "--emails", "60", "--list-users", "30"]
    sizes += ["--list-users-large", "60", "--export-users", "30", "--export-users-large", "60"]
    sizes += ["--sandboxes", "3"]
    result = subprocess.run(
        [sys.executable, "bench/run.py", "--quick", *sizes, "--requests", "64", "--clients", "8"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        # A guard against a hang, not a time limit: alone it takes 50-90 s, and beside the rest
        # of the suite on a slow two-core machine it passed 120 s (CI run of 420ac19).
        timeout=600,
    )
    out = result.stdout
    for figure in (
        "NemID import of 60",
        "NemID import of 120",
        "NemID import: peak RSS 120 / 60",
        "Bulk activation of 60",
        "Bulk activation of 120",
        "Bulk activation: peak RSS 120 / 60",
        "Email worker, 60 to local SMTP",
        "ratio to a bare smtplib client",
        "Brugere, first page: 30 / 60 users",
        "Afventer, search Mette: 30 / 60 users",
        "Brugere CSV export, ",
        "Activation link, 8 clients",
        "Sandbox creation, median of 3",
        "Brugere, 1 / 3 / 1 sandboxes",
        "Overblik, 1 / 3 / 1 sandboxes",
    ):
        assert figure in out, (figure, out, result.stderr[-3000:])
    assert "error:" not in out, result.stderr[-3000:]
    assert "errors in 64 requests" in out
    assert out.count("figure") == 1  # one table
