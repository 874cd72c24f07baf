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
