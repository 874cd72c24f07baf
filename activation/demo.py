"""The portal's part of the demo world (``seed_demo``, see ``mitid_portal.demo``): the
organisations the simulated world says are already connected to MitID Erhverv, as if their owner
had connected them and their administrator had set them up, with their administrator and users.

The people come from the kernel's ``DemoRun`` that the simulated world's seeder filled in; nothing
here knows the simulators. Registered in ``activation.apps``.
"""

from django.db import transaction

from mitid_portal import crypto
from mitid_portal.demo import DemoConnection, DemoMember, DemoRun
from mitid_portal.identity import UserState
from organisations.models import ConnectionRequest, Organisation, RoleGrant
from users.models import User
from users.services.lifecycle import user_state_change


def _portal_user_get_or_create(organisation: Organisation, member: DemoMember) -> User:
    """A demo user as they are once activated with their private MitID (the demo starts there;
    no journey is replayed)."""
    cpr_hash = crypto.cpr_hash(member.cpr)
    user = User.objects.filter(organisation=organisation, cpr_hash=cpr_hash).first()
    if user is None:
        user = User(
            organisation=organisation,
            first_name=member.first_name,
            last_name=member.last_name,
            email=member.email,
            phone=member.phone,
            cpr=member.cpr,
            cpr_hash=cpr_hash,
            birth_date=member.birth_date,
            rid=member.rid,
        )
        user.set_unusable_password()
        user.save()
        user_state_change(
            user=user, to=UserState.ACTIVE, fields={"uses_private_mitid": True}, audit=False
        )
    return user


def _organisation_connect(connection: DemoConnection) -> Organisation:
    organisation, _ = Organisation.objects.get_or_create(
        cvr=connection.cvr,
        defaults={
            "name": connection.name,
            "is_public": connection.is_public,
            "state": Organisation.State.ACTIVE,
        },
    )
    admin = _portal_user_get_or_create(organisation, connection.admin)
    RoleGrant.objects.get_or_create(
        organisation=organisation,
        user=admin,
        role=RoleGrant.Role.ORGANISATION_ADMIN,
        defaults={"granted_by_name": connection.admin.full_name},
    )
    for member in connection.users:
        _portal_user_get_or_create(organisation, member)
    return organisation


@transaction.atomic
def demo_seed(run: DemoRun) -> None:
    """Create whatever of the connected demo organisations is missing; leave the rest as it is."""
    for connection in run.connections:
        _organisation_connect(connection)


@transaction.atomic
def demo_delete(run: DemoRun) -> None:
    """Delete what the portal holds for the demo world's organisations (their users, roles,
    invitations, …, and the connection requests), after noting the users' and requesters'
    addresses and phones so that the mails sent to them go too."""
    portal_users = User.objects.filter(organisation__cvr__in=run.cvrs)
    run.forget_emails |= set(portal_users.exclude(email="").values_list("email", flat=True))
    run.forget_phones |= set(portal_users.exclude(phone="").values_list("phone", flat=True))
    for requester, admin in ConnectionRequest.objects.filter(cvr__in=run.cvrs).values_list(
        "requester_email", "admin_email"
    ):
        run.forget_emails |= {requester, admin} - {""}
    Organisation.objects.filter(cvr__in=run.cvrs).delete()
    ConnectionRequest.objects.filter(cvr__in=run.cvrs).delete()


def demo_report(run: DemoRun) -> None:
    """The portal's part of the summary: users per connected organisation, and the totals."""
    run.connected_users = {
        organisation.cvr: organisation.users.count()
        for organisation in Organisation.objects.filter(
            cvr__in=[org.cvr for org in run.organisations]
        )
    }
    run.portal = (
        f"  MitID Erhverv: {Organisation.objects.count()} organisationer, "
        f"{User.objects.filter(organisation__isnull=False).count()} brugere, "
        f"{RoleGrant.objects.count()} roller"
    )
