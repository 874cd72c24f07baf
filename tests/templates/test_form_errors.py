"""Errors the design system's way on the portal's form pages: a page whose form has errors opens
with the error summary ("Der er problemer") whose links lead to fields on the page, its title
starts "Fejl:", every aria-describedby names an id on the page, and no field answers with Django's
generic "Dette felt er påkrævet."; a date that does not exist is called that."""

from collections.abc import Callable
from html.parser import HTMLParser

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from mitid_portal.forms import DateField, PortalForm
from organisations.models import ConnectionRequest, Organisation, RoleGrant
from simulators.mitid.models import Device
from tests.activation.factories import SetUpOrganisationFactory
from tests.factories import (
    CompanyFactory,
    DeviceFactory,
    NemIDEmployeeFactory,
    PersonFactory,
    RepresentativeFactory,
    RoleGrantFactory,
    UserFactory,
)
from tests.helpers import sign_in_person
from tests.separate.factories import invitation_create, session_start
from tests.separate.helpers import post, walk_to_phone, walk_to_verify

pytestmark = pytest.mark.django_db

GENERIC = ("Dette felt er påkrævet", "This field is required")


class _Page(HTMLParser):
    """The ids on the page, the ids aria-describedby names, the title and the summary's links."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: list[str] = []
        self.described_by: list[str] = []
        self.summary_links: list[str] = []
        self.summaries = 0
        self.title = ""
        self._in_title = False
        self._summary_depth = 0

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if attributes.get("id"):
            self.ids.append(attributes["id"])
        self.described_by += (attributes.get("aria-describedby") or "").split()
        if tag == "title":
            self._in_title = True
        if attributes.get("data-module") == "error-summary":
            self.summaries += 1
            self._summary_depth = 1
        elif self._summary_depth and tag == "div":
            self._summary_depth += 1
        if self._summary_depth and tag == "a":
            self.summary_links.append(attributes.get("href", ""))

    def handle_endtag(self, tag):
        if tag == "title":
            self._in_title = False
        if self._summary_depth and tag == "div":
            self._summary_depth -= 1

    def handle_data(self, data):
        if self._in_title:
            self.title += data


def _parse(html: str) -> _Page:
    page = _Page()
    page.feed(html)
    return page


def assert_described_by_exists(html: str) -> None:
    page = _parse(html)
    missing = set(page.described_by) - set(page.ids)
    assert not missing, f"aria-describedby names ids not on the page: {missing}"


def assert_errors_the_dkfds_way(html: str) -> _Page:
    page = _parse(html)
    assert page.summaries == 1, "one error summary"
    assert "Der er problemer" in html
    assert page.title.strip().startswith("Fejl:"), page.title
    for href in page.summary_links:
        assert href.startswith("#") and href[1:] in page.ids, f"summary link {href} leads nowhere"
    assert_described_by_exists(html)
    for generic in GENERIC:
        assert generic not in html
    return page


# --- the cases: each sets up what its page needs and returns the client, the page's URL, invalid
# data and, when the form posts elsewhere, the URL it posts to.


def _staff(client: Client, *roles: str) -> Client:
    user = UserFactory(organisation=SetUpOrganisationFactory())
    for role in roles or (RoleGrant.Role.ORGANISATION_ADMIN,):
        RoleGrantFactory(user=user, organisation=user.organisation, role=role)
    client.force_login(user)
    return client


def _user_create(client):
    return _staff(client, RoleGrant.Role.USER_ADMIN), reverse("activation:user_create"), {}


def _user_create_bad_date(client):
    data = {"first_name": "Ida", "last_name": "Holm", "birth_date": "31-02-1980"}
    return _staff(client, RoleGrant.Role.USER_ADMIN), reverse("activation:user_create"), data


def _bulk_create(client):
    return _staff(client, RoleGrant.Role.USER_ADMIN), reverse("activation:bulk_create"), {}


def _user_edit(client):
    admin = UserFactory(organisation=SetUpOrganisationFactory())
    RoleGrantFactory(user=admin, organisation=admin.organisation, role=RoleGrant.Role.USER_ADMIN)
    client.force_login(admin)
    subject = UserFactory(organisation=admin.organisation)
    data = {"first_name": " ", "last_name": "", "email": "ikke-en-mail"}
    return client, reverse("users:edit", args=[subject.pk]), data


def _settings(client):
    return _staff(client), reverse("organisations:settings"), {}


def _setup(step: str):
    def case(client):
        client = _staff(client)
        # The steps open in order: the setup has come as far as the step before this one.
        steps = ["import", "overview", "means", "policy", "billing", "summary"]
        before = steps[steps.index(step) - 1] if steps.index(step) else ""
        Organisation.objects.update(setup_step=before)
        return client, reverse("organisations:setup_step", args=[step]), {}

    case.__name__ = f"_setup_{step}"
    return case


def _right_request(client):
    return _staff(client), reverse("organisations:right_request_new"), {}


def _groups(client):
    return _staff(client, RoleGrant.Role.RIGHTS_ADMIN), reverse("organisations:groups"), {}


def _power_new(client):
    data = {"cvr": "", "valid_until": "31-02-2030"}
    return _staff(client), reverse("organisations:power_new"), data


def _idm_clients(client):
    return _staff(client), reverse("idm:clients"), {}


def _person_signed_in(client) -> tuple[Client, object]:
    owner = PersonFactory(first_name="Hanne", last_name="Vestergaard")
    company = RepresentativeFactory(person=owner, company=CompanyFactory()).company
    sign_in_person(client, owner)
    return client, company


def _connect_manual(client):
    client, _company = _person_signed_in(client)
    return client, reverse("organisations:choose"), {"manual_cvr": "1", "manual-cvr": ""}


def _connection(client) -> tuple[Client, ConnectionRequest]:
    client, company = _person_signed_in(client)
    client.post(reverse("organisations:choose"), {"cvr": company.cvr})
    return client, ConnectionRequest.objects.latest("created_at")


def _connect_terms(client):
    client, connection = _connection(client)
    return client, reverse("organisations:terms", args=[connection.pk]), {}


def _connect_admin(client):
    client, connection = _connection(client)
    client.post(reverse("organisations:terms", args=[connection.pk]), {"accept": "on"})
    data = {"choice": "other", "requester_email": "hanne@", "birth_date": "30-02-1980"}
    return client, reverse("organisations:admin", args=[connection.pk]), data


def _nemid(name: str, data: dict):
    def case(client):
        client, company = _person_signed_in(client)
        employee = NemIDEmployeeFactory(cvr=company.cvr)
        return client, reverse(f"nemid:{name}", args=[company.cvr, employee.pk]), data

    case.__name__ = f"_nemid_{name}"
    return case


def _separate(name: str, walk: Callable | None = None):
    def case(client):
        invitation, _token = invitation_create(means=["kodeviser"])
        session_start(client, invitation)
        if walk is not None:
            walk(client)
        else:
            post(client, "start", {"kind": "kodeviser"})
            post(client, "physical")
        return client, reverse(f"separate:{name}"), {}

    case.__name__ = f"_separate_{name}"
    return case


def _separate_login(client):
    return client, reverse("separate:login"), {}


def _mitid_login(client):
    url = reverse("mitid:login") + "?return_url=/retur/&state=s"
    return client, url, {"return_url": "/retur/", "state": "s"}


def _business_app(client):
    device = DeviceFactory(kind=Device.Kind.APP)
    page = reverse("business_app:app", args=[device.serial])
    return client, page, {}, reverse("business_app:activate", args=[device.serial])


def _cpr_register(client):
    return client, reverse("registers:cpr_list"), {}


def _cvr_register(client):
    return client, reverse("registers:cvr_list"), {}


POST_CASES = [
    _user_create,
    _user_create_bad_date,
    _bulk_create,
    _user_edit,
    _settings,
    _setup("means"),
    _setup("policy"),
    _setup("billing"),
    _right_request,
    _groups,
    _power_new,
    _idm_clients,
    _connect_manual,
    _connect_terms,
    _connect_admin,
    _nemid("employee_email", {"email": ""}),
    _nemid("employee_cpr", {"cpr": ""}),
    _nemid("employee_name", {"first_name": "", "last_name": ""}),
    _separate("bruger_id"),
    _separate("phone", walk_to_phone),
    _separate("verify", walk_to_verify),
    _separate_login,
    _mitid_login,
    _business_app,
    _cpr_register,
    _cvr_register,
]


@pytest.mark.parametrize("case", POST_CASES, ids=lambda case: case.__name__.lstrip("_"))
def test_a_page_with_errors_has_the_summary_the_title_and_valid_descriptions(client, case):
    client, url, data, *post_url = case(client)
    before = client.get(url)
    assert before.status_code == 200, (url, before.status_code)
    html = before.content.decode()
    assert 'data-module="error-summary"' not in html
    assert not _parse(html).title.startswith("Fejl")
    assert_described_by_exists(html)

    response = client.post(post_url[0] if post_url else url, data)
    assert response.status_code in (200, 400), (url, response.status_code)
    page = assert_errors_the_dkfds_way(response.content.decode())
    assert page.summary_links, "the field errors are links to the fields"


def test_a_date_that_does_not_exist_is_called_that(client):
    client, url, data = _user_create_bad_date(client)
    html = client.post(url, data).content.decode()
    assert "Datoen findes ikke" in html
    assert "Skriv fødselsdatoen som dd-mm-åååå" not in html


def test_the_summary_links_each_field_and_names_what_to_do(client):
    client, url, data = _user_create(client)
    html = client.post(url, data).content.decode()
    page = assert_errors_the_dkfds_way(html)
    assert {"#id_first_name", "#id_last_name", "#id_email"} <= set(page.summary_links)
    assert '<a href="#id_email">Indtast medarbejderens e-mailadresse.</a>' in html


def test_the_title_says_fejl_for_a_form_under_another_name(client):
    client, url, data = _connect_manual(client)
    html = client.post(url, data).content.decode()
    assert_errors_the_dkfds_way(html)
    assert 'href="#id_manual-cvr"' in html


def test_a_message_that_belongs_to_no_field_is_text_in_the_summary(client):
    client, url, _data = _separate("verify", walk_to_verify)(client)
    for _ in range(3):
        client.post(url, {"code": "000000"})
    html = client.post(url, {"code": "000000"}).content.decode()
    page = assert_errors_the_dkfds_way(html)
    summary = html[html.index('data-module="error-summary"') :]
    assert "<li>" in summary.split("</ul>")[0]
    assert page.title.startswith("Fejl:")


def test_in_english_the_summary_and_the_messages_are_english(client):
    client, url, data = _user_create(client)
    client.cookies["django_language"] = "en"
    html = client.post(url, data).content.decode()
    page = _parse(html)
    assert page.summaries == 1 and "There is a problem" in html
    assert page.title.startswith("Error:")
    assert "Enter the employee&#x27;s email address." in html or "Enter the employee" in html
    assert "Der er problemer" not in html and "Indtast" not in html


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("31-02-1980", "Datoen findes ikke"),
        ("29.02.1981", "Datoen findes ikke"),
        ("1980-13-01", "Datoen findes ikke"),
        ("24-12", "Skriv datoen som dd-mm-åååå"),
        ("i går", "Skriv datoen som dd-mm-åååå"),
    ],
)
def test_the_date_field_tells_a_missing_date_from_a_wrong_format(value, message):
    with pytest.raises(ValidationError) as error:
        DateField().clean(value)
    assert message in " ".join(error.value.messages)


def test_the_date_field_reads_the_danish_formats():
    field = DateField()
    assert {field.clean(v).isoformat() for v in ("24-12-1980", "24.12.1980", "1980-12-24")} == {
        "1980-12-24"
    }


def test_generic_messages_are_replaced_with_ones_naming_the_field():
    class _Form(PortalForm):
        name = forms.CharField(label="Navn på klienten", max_length=3)
        cpr = forms.CharField(label="CPR-nummer (valgfrit)", max_length=3, required=False)
        role = forms.ChoiceField(label="Rolle", choices=[("a", "A")])
        accept = forms.BooleanField(label="Jeg accepterer")
        own = forms.CharField(label="Egen", error_messages={"required": "Skriv noget."})

    form = _Form({"cpr": "12345", "role": "x"})
    assert not form.is_valid()
    assert form.errors == {
        "name": ["Indtast navn på klienten."],
        "cpr": ["CPR-nummer må højst være 3 tegn (du har skrevet 5)."],
        "role": ["Vælg en af mulighederne på listen."],
        "accept": ["Sæt kryds ved »Jeg accepterer«."],
        "own": ["Skriv noget."],
    }
    assert _Form({}).errors["role"] == ["Vælg rolle."]
