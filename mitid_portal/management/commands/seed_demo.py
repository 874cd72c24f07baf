"""``seed_demo [--employees N] [--reset]``: the demo world, idempotent. The kernel runs the seeders
the apps registered (``mitid_portal.registry``, ``mitid_portal.demo``): the simulated outside world
first, then the portal's organisations connected in it."""

import time

from django.core.management.base import CommandError
from django.db import transaction

from mitid_portal.demo import DemoRun, demo_kernel_delete, demo_summary
from mitid_portal.registry import demo_seeders
from mitid_portal.sandbox import SandboxedCommand


class Command(SandboxedCommand):
    help = (
        "Create the demo world (Lægehuset Vestergade and its NemID employees, the dental clinic, "
        "the accountant, an unrelated organisation). Running it again adds nothing."
    )

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument(
            "--employees",
            type=int,
            default=0,
            metavar="N",
            help="Also create Region Testdanmark, connected, with N NemID employees.",
        )
        parser.add_argument(
            "--reset",
            action="store_true",
            help="Delete the demo world (and what the portal holds for it) and create it anew.",
        )

    def handle(self, *args, employees: int, reset: bool, **options):
        if employees < 0:
            raise CommandError("--employees must be 0 or more")
        started = time.monotonic()
        run = DemoRun(employees=employees, reset=reset)
        seeders = demo_seeders()
        with transaction.atomic():
            for seeder in seeders:
                seeder.run("plan", run)
            if reset:
                for seeder in reversed(seeders):
                    seeder.run("delete", run)
                demo_kernel_delete(run)
            for seeder in seeders:
                seeder.run("seed", run)
        if reset:
            run.added = employees
        elapsed = time.monotonic() - started
        for seeder in seeders:
            seeder.run("report", run)
        for line in demo_summary(run, elapsed=elapsed):
            self.stdout.write(line)
