"""The simulated CPR and CVR registers: lookups through the outside-world interfaces, the services'
rules and the browsable pages."""

import datetime

import pytest
from django.urls import reverse

from mitid_portal import crypto, outside
from mitid_portal.errors import RuleError
from simulators.registers import services
from simulators.registers.models import Company, ManagementRepresentative, Person
from tests.factories import CompanyFactory, PersonFactory, RepresentativeFactory

pytestmark = pytest.mark.django_db

VALID_CVR = "29403473"  # modulus 11 holds
BAD_CHECKSUM_CVR = "29403474"


# --- Lookups through mitid_portal.outside -------------------------------------------------------


def test_cpr_lookup_finds_a_known_person_with_or_without_dash():
    person = PersonFactory(first_name="Hanne Marie", last_name="Vestergaard")

    record = outside.cpr_register().lookup(cpr=person.cpr)
    assert record == outside.CprRecord(
        cpr=person.cpr,
        first_name="Hanne Marie",
        last_name="Vestergaard",
        birth_date=person.birth_date,
    )
    dashed = f"{person.cpr[:6]}-{person.cpr[6:]}"
    assert outside.cpr_register().lookup(cpr=dashed) == record


def test_cpr_lookup_of_unknown_or_malformed_cpr_is_none():
    PersonFactory()
    assert outside.cpr_register().lookup(cpr="0101901234") is None
    assert outside.cpr_register().lookup(cpr="not a cpr") is None


def test_cvr_lookup_known_and_unknown():
    company = CompanyFactory(name="Tandklinikken ApS", legal_form="ApS")
    record = outside.cvr_register().lookup(cvr=company.cvr)
    assert record == outside.CvrRecord(
        cvr=company.cvr, name="Tandklinikken ApS", legal_form="ApS", is_public=False
    )
    assert outside.cvr_register().lookup(cvr="00000000") is None


def test_representatives_lists_the_people_who_may_act_for_the_company():
    owner = RepresentativeFactory(person__first_name="Ole", person__last_name="Ejer")
    RepresentativeFactory(company=owner.company, role=ManagementRepresentative.Role.DIRECTOR)
    RepresentativeFactory()  # another company

    representatives = outside.cvr_register().representatives(cvr=owner.company.cvr)

    assert len(representatives) == 2
    ole = next(r for r in representatives if r.full_name == "Ole Ejer")
    assert ole == outside.Representative(
        cvr=owner.company.cvr, cpr=owner.person.cpr, full_name="Ole Ejer", role="owner"
    )
    assert outside.cvr_register().representatives(cvr="00000000") == []


def test_companies_represented_by_a_person():
    person = PersonFactory()
    first = RepresentativeFactory(person=person, company__name="Alfa ApS")
    second = RepresentativeFactory(person=person, company__name="Beta A/S")
    RepresentativeFactory(company__name="Gamma I/S")

    companies = outside.cvr_register().companies_represented_by(cpr=person.cpr)

    assert [c.cvr for c in companies] == [first.company.cvr, second.company.cvr]
    assert outside.cvr_register().companies_represented_by(cpr="0101901234") == []


# --- Services -------------------------------------------------------------------------------------


def test_person_create_normalises_cpr_and_derives_birth_date():
    person = services.person_create(
        cpr="150387-1234", first_name="  Jens  Peter ", last_name="Hansen"
    )
    person.refresh_from_db()
    assert person.cpr == "1503871234"
    assert person.cpr_hash == crypto.cpr_hash("1503871234")
    assert person.birth_date == datetime.date(1987, 3, 15)
    assert person.first_name == "Jens Peter"
    assert person.masked_cpr == "150387-****"


@pytest.mark.parametrize("cpr", ["12345", "abcdefghij", "3102871234", "0101991234567"])
def test_person_create_refuses_malformed_cpr_and_saves_nothing(cpr):
    with pytest.raises(RuleError) as exc:
        services.person_create(cpr=cpr, first_name="A", last_name="B")
    assert exc.value.field == "cpr"
    assert "CPR" in str(exc.value)
    assert not Person.objects.exists()


def test_person_create_refuses_duplicate_cpr_in_danish():
    services.person_create(cpr="1503871234", first_name="Jens", last_name="Hansen")
    with pytest.raises(RuleError) as exc:
        services.person_create(cpr="150387-1234", first_name="Anden", last_name="Person")
    assert exc.value.code == "cpr_duplicate"
    assert "findes allerede" in str(exc.value)
    assert Person.objects.count() == 1


def test_company_create_checks_modulus_11_and_duplicates():
    company = services.company_create(cvr="2940 3473", name="Revisor A/S", legal_form="A/S")
    assert company.cvr == VALID_CVR

    with pytest.raises(RuleError) as exc:
        services.company_create(cvr=BAD_CHECKSUM_CVR, name="Forkert")
    assert exc.value.code == "cvr_checksum"

    with pytest.raises(RuleError) as exc:
        services.company_create(cvr=VALID_CVR, name="Dublet")
    assert exc.value.code == "cvr_duplicate"
    assert Company.objects.count() == 1


def test_representative_add_refuses_the_same_person_twice():
    company, person = CompanyFactory(), PersonFactory()
    services.representative_add(company=company, person=person, role="owner")
    with pytest.raises(RuleError):
        services.representative_add(company=company, person=person, role="director")
    assert ManagementRepresentative.objects.count() == 1


# --- Pages ----------------------------------------------------------------------------------------


def test_cpr_list_shows_names_with_masked_cpr(client, django_assert_max_num_queries):
    people = [PersonFactory() for _ in range(5)]
    with django_assert_max_num_queries(8):
        response = client.get(reverse("registers:cpr_list"))
    page = response.content.decode()
    assert response.status_code == 200
    assert "CPR-registret" in page
    assert "sundhedskortet" in page
    for person in people:
        assert person.full_name in page
        assert f"{person.cpr[:6]}-****" in page
        assert person.cpr not in page


def test_cpr_list_searches_by_name_and_paginates(client):
    PersonFactory(first_name="Søren", last_name="Kierkegaard")
    PersonFactory(first_name="Karen", last_name="Blixen")
    page = client.get(reverse("registers:cpr_list"), {"q": "kierke"}).content.decode()
    assert "Søren Kierkegaard" in page
    assert "Karen Blixen" not in page

    PersonFactory.create_batch(55)
    response = client.get(reverse("registers:cpr_list"), {"side": 2})
    assert response.status_code == 200
    assert "Side 2 af 2" in response.content.decode()


def test_adding_a_person_on_the_page(client):
    response = client.post(
        reverse("registers:cpr_list"),
        {"cpr": "150387-1234", "first_name": "Jens", "last_name": "Hansen"},
    )
    person = Person.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("registers:cpr_detail", args=[person.pk])
    page = client.get(response.url).content.decode()
    assert "Jens Hansen er oprettet i CPR-registret." in page
    assert "150387-****" in page


def test_malformed_cpr_on_the_page_keeps_input_and_saves_nothing(client):
    response = client.post(
        reverse("registers:cpr_list"),
        {"cpr": "1503-87", "first_name": "Jens Peter", "last_name": "Hansen"},
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "Et CPR-nummer består af 10 cifre" in page
    assert 'value="1503-87"' in page
    assert 'value="Jens Peter"' in page
    assert 'value="Hansen"' in page
    assert not Person.objects.exists()


def test_duplicate_cpr_on_the_page_is_a_field_error(client):
    person = PersonFactory()
    response = client.post(
        reverse("registers:cpr_list"),
        {"cpr": person.cpr, "first_name": "Ny", "last_name": "Person"},
    )
    assert "findes allerede en person" in response.content.decode()
    assert Person.objects.count() == 1


def test_cpr_detail_and_unknown_person_404(client):
    person = RepresentativeFactory(company__name="Tandklinikken ApS").person
    response = client.get(reverse("registers:cpr_detail", args=[person.pk]))
    assert response.status_code == 200
    assert "Tandklinikken ApS" in response.content.decode()
    assert client.get(reverse("registers:cpr_detail", args=[999999])).status_code == 404


def test_cvr_list_search_and_add_company(client):
    CompanyFactory(name="Bager Hansen ApS")
    CompanyFactory(name="Smed Jensen I/S")
    page = client.get(reverse("registers:cvr_list"), {"q": "bager"}).content.decode()
    assert "Bager Hansen ApS" in page
    assert "Smed Jensen I/S" not in page

    response = client.post(
        reverse("registers:cvr_list"),
        {"cvr": VALID_CVR, "name": "Revisor A/S", "legal_form": "A/S", "is_public": "on"},
    )
    assert response.status_code == 302
    company = Company.objects.get(cvr=VALID_CVR)
    assert company.is_public
    assert response.url == reverse("registers:cvr_detail", args=[VALID_CVR])


def test_bad_cvr_checksum_on_the_page_keeps_input(client):
    response = client.post(
        reverse("registers:cvr_list"), {"cvr": BAD_CHECKSUM_CVR, "name": "Forkert ApS"}
    )
    page = response.content.decode()
    assert "kontrolcifferet passer ikke" in page
    assert f'value="{BAD_CHECKSUM_CVR}"' in page
    assert 'value="Forkert ApS"' in page
    assert not Company.objects.filter(name="Forkert ApS").exists()


def test_cvr_detail_shows_representatives_and_adds_one_by_cpr(client):
    company = CompanyFactory(name="Tandklinikken ApS")
    RepresentativeFactory(company=company, person__first_name="Ole", person__last_name="Ejer")
    newcomer = PersonFactory(first_name="Dorte", last_name="Direktør")
    url = reverse("registers:cvr_detail", args=[company.cvr])

    page = client.get(url).content.decode()
    assert "Ledelsesrepræsentanter" in page
    assert "Ole Ejer" in page

    response = client.post(url, {"cpr": newcomer.cpr, "role": "director"})
    assert response.status_code == 302
    page = client.get(url).content.decode()
    assert "Dorte Direktør" in page
    assert "Direktør" in page


def test_adding_an_unknown_cpr_as_representative_is_refused(client):
    company = CompanyFactory()
    response = client.post(
        reverse("registers:cvr_detail", args=[company.cvr]),
        {"cpr": "010190-1234", "role": "owner"},
    )
    page = response.content.decode()
    assert "ingen person med dette CPR-nummer" in page
    assert 'value="010190-1234"' in page
    assert not ManagementRepresentative.objects.exists()


def test_unknown_cvr_is_404(client):
    assert client.get(reverse("registers:cvr_detail", args=["12345678"])).status_code == 404
