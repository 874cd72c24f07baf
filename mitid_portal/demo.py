"""The demo world of ``manage.py seed_demo``: what its seeders tell one another.

The seeders are registered by the apps (``mitid_portal.registry.demo_seeder_register``) and share
one ``DemoRun``. The simulated outside world (``simulators.demo``) creates the registers, the
private MitID accounts, the NemID signatures and says in ``plan`` which of its organisations are
already connected to MitID Erhverv and by whom (``DemoConnection``); the portal's seeder
(``activation.demo``) creates those organisations, their administrators and users from that,
knowing nothing of the simulators. Every seeder is idempotent, and ``--reset`` deletes every
seeder's part (last seeder first) before seeding again.
"""

import datetime
from dataclasses import dataclass, field

from django.db.models import Q

from mitid_portal.models import AuditEvent, OutboundEmail


@dataclass(frozen=True)
class DemoMember:
    """A person of the demo world who is a MitID Erhverv user of a connected organisation."""

    first_name: str
    last_name: str
    birth_date: datetime.date
    cpr: str
    email: str = ""
    phone: str = ""
    rid: str = ""  # the RID of their NemID signature, when they had one

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


@dataclass(frozen=True)
class DemoConnection:
    """An organisation of the demo world already connected to MitID Erhverv and set up by its
    organisation administrator, with further users."""

    cvr: str
    name: str
    is_public: bool
    admin: DemoMember
    users: tuple[DemoMember, ...] = ()


@dataclass(frozen=True)
class DemoOrganisationCount:
    """One organisation's line of the summary: its NemID signatures and rights."""

    cvr: str
    name: str
    nemid_employees: int
    nemid_rights: int
    optional: bool = False  # left out of the summary while it has no signatures


@dataclass(frozen=True)
class DemoServiceProvider:
    """A public service of the simulated world that employees log in to through the login broker
    (an OpenID Connect relying party): the simulators' seeder says in ``plan`` what it needs, the
    broker's seeder registers it as a client."""

    name: str
    public_service_code: str  # organisations.PublicService.code: the right it asks about
    client_id: str
    client_secret: str
    redirect_uris: tuple[str, ...]  # paths on this server ("/simulator/tjenester/fmk/retur/")
    post_logout_redirect_uris: tuple[str, ...] = ()


@dataclass
class DemoRun:
    """One run of ``seed_demo``: the options, and what the seeders fill in for each other."""

    employees: int = 0
    reset: bool = False
    # plan: every CVR of the demo world this run covers, and the organisations already connected.
    cvrs: list[str] = field(default_factory=list)
    connections: list[DemoConnection] = field(default_factory=list)
    service_providers: list[DemoServiceProvider] = field(default_factory=list)
    # delete: the addresses and phones whose mails, queued emails and text messages go too.
    forget_emails: set[str] = field(default_factory=set)
    forget_email_domains: set[str] = field(default_factory=set)
    forget_phones: set[str] = field(default_factory=set)
    # seed and report: for the summary.
    added: int = 0
    registers: str = ""
    organisations: list[DemoOrganisationCount] = field(default_factory=list)
    connected_users: dict[str, int] = field(default_factory=dict)  # CVR -> users in the portal
    portal: str = ""
    personas: list[dict[str, str]] = field(default_factory=list)
    # Personas shown only while their organisation (by CVR) is connected.
    personas_if_connected: list[tuple[str, dict[str, str]]] = field(default_factory=list)

    @property
    def include_large(self) -> bool:
        return self.employees > 0


def demo_kernel_delete(run: DemoRun) -> None:
    """The kernel's part of a reset, after every seeder's: the queued emails to the demo's
    addresses and the audit events of its organisations."""
    lowered = {email.lower() for email in run.forget_emails}
    outbox = Q(to__in=run.forget_emails) | Q(to__in=lowered)
    for domain in run.forget_email_domains:
        outbox |= Q(to__iendswith=f"@{domain}")
    OutboundEmail.objects.filter(outbox).delete()
    AuditEvent.objects.filter(cvr__in=run.cvrs).delete()


def demo_summary(run: DemoRun, *, elapsed: float) -> list[str]:
    """The lines ``seed_demo`` prints: the registers, each organisation, the portal, the
    personas. Never a CPR number."""
    lines = [
        ("Demoverdenen er nulstillet" if run.reset else "Demoverdenen er klar")
        + f" ({elapsed:.1f} s)",
        run.registers,
    ]
    large_name = ""
    for org in run.organisations:
        if org.optional:
            large_name = org.name
            if not org.nemid_employees:
                continue
        portal = (
            f"tilsluttet, {run.connected_users[org.cvr]} brugere"
            if org.cvr in run.connected_users
            else "ikke tilsluttet MitID Erhverv"
        )
        lines.append(
            f"  {org.name} (CVR {org.cvr}): {org.nemid_employees} NemID-medarbejdere, "
            f"{org.nemid_rights} rettigheder; {portal}"
        )
    if run.employees:
        lines.append(f"  Tilføjet til {large_name}: {run.added} NemID-medarbejdere")
    lines += [
        run.portal,
        "",
        "Personaer (log ind med privat MitID-bruger-ID og godkend i den simulerede app):",
    ]
    personas = list(run.personas) + [
        persona for cvr, persona in run.personas_if_connected if cvr in run.connected_users
    ]
    width = max(len(persona["username"]) for persona in personas)
    lines += [
        f"  {persona['username']:<{width}}  {persona['name']} – {persona['role']}"
        for persona in personas
    ]
    return lines
