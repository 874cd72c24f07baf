"""Audit events never hold a full CPR number; other numbers stay readable."""

import pytest

from mitid_portal.audit import audit_record

pytestmark = pytest.mark.django_db


def test_cpr_numbers_are_masked_and_phone_numbers_are_not():
    event = audit_record(
        action="nemid_cpr_linked",
        actor_name="Hanne",
        cvr="29183740",
        target="Kim (CPR 0101901234)",
        changes={
            "cpr": {"før": "010190-1234", "efter": "0202801234"},
            "phone": "+4520114682",
            "rid": "38416201",
        },
    )
    assert event.target == "Kim (CPR 010190-****)"
    assert event.changes["cpr"] == {"før": "010190-****", "efter": "020280-****"}
    assert event.changes["phone"] == "+4520114682"
    assert event.changes["rid"] == "38416201"
