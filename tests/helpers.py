"""Small helpers shared by tests."""

import functools

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

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


def demo_accountant_appoint(*, cvr: str, email: str):
    """In the demo world, the owner connects the organisation ``cvr`` and appoints the accountant
    (Jesper Lund, reached at ``email``) its organisation administrator (G2.1–G2.8, through the
    services): his setup link is then in the outbox. Returns the connection request."""
    from activation.services.connection import connection_confirm
    from organisations import services
    from simulators import demo

    people = {person.key: person for person in demo.PEOPLE}
    owner, accountant = people["owner"], people["accountant"]
    connection = services.connection_start(cpr=owner.cpr, person_name=owner.full_name, cvr=cvr)
    services.connection_accept_terms(connection=connection)
    services.connection_choose_admin(
        connection=connection,
        choice="other",
        requester_email="hanne@example.dk",
        first_name=accountant.first_name,
        last_name=accountant.last_name,
        email=email,
        cpr=accountant.cpr,
    )
    connection_confirm(connection_id=connection.pk)
    return connection


@functools.cache
def oidc_signing_key_pem() -> str:
    """An RSA key (PEM) for the login broker, as production reads it from OIDC_RSA_PRIVATE_KEY."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
