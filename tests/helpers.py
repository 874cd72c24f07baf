"""Small helpers shared by tests."""

from mitid_portal.identity import SESSION_KEY, identity_session_data
from mitid_portal.outside import Identity


def sign_in_person(client, person) -> None:
    """Leave in the test client's session what a private MitID login leaves there (the broker
    dance itself is tested in tests/portal/test_login.py and tests/simulators/test_mitid.py)."""
    session = client.session
    session[SESSION_KEY] = identity_session_data(
        Identity(
            cpr=person.cpr,
            first_name=person.first_name,
            last_name=person.last_name,
            birth_date=person.birth_date,
        )
    )
    session.save()


def demo_practice_connect():
    """The demo world (``seed_demo``) with the demo practice connected by its owner, who appoints
    herself organisation administrator (G2.1–G2.8, through the services); returns the practice."""
    from django.core.management import call_command

    from activation.services.connection import connection_confirm
    from organisations import services
    from organisations.models import Organisation
    from simulators import demo

    call_command("seed_demo", verbosity=0)
    owner = next(person for person in demo.PEOPLE if person.key == "owner")
    connection = services.connection_start(
        cpr=owner.cpr, person_name=owner.full_name, cvr=demo.PRACTICE_CVR
    )
    services.connection_accept_terms(connection=connection)
    services.connection_choose_admin(
        connection=connection, choice="self", requester_email="hanne@example.dk"
    )
    connection_confirm(connection_id=connection.pk)
    return Organisation.objects.get(cvr=demo.PRACTICE_CVR)
