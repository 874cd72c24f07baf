"""Shared set-up of the demo public services' tests: the demo world as ``seed_demo`` makes it,
the broker's clients for the demo services included (registered by the broker's seeder from
what the simulated world's seeder planned)."""

from mitid_portal.demo import DemoRun
from mitid_portal.registry import demo_seeders
from organisations import services as organisation_services


def demo_world_with_services() -> DemoRun:
    """Every registered seeder, plan then seed, in the active sandbox (a transactional test
    flushed the catalogue of public services, so it is filled first)."""
    organisation_services.public_services_seed()
    run = DemoRun()
    seeders = demo_seeders()
    for seeder in seeders:
        seeder.run("plan", run)
    for seeder in seeders:
        seeder.run("seed", run)
    return run
