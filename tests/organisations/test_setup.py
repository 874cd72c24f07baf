"""The organisation administrator's setup (G3.5–G3.11) and Indstillinger (G3.12)."""

import pytest
from django.urls import reverse

from mitid_portal.models import AuditEvent
from organisations.models import Organisation, RoleGrant
from tests.factories import RoleGrantFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(client):
    grant = RoleGrantFactory(role=RoleGrant.Role.ORGANISATION_ADMIN)
    client.force_login(grant.user)
    return grant.user


def step(name):
    return reverse("organisations:setup_step", args=[name])


def test_the_whole_setup_in_the_guides_words(client, admin):
    tasks = client.get(reverse("organisations:setup")).content.decode()
    assert "Start import fra NemID" in tasks and "Start opsætningen" in tasks

    page = client.get(step("import")).content.decode()
    assert "RID nummer" in page
    assert "Start import fra NemID" in page
    # Going on without an import is a choice of its own (the import is the primary button).
    assert client.post(step("import"), {"skip": "1"}).url == step("overview")
    assert "importerede brugere" in client.get(step("overview")).content.decode()
    assert client.post(step("overview")).url == step("means")

    page = client.get(step("means")).content.decode()
    assert "Vælg hvordan brugerne skal logge ind" in page
    assert 'value="app" checked' in page  # the app is pre-selected
    assert client.post(step("means"), {"allowed_means": ["app", "kodeviser"]}).url == step("policy")

    page = client.get(step("policy")).content.decode()
    assert "Husk at vinge tilladelse til delt identifikationsmiddel af." in page
    response = client.post(
        step("policy"), {"allow_private_mitid": "no", "allow_shared_means": "on"}
    )
    assert response.url == step("billing")

    UserFactory.create_batch(4, organisation=admin.organisation)
    page = client.get(step("billing")).content.decode()
    assert "de første 3 brugere er gratis" in page and "40 kr. om måneden" in page  # 5 users
    response = client.post(
        step("billing"),
        {
            "billing_method": "ean",
            "ean": "5798000000001",
            "contact_name": "Jesper Lund",
            "contact_email": "jesper@revision.dk",
            "contact_phone": "22 33 44 55",
        },
    )
    assert response.url == step("summary")
    assert "5798000000001" in client.get(step("summary")).content.decode()
    response = client.post(step("summary"))
    assert response.url == reverse("organisations:setup_done")
    done = client.get(response.url).content.decode()
    assert "Opsætningen af organisationen i MitID Erhverv er nu gennemført." in done

    organisation = Organisation.objects.get(pk=admin.organisation_id)
    assert organisation.state == Organisation.State.ACTIVE
    assert organisation.allowed_means == ["app", "kodeviser"]
    assert organisation.preferred_means == "app"
    assert organisation.allow_private_mitid is False and organisation.allow_shared_means is True
    assert organisation.contact_phone == "+4522334455"
    assert AuditEvent.objects.filter(organisation=organisation, action="setup_completed").exists()


def test_a_setup_left_half_way_resumes_where_it_stopped(client, admin):
    client.post(step("import"), {"skip": "1"})
    client.post(step("overview"))
    tasks = client.get(reverse("organisations:setup"))
    assert "Fortsæt hvor du slap" in tasks.content.decode()
    assert f'href="{step("means")}"' in tasks.content.decode()


def reached(admin, name):
    """The setup done up to and including the step ``name`` (the steps open in order)."""
    Organisation.objects.filter(pk=admin.organisation_id).update(setup_step=name)


def test_the_setup_cannot_be_completed_with_steps_missing(client, admin):
    # A step further on than the setup has come is not opened, also not by a POST: it goes back
    # to the step the setup goes on at.
    assert client.post(step("summary")).url == step("import")
    assert client.get(step("billing")).url == step("import")
    reached(admin, "means")
    assert client.post(step("billing"), {"billing_method": "ean"}).url == step("policy")
    assert Organisation.objects.get(pk=admin.organisation_id).setup_completed_at is None
    # At the summary with a step's answer missing (e.g. saved by an older version).
    reached(admin, "billing")
    response = client.post(step("summary"), follow=True)
    assert "Opsætningen mangler trin" in response.content.decode()
    assert Organisation.objects.get(pk=admin.organisation_id).setup_completed_at is None


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"billing_method": "ean", "ean": "5798000000002"}, "kontrolcifferet"),
        ({"billing_method": "ean", "ean": ""}, "Indtast organisationens EAN-nummer."),
        (
            {"billing_method": "email", "billing_email": ""},
            "Indtast den e-mailadresse, fakturaen skal sendes til.",
        ),
        ({"billing_method": "email", "billing_email": "x@"}, "gyldig e-mailadresse"),
        (
            {"billing_method": "email", "billing_email": "a@b.dk", "contact_phone": "123"},
            "dansk mobilnummer",
        ),
    ],
)
def test_bad_billing_input_is_refused_and_kept(client, admin, data, message):
    data = {"contact_name": "A", "contact_email": "a@b.dk", **data}
    reached(admin, "policy")
    response = client.post(step("billing"), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert Organisation.objects.get(pk=admin.organisation_id).billing_method == ""


def test_a_public_body_is_always_invoiced_by_ean(client, admin):
    Organisation.objects.filter(pk=admin.organisation_id).update(is_public=True)
    reached(admin, "policy")
    page = client.get(step("billing")).content.decode()
    assert "Faktura på e-mail" not in page
    response = client.post(
        step("billing"),
        {
            "billing_method": "email",
            "billing_email": "a@b.dk",
            "contact_name": "A",
            "contact_email": "a@b.dk",
        },
    )
    assert "Offentlige myndigheder faktureres altid via EAN." in response.content.decode()


def test_settings_with_the_star(client, admin):
    page = client.get(reverse("organisations:settings")).content.decode()
    assert "★" in page
    response = client.post(
        reverse("organisations:settings"),
        {"allowed_means": ["app", "chip"], "preferred_means": "chip", "allow_private_mitid": "yes"},
    )
    assert response.status_code == 302
    organisation = Organisation.objects.get(pk=admin.organisation_id)
    assert organisation.preferred_means == "chip" and organisation.allowed_means == ["app", "chip"]
    assert AuditEvent.objects.filter(action="settings_changed").exists()

    response = client.post(
        reverse("organisations:settings"),
        {"allowed_means": ["app"], "preferred_means": "chip", "allow_private_mitid": "yes"},
    )
    assert "skal være et af de tilladte" in response.content.decode()


def test_only_organisation_administrators_set_up(client):
    grant = RoleGrantFactory(role=RoleGrant.Role.USER_ADMIN)
    client.force_login(grant.user)
    for url in (reverse("organisations:setup"), step("means"), reverse("organisations:settings")):
        assert client.get(url).status_code == 403
