"""The demo world (``seed_demo``): fictitious people and organisations to rehearse the guide on.

A general practice, *Lægehuset Vestergade I/S*, not yet connected to MitID Erhverv, whose owner may
also act for a dental clinic (so the "choose the organisation" step, G2.3, appears); its old NemID
employee signatures carry exactly the problems of the guide's step 1 (G1.2–G1.6); an accountant who
is not an employee and can be appointed organisation administrator (G2.5); and a second, unrelated
organisation, already connected, whose administrator must never see the practice's data.

``demo_large_organisation_seed`` adds an organisation with N NemID employees for the import and
activation benchmarks. Every function here is idempotent: natural keys (CPR hash, CVR, RID, user
name) decide whether a row already exists, and an existing row is left as it is, so running the
seed again never undoes what a trainee has done; ``demo_delete`` removes the simulated world for
``seed_demo --reset``.

This module seeds only the simulated outside world and imports only the kernel. Which of its
organisations are already connected to MitID Erhverv, and by whom, it says to the portal's seeder
(``activation.demo``) through the kernel's ``mitid_portal.demo.DemoRun`` (``demo_plan``); the
seeders are registered in ``simulators.registers.apps``.

All CPR numbers are fictitious; they are built from a birth date and four digits and are never
printed (see ``mask_cpr``).
"""

import datetime
import itertools
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from mitid_portal import crypto
from mitid_portal.demo import (
    DemoConnection,
    DemoMember,
    DemoOrganisationCount,
    DemoRun,
    DemoServiceProvider,
)
from mitid_portal.sandbox import sandbox_default
from simulators.mailbox.models import MailMessage
from simulators.mitid.models import Device, MitIDAccount
from simulators.mitid.services import device_new
from simulators.nemid.models import NemIDAccessRefusal, NemIDChange, NemIDEmployee, NemIDRight
from simulators.publicservices.oidc import callback_path, logged_out_path
from simulators.publicservices.selectors import demo_service_get, demo_service_secret
from simulators.publicservices.services import demo_service_create, demo_services_delete
from simulators.registers.models import Company, ManagementRepresentative, Person
from simulators.sms.models import SmsMessage

# Valid CVR numbers (modulus 11, checked by python-stdnum in the tests), fictitious companies.
PRACTICE_CVR = "29183740"
DENTAL_CVR = "36472928"
OTHER_CVR = "41857323"
LARGE_CVR = "29104573"

# The public services a NemID signature can hold rights to (the right hangs on the RID).
SERVICES: dict[str, str] = {
    "fmk": "FMK – Fælles Medicinkort",
    "nemrefusion": "NemRefusion",
    "digital_post": "Digital Post til virksomheder",
    "sundhedsjournal": "Sundhedsjournalen (sundhed.dk)",
    "barsel": "barsel.dk",
    "skat": "TastSelv Erhverv (Skat)",
    "tinglysning": "Tinglysning",
    "sor": "Sundhedsvæsenets Organisationsregister (SOR)",
}


@dataclass(frozen=True)
class DemoPerson:
    """A person in the CPR register with a private MitID (an app, and maybe a kodeviser)."""

    key: str
    first_name: str
    last_name: str
    birth_date: datetime.date
    # The last four digits of the fictitious CPR; a first digit of 0-3 puts the year in the 1900s.
    serial: str
    username: str
    email: str = ""
    phone: str = ""
    kodeviser: bool = False

    @property
    def cpr(self) -> str:
        return self.birth_date.strftime("%d%m%y") + self.serial

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


class CprLink:
    REGISTER = "register"  # the person's own CPR, known to the CPR register
    MISSING = "missing"  # no CPR link, only a birth date (G1.4)
    WRONG = "wrong"  # a valid-format CPR the CPR register does not know (G1.4)


@dataclass(frozen=True)
class DemoSignature:
    """One old NemID medarbejdersignatur; ``problem`` says in Danish what the owner must fix."""

    person: str
    rid: str
    email: str
    rights: tuple[str, ...] = ()
    is_nemid_admin: bool = False
    # The name as written in NemID, when it differs from the CPR register (G1.5).
    first_name: str = ""
    last_name: str = ""
    cpr_link: str = CprLink.REGISTER
    last_used_days_ago: int = 3
    status: str = NemIDEmployee.Status.ACTIVE
    problem: str = ""


@dataclass(frozen=True)
class DemoOrganisation:
    cvr: str
    name: str
    legal_form: str
    address: str
    is_public: bool = False
    representatives: tuple[tuple[str, str], ...] = ()  # (person key, ManagementRepresentative.Role)
    signatures: tuple[DemoSignature, ...] = ()
    connected: bool = False
    admin: str = ""  # person key of the organisation administrator, when connected
    users: tuple[str, ...] = field(default=())  # person keys of further MitID Erhverv users


def _d(year: int, month: int, day: int) -> datetime.date:
    return datetime.date(year, month, day)


PEOPLE: tuple[DemoPerson, ...] = (
    # Lægehuset Vestergade I/S
    DemoPerson(
        "owner",
        "Hanne",
        "Vestergaard",
        _d(1968, 3, 14),
        "1046",
        "hanne.vestergaard",
        "hanne.vestergaard@laegehuset-vestergade.dk",
        "+4520114682",
        kodeviser=True,
    ),
    DemoPerson(
        "soeren",
        "Søren",
        "Bech",
        _d(1971, 9, 2),
        "1183",
        "soeren.bech",
        "soeren.bech@laegehuset-vestergade.dk",
        "+4520338190",
    ),
    DemoPerson(
        "lise",
        "Lise",
        "Kristensen",
        _d(1979, 11, 23),
        "2208",
        "lise.kristensen",
        "lise.kristensen@laegehuset-vestergade.dk",
        "+4522417730",
    ),
    DemoPerson(
        "maria",
        "Maria",
        "Jensen",
        _d(1985, 5, 7),
        "2124",
        "maria.jensen",
        "maria.jensen@laegehuset-vestergade.dk",
        "+4526551042",
    ),
    DemoPerson(
        "anders",
        "Anders",
        "Thomsen",
        _d(1990, 1, 30),
        "1337",
        "anders.thomsen",
        "anders.thomsen@laegehuset-vestergade.dk",
        "+4530126694",
    ),
    DemoPerson(
        "kim",
        "Kim Møller",
        "Andersen",
        _d(1976, 6, 18),
        "1451",
        "kim.andersen",
        "kim.andersen@laegehuset-vestergade.dk",
        "+4531207718",
    ),
    DemoPerson(
        "camilla",
        "Camilla",
        "Østergaard",
        _d(1988, 8, 9),
        "2062",
        "camilla.oestergaard",
        "camilla.oestergaard@laegehuset-vestergade.dk",
        "+4540312275",
    ),
    DemoPerson(
        "birthe",
        "Birthe",
        "Nørgaard",
        _d(1962, 2, 26),
        "1208",
        "birthe.noergaard",
        "birthe.noergaard@laegehuset-vestergade.dk",
        "+4541229031",
    ),
    DemoPerson(
        "jonas",
        "Jonas",
        "Dahl",
        _d(1993, 4, 11),
        "1587",
        "jonas.dahl",
        "jonas.dahl@laegehuset-vestergade.dk",
        "+4542183360",
    ),
    DemoPerson(
        "rasmus",
        "Rasmus",
        "Poulsen",
        _d(1982, 12, 3),
        "1395",
        "rasmus.poulsen",
        "rasmus.poulsen@laegehuset-vestergade.dk",
        "+4551097724",
    ),
    DemoPerson(
        "anne",
        "Anne",
        "Mortensen",
        _d(1974, 10, 15),
        "2286",
        "anne.mortensen",
        "anne.mortensen@laegehuset-vestergade.dk",
        "+4552280417",
    ),
    DemoPerson(
        "mette",
        "Mette",
        "Kjær",
        _d(1981, 7, 21),
        "2140",
        "mette.kjaer",
        "mette.kjaer@laegehuset-vestergade.dk",
        "+4553316652",
    ),
    DemoPerson(
        "bent",
        "Bent",
        "Holm",
        _d(1958, 1, 5),
        "1019",
        "bent.holm",
        "bent.holm@laegehuset-vestergade.dk",
        "+4560142283",
    ),
    DemoPerson(
        "tove",
        "Tove",
        "Jakobsen",
        _d(1955, 9, 28),
        "2002",
        "tove.jakobsen",
        "tove.jakobsen@laegehuset-vestergade.dk",
        "+4561170038",
    ),
    # The practice's accountant: not an employee; can be appointed organisation administrator.
    DemoPerson(
        "accountant",
        "Jesper",
        "Lund",
        _d(1966, 4, 19),
        "1113",
        "jesper.lund",
        "jesper.lund@lund-revision.dk",
        "+4528904417",
        kodeviser=True,
    ),
    # Fysioterapien Kongensgade ApS: another organisation, already on MitID Erhverv.
    DemoPerson(
        "other_admin",
        "Lone",
        "Friis",
        _d(1977, 3, 8),
        "2314",
        "lone.friis",
        "lone.friis@fysio-kongensgade.dk",
        "+4571204456",
    ),
    DemoPerson(
        "other_martin",
        "Martin",
        "Holst",
        _d(1986, 11, 12),
        "1279",
        "martin.holst",
        "martin.holst@fysio-kongensgade.dk",
        "+4571338821",
    ),
    DemoPerson(
        "other_sofie",
        "Sofie",
        "Lauridsen",
        _d(1994, 2, 17),
        "2192",
        "sofie.lauridsen",
        "sofie.lauridsen@fysio-kongensgade.dk",
        "+4571442290",
    ),
    DemoPerson(
        "other_ida",
        "Ida",
        "Kjeldsen",
        _d(1991, 6, 24),
        "2050",
        "ida.kjeldsen",
        "ida.kjeldsen@fysio-kongensgade.dk",
        "+4571559013",
    ),
)

# The organisation administrator of the large organisation of ``--employees N``.
LARGE_ADMIN = DemoPerson(
    "large_admin",
    "Birgitte",
    "Skov",
    _d(1970, 10, 1),
    "2471",
    "birgitte.skov",
    "birgitte.skov@regiontestdanmark.dk",
    "+4572100200",
    kodeviser=True,
)

_PERSON = {person.key: person for person in (*PEOPLE, LARGE_ADMIN)}

# Jonas Dahl's CPR link in NemID has the last two digits swapped: valid in form, unknown to the
# register. His health card (the CPR register) has the right one.
_WRONG_CPR = {"jonas": _PERSON["jonas"].cpr[:8] + _PERSON["jonas"].cpr[9] + _PERSON["jonas"].cpr[8]}

PRACTICE = DemoOrganisation(
    cvr=PRACTICE_CVR,
    name="Lægehuset Vestergade I/S",
    legal_form="Interessentskab",
    address="Vestergade 12, 8000 Aarhus C",
    representatives=(("owner", ManagementRepresentative.Role.OWNER),),
    signatures=(
        DemoSignature(
            "owner",
            "38416201",
            "hanne.vestergaard@laegehuset-vestergade.dk",
            ("fmk", "sundhedsjournal", "nemrefusion", "sor"),
            is_nemid_admin=True,
        ),
        DemoSignature(
            "soeren",
            "38416202",
            "soeren.bech@laegehuset-vestergade.dk",
            ("fmk", "sundhedsjournal", "digital_post"),
            is_nemid_admin=True,
        ),
        DemoSignature(
            "lise",
            "38416203",
            "lise.kristensen@laegehuset-vestergade.dk",
            ("digital_post", "nemrefusion", "barsel", "skat"),
        ),
        DemoSignature(
            "maria",
            "38416204",
            "maria.jensen@laegehuset-vestergade.dk",
            ("digital_post", "nemrefusion"),
        ),
        DemoSignature(
            "anders",
            "38416205",
            "anders.thomsen@laegehuset-vestergade.dk",
            ("fmk", "sundhedsjournal"),
        ),
        DemoSignature(
            "kim",
            "38416206",
            "kim.andersen@laegehuset-vestergade.dk",
            ("fmk",),
            first_name="Kim",
            last_name="Andersen",
            problem="Navnet i NemID (Kim Andersen) afviger fra sundhedskortet (Kim Møller Andersen)",
        ),
        DemoSignature(
            "camilla",
            "38416207",
            "",
            ("fmk", "sundhedsjournal"),
            problem="Mangler e-mail",
        ),
        DemoSignature(
            "birthe",
            "38416208",
            "birthe.noergaard@laegehuset-vestergade.dk",
            ("digital_post", "barsel"),
            cpr_link=CprLink.MISSING,
            problem="Mangler CPR-tilknytning – kun fødselsdato",
        ),
        DemoSignature(
            "jonas",
            "38416209",
            "jonas.dahl@laegehuset-vestergade.dk",
            ("fmk",),
            cpr_link=CprLink.WRONG,
            problem="CPR-nummeret i NemID har byttet om på de sidste to cifre (findes ikke)",
        ),
        DemoSignature(
            "rasmus",
            "",
            "rasmus.poulsen@laegehuset-vestergade.dk",
            ("nemrefusion",),
            problem="Mangler RID-nummer",
        ),
        DemoSignature(
            "anne",
            "38416211",
            "anne.mortensen@laegehuset-vestergade.dk",
            ("fmk", "sundhedsjournal"),
            problem="Har to medarbejdersignaturer (denne er den nye)",
        ),
        DemoSignature(
            "anne",
            "38416191",
            "anne.mortensen@laegehuset-vestergade.dk",
            ("fmk",),
            last_used_days_ago=240,
            problem="Har to medarbejdersignaturer (denne er den gamle, der skal slettes)",
        ),
        DemoSignature(
            "mette",
            "38416212",
            "mette.kjaer@laegehuset-vestergade.dk",
            ("digital_post", "nemrefusion"),
            last_used_days_ago=120,
            problem="Er stoppet i praksis for fire måneder siden, men stadig aktiv i NemID",
        ),
        DemoSignature(
            "bent",
            "38416213",
            "bent.holm@laegehuset-vestergade.dk",
            ("fmk",),
            last_used_days_ago=520,
            problem="Tidligere vikar; ikke brugt i over et år",
        ),
        DemoSignature(
            "tove",
            "38416190",
            "tove.jakobsen@laegehuset-vestergade.dk",
            ("digital_post",),
            last_used_days_ago=800,
            status=NemIDEmployee.Status.REVOKED,
            problem="Gået på pension; allerede spærret i NemID",
        ),
    ),
)

DENTAL = DemoOrganisation(
    cvr=DENTAL_CVR,
    name="Tandklinikken Søndergade ApS",
    legal_form="Anpartsselskab",
    address="Søndergade 41, 8000 Aarhus C",
    representatives=(("owner", ManagementRepresentative.Role.DIRECTOR),),
)

OTHER = DemoOrganisation(
    cvr=OTHER_CVR,
    name="Fysioterapien Kongensgade ApS",
    legal_form="Anpartsselskab",
    address="Kongensgade 7, 5000 Odense C",
    representatives=(("other_admin", ManagementRepresentative.Role.DIRECTOR),),
    signatures=(
        DemoSignature(
            "other_admin",
            "51720301",
            "lone.friis@fysio-kongensgade.dk",
            ("digital_post", "skat"),
            is_nemid_admin=True,
        ),
        DemoSignature(
            "other_martin", "51720302", "martin.holst@fysio-kongensgade.dk", ("nemrefusion",)
        ),
        DemoSignature("other_sofie", "51720303", "sofie.lauridsen@fysio-kongensgade.dk"),
        DemoSignature("other_ida", "51720304", "ida.kjeldsen@fysio-kongensgade.dk"),
    ),
    connected=True,
    admin="other_admin",
    users=("other_martin", "other_sofie", "other_ida"),
)

ORGANISATIONS: tuple[DemoOrganisation, ...] = (PRACTICE, DENTAL, OTHER)

LARGE = DemoOrganisation(
    cvr=LARGE_CVR,
    name="Region Testdanmark",
    legal_form="Region",
    address="Regionsgården 1, 8800 Viborg",
    is_public=True,
    connected=True,
    admin="large_admin",
)

# The personas to log in as (printed by ``seed_demo``, named in the README).
PERSONAS: list[dict[str, str]] = [
    {
        "role": "Virksomhedsejer og ledelsesrepræsentant for Lægehuset Vestergade I/S og "
        "Tandklinikken Søndergade ApS; NemID-administrator",
        "name": "Hanne Vestergaard",
        "username": "hanne.vestergaard",
    },
    {
        "role": "Revisor, ikke ansat – kan udpeges som organisationsadministrator",
        "name": "Jesper Lund",
        "username": "jesper.lund",
    },
    {
        "role": "Læge i Lægehuset Vestergade, NemID-administrator",
        "name": "Søren Bech",
        "username": "soeren.bech",
    },
    {
        "role": "Lægesekretær i Lægehuset Vestergade (ingen fejl i NemID)",
        "name": "Lise Kristensen",
        "username": "lise.kristensen",
    },
    {
        "role": "Sygeplejerske; hedder Kim Andersen i NemID, Kim Møller Andersen i CPR-registret",
        "name": "Kim Møller Andersen",
        "username": "kim.andersen",
    },
    {
        "role": "Organisationsadministrator i Fysioterapien Kongensgade ApS (en anden "
        "organisation, der ikke må se lægehusets data)",
        "name": "Lone Friis",
        "username": "lone.friis",
    },
]

LARGE_PERSONA: dict[str, str] = {
    "role": "Organisationsadministrator i Region Testdanmark (kun med --employees N)",
    "name": LARGE_ADMIN.full_name,
    "username": LARGE_ADMIN.username,
}


# The demo public services employees log in to through the login broker (OpenID Connect relying
# parties, simulators.publicservices): code of the public service (its right) and name.
DEMO_PUBLIC_SERVICES: dict[str, str] = {
    "fmk": "FMK – øvelse",
    "tinglysning": "Tinglysning – øvelse",
}


# ---------------------------------------------------------------------------------------------
# Creating the world


def _people_get_or_create(demos) -> dict[str, Person]:
    """The CPR persons of ``demos`` with their private MitID accounts and devices, by person key;
    whatever of them is missing is created in bulk (a few queries in all, not a few per person,
    so that a new sandbox is quick to fill)."""
    demos = list(demos)
    hashes = {demo.key: crypto.cpr_hash(demo.cpr) for demo in demos}
    by_hash = {p.cpr_hash: p for p in Person.objects.filter(cpr_hash__in=hashes.values())}
    new_persons = [
        Person(
            cpr=demo.cpr,
            cpr_hash=hashes[demo.key],
            first_name=demo.first_name,
            last_name=demo.last_name,
            birth_date=demo.birth_date,
        )
        for demo in demos
        if hashes[demo.key] not in by_hash
    ]
    Person.objects.bulk_create(new_persons)  # the primary keys come back (RETURNING)
    by_hash |= {person.cpr_hash: person for person in new_persons}
    persons = {demo.key: by_hash[hashes[demo.key]] for demo in demos}

    accounts = {
        account.person_id: account
        for account in MitIDAccount.objects.filter(person__in=list(persons.values()))
    }
    new_accounts = [
        MitIDAccount(person=persons[demo.key], username=demo.username)
        for demo in demos
        if persons[demo.key].pk not in accounts
    ]
    MitIDAccount.objects.bulk_create(new_accounts)
    accounts |= {account.person_id: account for account in new_accounts}

    held = set(
        Device.objects.filter(account__in=list(accounts.values())).values_list("account_id", "kind")
    )
    devices = []
    for demo in demos:
        account = accounts[persons[demo.key].pk]
        for kind in [Device.Kind.APP] + ([Device.Kind.KODEVISER] if demo.kodeviser else []):
            if (account.pk, kind) not in held:
                label = f"{demo.first_name}s {Device.Kind(kind).label}"
                devices.append(device_new(kind=kind, account=account, label=label))
    Device.objects.bulk_create(devices)
    return persons


def _company_get_or_create(org: DemoOrganisation, persons: dict[str, Person]) -> Company:
    company, _ = Company.objects.get_or_create(
        cvr=org.cvr,
        defaults={
            "name": org.name,
            "legal_form": org.legal_form,
            "address": org.address,
            "is_public": org.is_public,
        },
    )
    for key, role in org.representatives:
        ManagementRepresentative.objects.get_or_create(
            company=company, person=persons[key], defaults={"role": role}
        )
    return company


def _signatures_create(org: DemoOrganisation) -> None:
    """The organisation's NemID signatures that are missing, with their rights, in bulk. A
    signature exists when one has its RID; a signature without RID has no natural key of its own:
    the demo has one per CVR."""
    rids = [signature.rid for signature in org.signatures if signature.rid]
    existing = set(
        NemIDEmployee.objects.filter(Q(rid__in=rids) | Q(cvr=org.cvr, rid="")).values_list(
            "rid", flat=True
        )
    )
    now = timezone.now()
    employees, rights = [], []
    for signature in org.signatures:
        if signature.rid in existing:
            continue
        existing.add(signature.rid)
        demo = _PERSON[signature.person]
        cpr = {
            CprLink.REGISTER: demo.cpr,
            CprLink.MISSING: "",
            CprLink.WRONG: _WRONG_CPR.get(demo.key, ""),
        }[signature.cpr_link]
        employee = NemIDEmployee(
            cvr=org.cvr,
            rid=signature.rid,
            first_name=signature.first_name or demo.first_name,
            last_name=signature.last_name or demo.last_name,
            email=signature.email,
            cpr=cpr,
            cpr_hash=crypto.cpr_hash(cpr) if cpr else "",
            birth_date=demo.birth_date if not cpr else None,
            status=signature.status,
            is_nemid_admin=signature.is_nemid_admin,
            last_used_at=now - datetime.timedelta(days=signature.last_used_days_ago),
        )
        employees.append(employee)
        rights += [
            NemIDRight(employee=employee, service_code=code, service_name=SERVICES[code])
            for code in signature.rights
        ]
    # The primary keys come back (RETURNING on SQLite and PostgreSQL) for the rights.
    NemIDEmployee.objects.bulk_create(employees)
    NemIDRight.objects.bulk_create(rights)


def _member(demo: DemoPerson, rid: str) -> DemoMember:
    return DemoMember(
        first_name=demo.first_name,
        last_name=demo.last_name,
        birth_date=demo.birth_date,
        cpr=demo.cpr,
        email=demo.email,
        phone=demo.phone,
        rid=rid,
    )


def demo_connection(org: DemoOrganisation) -> DemoConnection:
    """What the portal needs to know to have ``org`` connected and set up: its administrator and
    further users, each with the RID of their NemID signature."""
    rids = {signature.person: signature.rid for signature in org.signatures}
    return DemoConnection(
        cvr=org.cvr,
        name=org.name,
        is_public=org.is_public,
        admin=_member(_PERSON[org.admin], rids.get(org.admin, "")),
        users=tuple(_member(_PERSON[key], rids.get(key, "")) for key in org.users),
    )


@transaction.atomic
def demo_world_seed() -> None:
    """Create whatever of the demo world is missing; leave every existing row as it is."""
    persons = _people_get_or_create(PEOPLE)
    for org in ORGANISATIONS:
        _company_get_or_create(org, persons)
        _signatures_create(org)


# ---------------------------------------------------------------------------------------------
# The large organisation for benchmarks


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


_FIRST_NAMES = _words(
    "Anna Bo Camilla Christian Dorthe Emil Emma Frederik Gitte Hans Ida Jakob Jens Julie Karen "
    "Karsten Lars Laura Lene Line Louise Mads Malene Marianne Martin Mathias Mette Mikkel Niels "
    "Nina Ole Peter Pia Rikke Sara Signe Simon Susanne Thomas Trine Ulla Viktor Åse Søren Øjvind"
)
_LAST_NAMES = _words(
    "Jensen Nielsen Hansen Pedersen Andersen Christensen Larsen Sørensen Rasmussen Jørgensen "
    "Petersen Madsen Kristensen Olsen Thomsen Christiansen Poulsen Johansen Møller Mortensen "
    "Østergaard Jakobsen Knudsen Mikkelsen Lauridsen Kjær Dalgaard Bertelsen Frandsen Bach"
)
# Every other person gets a middle name, as many Danes have.
_MIDDLE_NAMES = ("", "Holm", "", "Skov", "", "Bjerg", "", "Dam")
_ASCII = str.maketrans({"æ": "ae", "ø": "oe", "å": "aa", "Æ": "Ae", "Ø": "Oe", "Å": "Aa"})
_LARGE_SERVICES = ("sundhedsjournal", "fmk", "digital_post", "sor", "barsel")
_DAYS_1950S_TO_1990S = (datetime.date(2000, 1, 1) - datetime.date(1950, 1, 1)).days
_BATCH = 5000


def large_rid(index: int) -> str:
    return f"7{index:08d}"


def large_cpr(index: int) -> str:
    """A unique, valid fictitious CPR per index: a birth date 1950–1999 and four digits starting
    with 3 (which puts the year in the 1900s); 18 million before one repeats."""
    birth_date = datetime.date(1950, 1, 1) + datetime.timedelta(days=index % _DAYS_1950S_TO_1990S)
    return birth_date.strftime("%d%m%y") + f"3{index // _DAYS_1950S_TO_1990S:03d}"


def _large_employee(index: int, cvr: str, now: datetime.datetime) -> NemIDEmployee:
    first = _FIRST_NAMES[index % len(_FIRST_NAMES)]
    middle = _MIDDLE_NAMES[(index // len(_FIRST_NAMES)) % len(_MIDDLE_NAMES)]
    last = _LAST_NAMES[(index // 7) % len(_LAST_NAMES)]
    cpr = large_cpr(index)
    return NemIDEmployee(
        cvr=cvr,
        rid=large_rid(index),
        first_name=f"{first} {middle}".strip(),
        last_name=last,
        email=f"{first}.{last}.{index}@regiontestdanmark.dk".translate(_ASCII).lower(),
        cpr=cpr,
        cpr_hash=crypto.cpr_hash(cpr),
        is_nemid_admin=index < 5 or index % 10000 == 0,
        last_used_at=now - datetime.timedelta(days=index % 300, minutes=index % 1440),
    )


def _large_rights(employee: NemIDEmployee, index: int) -> list[NemIDRight]:
    count = 1 + index % 3
    codes = [_LARGE_SERVICES[(index + k) % len(_LARGE_SERVICES)] for k in range(count)]
    return [
        NemIDRight(employee=employee, service_code=code, service_name=SERVICES[code])
        for code in codes
    ]


@transaction.atomic
def demo_large_organisation_seed(*, employees: int) -> int:
    """A public organisation with ``employees`` NemID signatures (1–3 rights each) and its
    administrator-to-be in the registers (the portal connects it, see ``demo_plan``); tops up to
    ``employees`` and returns how many signatures it added. Bulk inserts, no query per row."""
    persons = _people_get_or_create([LARGE_ADMIN])
    _company_get_or_create(LARGE, persons)
    existing = set(NemIDEmployee.objects.filter(cvr=LARGE.cvr).values_list("rid", flat=True))
    missing = (index for index in range(employees) if large_rid(index) not in existing)
    now = timezone.now()
    added = 0
    while batch := list(itertools.islice(missing, _BATCH)):
        rows = [_large_employee(index, LARGE.cvr, now) for index in batch]
        # The primary keys come back (RETURNING on SQLite and PostgreSQL) for the rights.
        NemIDEmployee.objects.bulk_create(rows, batch_size=1000)
        NemIDRight.objects.bulk_create(
            [
                right
                for row, index in zip(rows, batch, strict=True)
                for right in _large_rights(row, index)
            ],
            batch_size=2000,
        )
        added += len(rows)
    return added


# ---------------------------------------------------------------------------------------------
# The seeder's steps (mitid_portal.registry.DemoSeeder)


def _demo_cvrs(*, include_large: bool) -> list[str]:
    return [org.cvr for org in ORGANISATIONS] + ([LARGE.cvr] if include_large else [])


def demo_service_provider(code: str) -> DemoServiceProvider:
    """The demo public service ``code`` as the broker must know it: the exercise's own client id
    (client ids are unique across exercises) and secret, kept when the service already exists,
    else new."""
    existing = demo_service_get(code=code)
    if existing is not None:
        client_id, secret = existing.client_id, demo_service_secret(existing)
    else:
        client_id, secret = f"oevelse-{code}-{sandbox_default()}", crypto.random_token()
    return DemoServiceProvider(
        name=DEMO_PUBLIC_SERVICES[code],
        public_service_code=code,
        client_id=client_id,
        client_secret=secret,
        redirect_uris=(callback_path(code),),
        post_logout_redirect_uris=(logged_out_path(code),),
    )


def demo_public_services_seed(run: DemoRun) -> None:
    """The demo public services of ``run``'s plan that are missing, with their credential."""
    for provider in run.service_providers:
        if provider.public_service_code in DEMO_PUBLIC_SERVICES:
            demo_service_create(
                code=provider.public_service_code,
                name=provider.name,
                right_name=SERVICES[provider.public_service_code],
                client_id=provider.client_id,
                client_secret=provider.client_secret,
            )


def demo_plan(run: DemoRun) -> None:
    """Tell the seeders after this one the demo world's CVRs, the organisations already connected
    to MitID Erhverv (the large one only with ``--employees N``), the personas, and the demo
    public services the broker must register as clients."""
    run.cvrs = _demo_cvrs(include_large=run.include_large)
    run.connections = [demo_connection(org) for org in ORGANISATIONS if org.connected]
    if run.include_large:
        run.connections.append(demo_connection(LARGE))
    run.personas = list(PERSONAS)
    run.personas_if_connected = [(LARGE.cvr, LARGE_PERSONA)]
    run.service_providers += [demo_service_provider(code) for code in DEMO_PUBLIC_SERVICES]


def demo_seed(run: DemoRun) -> None:
    demo_world_seed()
    demo_public_services_seed(run)
    if run.employees:
        run.added = demo_large_organisation_seed(employees=run.employees)


@transaction.atomic
def demo_delete(run: DemoRun) -> None:
    """Delete the simulated demo world: the NemID signatures, the companies, the CPR persons with
    their MitID accounts, devices and logins, and the mails and text messages sent to the demo's
    addresses and phones (and to those the seeders before it added to ``run``)."""
    demos = [*PEOPLE, LARGE_ADMIN] if run.include_large else list(PEOPLE)
    run.forget_emails |= {demo.email for demo in demos if demo.email}
    run.forget_emails |= set(
        NemIDEmployee.objects.filter(cvr__in=[org.cvr for org in ORGANISATIONS])
        .exclude(email="")
        .values_list("email", flat=True)
    )
    run.forget_phones |= {demo.phone for demo in demos if demo.phone}
    lowered = {email.lower() for email in run.forget_emails}
    if run.include_large:
        # Fifty thousand addresses would not fit in one IN clause; the domain says it all.
        run.forget_email_domains.add("regiontestdanmark.dk")
    large_mail = Q(pk__in=[])
    for domain in run.forget_email_domains:
        large_mail |= Q(recipients__address__endswith=f"@{domain}")
    MailMessage.objects.filter(Q(recipients__address__in=lowered) | large_mail).distinct().delete()
    SmsMessage.objects.filter(number__in=run.forget_phones).delete()

    demo_services_delete(codes=list(DEMO_PUBLIC_SERVICES))
    cvrs = run.cvrs
    # Rights first, in one statement each, so that the signatures go without being loaded.
    NemIDRight.objects.filter(employee__cvr__in=cvrs).delete()
    NemIDChange.objects.filter(employee__cvr__in=cvrs).delete()
    NemIDAccessRefusal.objects.filter(cvr__in=cvrs).delete()
    NemIDEmployee.objects.filter(cvr__in=cvrs).only("id").delete()
    Company.objects.filter(cvr__in=cvrs).delete()
    Person.objects.filter(cpr_hash__in=[crypto.cpr_hash(demo.cpr) for demo in demos]).delete()


def demo_report(run: DemoRun) -> None:
    """The registers' and the NemID signatures' part of ``seed_demo``'s summary."""
    run.registers = (
        f"  CPR-registret: {Person.objects.count()} personer; "
        f"CVR-registret: {Company.objects.count()} virksomheder; "
        f"private MitID: {MitIDAccount.objects.count()} "
        f"med {Device.objects.count()} identifikationsmidler"
    )
    run.organisations = [
        DemoOrganisationCount(
            cvr=org.cvr,
            name=org.name,
            nemid_employees=NemIDEmployee.objects.filter(cvr=org.cvr).count(),
            nemid_rights=NemIDRight.objects.filter(employee__cvr=org.cvr).count(),
            optional=org is LARGE,
        )
        for org in (*ORGANISATIONS, LARGE)
    ]
