"""The NemID readiness report leads on: a clean report links to the connection at NemLog-in
("Næste skridt er at tilslutte organisationen"), and no report shows a guide-step id (issue 13)."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import NemIDEmployeeFactory, PersonFactory, RepresentativeFactory
from tests.helpers import sign_in_person

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner():
    return RepresentativeFactory(person__first_name="Hanne", person__last_name="Vestergaard")


@pytest.fixture
def signed_in(client, owner):
    sign_in_person(client, owner.person)
    return client


def _clean_employee(cvr):
    person = PersonFactory()
    return NemIDEmployeeFactory(
        cvr=cvr,
        cpr=person.cpr,
        first_name=person.first_name,
        last_name=person.last_name,
        birth_date=person.birth_date,
        last_used_at=timezone.now() - datetime.timedelta(days=3),
    )


def test_a_clean_report_links_to_connecting_the_organisation(signed_in, owner):
    cvr = owner.company.cvr
    _clean_employee(cvr)
    page = signed_in.get(reverse("nemid:employees", args=[cvr])).content.decode()
    assert "Alle medarbejdere er klar til MitID Erhverv" in page
    assert "Næste skridt er at tilslutte organisationen" in page
    link = re.search(r'<a href="([^"]+)" data-testid="connect-next">([^<]+)</a>', page)
    assert link is not None
    assert link.group(1) == reverse("organisations:connect_start")
    assert link.group(2) == "Tilslut organisationen til MitID Erhverv"


def test_a_report_with_problems_has_no_connect_link_and_no_guide_ids(signed_in, owner):
    cvr = owner.company.cvr
    _clean_employee(cvr)
    NemIDEmployeeFactory(cvr=cvr, rid="", email="")
    page = signed_in.get(reverse("nemid:employees", args=[cvr])).content.decode()
    assert "Mangler RID-nummer" in page and "Mangler e-mail" in page
    assert 'data-testid="connect-next"' not in page
    assert re.search(r"G\d\.\d+", page) is None
