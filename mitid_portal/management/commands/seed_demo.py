"""``seed_demo [--employees N] [--reset]``: the demo world, idempotent (see ``simulators.demo``)."""

import time

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from organisations.models import Organisation, RoleGrant
from simulators import demo
from simulators.mitid.models import Device, MitIDAccount
from simulators.nemid.models import NemIDEmployee, NemIDRight
from simulators.registers.models import Company, Person
from users.models import User


class Command(BaseCommand):
    help = (
        "Create the demo world (Lægehuset Vestergade and its NemID employees, the dental clinic, "
        "the accountant, an unrelated organisation). Running it again adds nothing."
    )

    def add_arguments(self, parser):
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
        with transaction.atomic():
            if reset:
                demo.demo_world_reset(large_employees=employees)
                added = employees
            else:
                demo.demo_world_seed()
                added = demo.demo_large_organisation_seed(employees=employees) if employees else 0
        elapsed = time.monotonic() - started
        self._summary(employees=employees, added=added, reset=reset, elapsed=elapsed)

    def _summary(self, *, employees: int, added: int, reset: bool, elapsed: float) -> None:
        out = self.stdout.write
        out(
            ("Demoverdenen er nulstillet" if reset else "Demoverdenen er klar")
            + f" ({elapsed:.1f} s)"
        )
        out(
            f"  CPR-registret: {Person.objects.count()} personer; "
            f"CVR-registret: {Company.objects.count()} virksomheder; "
            f"private MitID: {MitIDAccount.objects.count()} "
            f"med {Device.objects.count()} identifikationsmidler"
        )
        for org in (*demo.ORGANISATIONS, demo.LARGE):
            count = NemIDEmployee.objects.filter(cvr=org.cvr).count()
            if org is demo.LARGE and not count:
                continue
            rights = NemIDRight.objects.filter(employee__cvr=org.cvr).count()
            organisation = Organisation.objects.filter(cvr=org.cvr).first()
            portal = (
                f"tilsluttet, {organisation.users.count()} brugere"
                if organisation
                else "ikke tilsluttet MitID Erhverv"
            )
            out(
                f"  {org.name} (CVR {org.cvr}): {count} NemID-medarbejdere, "
                f"{rights} rettigheder; {portal}"
            )
        if employees:
            out(f"  Tilføjet til {demo.LARGE.name}: {added} NemID-medarbejdere")
        out(
            f"  MitID Erhverv: {Organisation.objects.count()} organisationer, "
            f"{User.objects.filter(organisation__isnull=False).count()} brugere, "
            f"{RoleGrant.objects.count()} roller"
        )
        out("")
        out("Personaer (log ind med privat MitID-bruger-ID og godkend i den simulerede app):")
        personas = list(demo.PERSONAS)
        if Organisation.objects.filter(cvr=demo.LARGE.cvr).exists():
            personas.append(demo.LARGE_PERSONA)
        width = max(len(persona["username"]) for persona in personas)
        for persona in personas:
            out(f"  {persona['username']:<{width}}  {persona['name']} – {persona['role']}")
