"""The two wizards the DKFDS way: the connection at NemLog-in (G2.3–G2.7) and the organisation
administrator's setup (G3.5–G3.11) – step indicator, Tilbage, Ret on the summary, conditional
fields, and the setup task list after an import."""

import re

import pytest
from django.urls import reverse

from organisations.models import ConnectionRequest, Organisation, RoleGrant
from tests.factories import (
    CompanyFactory,
    PersonFactory,
    RepresentativeFactory,
    RoleGrantFactory,
)
from tests.helpers import sign_in_person
from users.models import ImportRun

pytestmark = pytest.mark.django_db


def _current_step(html: str) -> list[str]:
    """The titles of the steps marked aria-current="step" (the column's and the phone's modal)."""
    return re.findall(r'aria-current="step">.*?<span class="step-title">([^<]+)</span>', html, re.S)


def _step_links(html: str) -> list[str]:
    nav = html[html.index('data-testid="step-indicator"') : html.index('id="modal-step-indicator"')]
    return re.findall(r'<a class="step" href="([^"]+)"', nav)


# --- the connection wizard -------------------------------------------------------------------


@pytest.fixture
def owner(client):
    person = PersonFactory(first_name="Hanne", last_name="Vestergaard")
    sign_in_person(client, person)
    return person


@pytest.fixture
def practice(owner):
    return RepresentativeFactory(
        person=owner, company=CompanyFactory(name="Lægehuset Vestergade I/S")
    ).company


def _start(client, company) -> ConnectionRequest:
    client.post(reverse("organisations:choose"), {"cvr": company.cvr})
    return ConnectionRequest.objects.latest("created_at")


def _admin_url(connection):
    return reverse("organisations:admin", args=[connection.pk])


def test_the_connection_steps_show_where_the_person_is(client, owner, practice):
    html = client.get(reverse("organisations:choose")).content.decode()
    assert _current_step(html) == ["Vælg organisation"] * 2  # column and phone modal
    assert "Trin<strong> 1 </strong>af 4" in html
    assert 'data-testid="back-link"' not in html  # the first step has no Tilbage
    assert _step_links(html) == [reverse("organisations:choose")]  # steps to come: no links

    connection = _start(client, practice)
    terms = reverse("organisations:terms", args=[connection.pk])
    html = client.get(terms).content.decode()
    assert _current_step(html)[0] == "Acceptér vilkår"
    assert "Trin<strong> 2 </strong>af 4" in html
    assert "Trin 1 gennemført" in html
    assert re.search(r'<a href="([^"]+)" class="back-link"', html).group(1) == reverse(
        "organisations:choose"
    )
    assert _step_links(html) == [reverse("organisations:choose"), terms]

    client.post(terms, {"accept": "on"})
    html = client.get(_admin_url(connection)).content.decode()
    assert _current_step(html)[0] == "Vælg en organisationsadministrator"
    assert f'<a href="{terms}" class="back-link"' in html


def test_tilbage_to_the_first_step_goes_on_with_the_same_request(client, owner, practice):
    connection = _start(client, practice)
    client.post(reverse("organisations:terms", args=[connection.pk]), {"accept": "on"})
    response = client.post(reverse("organisations:choose"), {"cvr": practice.cvr})
    assert ConnectionRequest.objects.count() == 1
    assert response.url == _admin_url(connection)  # the terms stay accepted
    page = client.get(reverse("organisations:terms", args=[connection.pk])).content.decode()
    assert re.search(r'<input[^>]*name="accept"[^>]*checked', page)


def test_mig_selv_needs_none_of_the_other_persons_fields(client, owner, practice):
    connection = _start(client, practice)
    client.post(reverse("organisations:terms", args=[connection.pk]), {"accept": "on"})
    # Without JavaScript the other person's fields show; what they hold is ignored.
    response = client.post(
        _admin_url(connection),
        {
            "choice": "self",
            "requester_email": "hanne@vestergade.dk",
            "first_name": "Halvt",
            "cpr": "123",
            "birth_date": "31-02-1980",
        },
    )
    assert response.status_code == 302
    connection.refresh_from_db()
    assert connection.admin_choice == "self"
    assert (connection.admin_first_name, connection.admin_cpr, connection.admin_birth_date) == (
        "",
        "",
        None,
    )


def test_en_anden_person_needs_the_other_persons_fields(client, owner, practice):
    connection = _start(client, practice)
    client.post(reverse("organisations:terms", args=[connection.pk]), {"accept": "on"})
    response = client.post(
        _admin_url(connection), {"choice": "other", "requester_email": "hanne@vestergade.dk"}
    )
    assert response.status_code == 200
    assert ConnectionRequest.objects.get(pk=connection.pk).admin_choice == ""


def test_the_other_persons_fields_are_a_dkfds_conditional_panel(client, owner, practice):
    connection = _start(client, practice)
    client.post(reverse("organisations:terms", args=[connection.pk]), {"accept": "on"})
    html = client.get(_admin_url(connection)).content.decode()
    assert "js-radio-toggle-group" in html
    panel = re.search(r'<div id="admin-other" class="radio-content" aria-hidden="(\w+)"', html)
    assert panel.group(1) == "false"  # shown until the design system's JavaScript hides it
    for value in ("other", "both"):
        radio = re.search(rf'<input[^>]*value="{value}"[^>]*>', html).group(0)
        assert 'data-controls="#admin-other"' in radio and 'aria-controls="admin-other"' in radio
    radio = re.search(r'<input[^>]*value="self"[^>]*>', html).group(0)
    assert "data-controls" not in radio


def test_ret_on_the_summary_goes_to_the_step_and_back(client, owner, practice):
    accountant = PersonFactory(first_name="Bent", last_name="Revisor")
    connection = _start(client, practice)
    client.post(reverse("organisations:terms", args=[connection.pk]), {"accept": "on"})
    other = {
        "choice": "other",
        "requester_email": "hanne@vestergade.dk",
        "first_name": "Bent",
        "last_name": "Revisor",
        "email": "bent@revision.dk",
        "cpr": accountant.cpr,
    }
    confirm = client.post(_admin_url(connection), other).url
    assert confirm == reverse("activation:connect_confirm", args=[connection.pk])
    html = client.get(confirm).content.decode()
    assert _current_step(html)[0] == "Bekræft og godkend tilslutning"
    for url, section in [
        (reverse("organisations:choose"), "Organisation"),
        (reverse("organisations:terms", args=[connection.pk]), "Vilkår"),
        (_admin_url(connection), "Organisationsadministrator"),
    ]:
        assert f'<a href="{url}">Ret<span class="sr-only"> {section}</span></a>' in html

    # Ret the administrator: the CPR number is not shown again, and kept when left out.
    page = client.get(_admin_url(connection)).content.decode()
    cpr = accountant.cpr.replace("-", "")
    assert cpr not in page and f"{cpr[:6]}-{cpr[6:]}" not in page
    assert 'value="bent@revision.dk"' in page
    birth_date = re.search(r'name="birth_date" value="([^"]+)"', page).group(1)
    changed = {**other, "cpr": "", "birth_date": birth_date, "email": "bent@lund-revision.dk"}
    assert client.post(_admin_url(connection), changed).url == confirm
    connection.refresh_from_db()
    assert connection.admin_email == "bent@lund-revision.dk"
    assert connection.admin_cpr == accountant.cpr
    assert "bent@lund-revision.dk" in client.get(confirm).content.decode()

    # Ret the terms and the organisation: back to the summary, the same request.
    terms = reverse("organisations:terms", args=[connection.pk])
    assert client.post(terms, {"accept": "on"}).url == confirm
    assert client.post(reverse("organisations:choose"), {"cvr": practice.cvr}).url == confirm
    assert ConnectionRequest.objects.count() == 1


# --- the setup wizard ------------------------------------------------------------------------


@pytest.fixture
def admin(client):
    grant = RoleGrantFactory(role=RoleGrant.Role.ORGANISATION_ADMIN)
    client.force_login(grant.user)
    return grant.user


def step(name):
    return reverse("organisations:setup_step", args=[name])


def _tasks(client) -> dict[str, str]:
    html = client.get(reverse("organisations:setup")).content.decode()
    return {
        key: re.sub(r"<[^>]+>", "", status).strip()
        for key, status in re.findall(
            r'data-testid="task-(\w+)"><a [^>]+>[^<]+</a> – (.*?)</li>', html
        )
    }


def test_the_setup_steps_with_tilbage(client, admin):
    html = client.get(step("import")).content.decode()
    assert _current_step(html)[0] == "Start import fra NemID"
    assert "Trin<strong> 1 </strong>af 6" in html
    assert 'data-testid="back-link"' not in html
    Organisation.objects.filter(pk=admin.organisation_id).update(setup_step="means")
    html = client.get(step("policy")).content.decode()
    assert "Trin<strong> 4 </strong>af 6" in html
    assert f'<a href="{step("means")}" class="back-link"' in html


def test_setup_step_1_makes_the_import_the_primary_button_and_is_not_skipped_silently(
    client, admin
):
    html = client.get(step("import")).content.decode()
    primary = re.findall(r'class="button button-primary"[^>]*>([^<]+)<', html)
    assert primary == ["Start import fra NemID"]
    assert f'href="{reverse("users:import")}">Start import fra NemID' in html

    response = client.post(step("import"), follow=True)  # Næste is gone; a bare POST is refused
    assert response.redirect_chain[-1][0] == step("import")
    assert "Start importen fra NemID, eller vælg at fortsætte uden." in response.content.decode()
    assert not Organisation.objects.get(pk=admin.organisation_id).setup_step
    assert _tasks(client)["import"] == "Mangler"

    assert client.post(step("import"), {"skip": "1"}).url == step("overview")
    assert _tasks(client)["import"] == "Sprunget over"


@pytest.mark.parametrize(
    ("state", "shown", "resume"),
    [
        (ImportRun.State.RUNNING, "I gang", "overview"),
        (ImportRun.State.DONE, "Udført", "overview"),
        (ImportRun.State.FAILED, "Fejlet", "import"),
    ],
)
def test_the_task_list_after_starting_an_import(client, admin, state, shown, resume):
    ImportRun.objects.create(
        organisation=admin.organisation, started_by_name=admin.full_name, state=state, imported=2
    )
    tasks = _tasks(client)
    assert tasks["import"] == shown and tasks["overview"] == "Mangler"
    html = client.get(reverse("organisations:setup")).content.decode()
    assert f'href="{step(resume)}">Fortsæt hvor du slap' in html
    page = client.get(step("import")).content.decode()
    if state == ImportRun.State.DONE:
        assert "2 brugere er importeret." in page
        assert client.post(step("import")).url == step("overview")  # Næste once it is done
    elif state == ImportRun.State.FAILED:
        assert "Importen fejlede" in page


def _fill_setup(client):
    client.post(step("import"), {"skip": "1"})
    client.post(step("overview"))
    client.post(step("means"), {"allowed_means": ["app"]})
    client.post(step("policy"), {"allow_private_mitid": "no"})
    client.post(
        step("billing"),
        {
            "billing_method": "email",
            "billing_email": "faktura@firma.dk",
            "contact_name": "A",
            "contact_email": "a@firma.dk",
        },
    )


def test_ret_on_the_setup_summary_goes_to_the_step_and_back(client, admin):
    _fill_setup(client)
    html = client.get(step("summary")).content.decode()
    for name, section in [
        ("import", "Importerede brugere"),
        ("means", "Identifikationsmidler"),
        ("policy", "Privat MitID på arbejdet"),
        ("billing", "Fakturering"),
    ]:
        assert (
            f'<a href="{step(name)}?ret=1">Ret<span class="sr-only"> {section}</span></a>' in html
        )

    page = client.get(step("means") + "?ret=1").content.decode()
    assert "Gem og gå til opsummering" in page and 'name="ret" value="1"' in page
    assert f'<a href="{step("summary")}" class="back-link"' in page
    response = client.post(step("means"), {"allowed_means": ["app", "chip"], "ret": "1"})
    assert response.url == step("summary")
    assert "MitID chip" in client.get(step("summary")).content.decode()
    # Without Ret, Næste goes on to the next step as before.
    assert client.post(step("means"), {"allowed_means": ["app"]}).url == step("policy")


def test_ean_is_asked_only_under_ean_invoicing(client, admin):
    Organisation.objects.filter(pk=admin.organisation_id).update(setup_step="policy")
    html = client.get(step("billing")).content.decode()
    for value in ("email", "ean"):
        radio = re.search(rf'<input[^>]*name="billing_method"[^>]*value="{value}"[^>]*>', html)
        assert f'data-controls="#billing-{value}"' in radio.group(0)
        panel = html[html.index(f'id="billing-{value}"') :]
        field = "billing_email" if value == "email" else "ean"
        assert panel.index(f'name="{field}"') < panel.index("</fieldset>")
    # Faktura på e-mail: an EAN left in the field (shown without JavaScript) is ignored.
    response = client.post(
        step("billing"),
        {
            "billing_method": "email",
            "billing_email": "faktura@firma.dk",
            "ean": "123",
            "contact_name": "A",
            "contact_email": "a@firma.dk",
        },
    )
    assert response.status_code == 302
    organisation = Organisation.objects.get(pk=admin.organisation_id)
    assert (organisation.billing_method, organisation.ean) == ("email", "")
