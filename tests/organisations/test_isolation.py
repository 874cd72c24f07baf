"""The unrelated demo organisation's administrator sees nothing of the practice: every page and
object of the first organisation is a 404 (or, for pages of a role she lacks there, refused)."""

import pytest
from django.urls import reverse

from mitid_portal import crypto
from organisations.models import ConnectionRequest, RoleGrant
from simulators import demo
from simulators.nemid.models import NemIDEmployee
from tests.helpers import demo_practice_connect, sign_in_person
from users.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    people = {p.key: p for p in demo.PEOPLE}
    practice = demo_practice_connect()
    other_admin = User.objects.get(
        organisation__cvr=demo.OTHER_CVR, cpr_hash=crypto.cpr_hash(people["other_admin"].cpr)
    )
    return {
        "practice": practice,
        "practice_grant": RoleGrant.objects.get(organisation=practice),
        "connection": ConnectionRequest.objects.get(cvr=demo.PRACTICE_CVR),
        "other_admin": other_admin,
        "other_person": people["other_admin"],
    }


def test_the_other_organisations_admin_gets_404_on_the_practice(client, world):
    assert RoleGrant.objects.filter(
        user=world["other_admin"], role=RoleGrant.Role.ORGANISATION_ADMIN
    ).exists()
    client.force_login(world["other_admin"])
    sign_in_person(client, world["other_person"])

    # Her own organisation page shows only her organisation.
    page = client.get(reverse("organisations:overview")).content.decode()
    assert "Fysioterapien Kongensgade" in page and "Vestergade" not in page
    # The practice's role grant, connection request and NemID pages are 404.
    grant_url = reverse("organisations:role_grant", args=[world["practice_grant"].pk])
    assert client.get(grant_url).status_code == 404
    for name in (
        "organisations:terms",
        "organisations:admin",
        "organisations:documents",
        "activation:connect_confirm",
        "organisations:receipt",
    ):
        url = reverse(name, args=[world["connection"].pk])
        assert client.get(url).status_code == 404, url
    assert client.get(reverse("nemid:employees", args=[demo.PRACTICE_CVR])).status_code == 404
    employee = NemIDEmployee.objects.filter(cvr=demo.PRACTICE_CVR).first()
    url = reverse("nemid:employee", args=[demo.PRACTICE_CVR, employee.pk])
    assert client.get(url).status_code == 404
    # Every other URL that takes an id of the practice's users is 404 as well.
    for practice_user in User.objects.filter(organisation=world["practice"]):
        for name in ("users:detail", "activation:single_start"):
            url = reverse(name, args=[practice_user.pk])
            assert client.get(url).status_code == 404, url
