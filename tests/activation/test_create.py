"""*Opret bruger*: the form, the rules (CPR or birth date, agreeing; a CPR once per organisation;
phone; means the organisation allows), the anonymous flag, rights and the Basispakke, the
invitation with its email, the audit event, and who may use the page."""

import datetime
import re

import pytest
from django.core import mail
from django.urls import reverse

from activation import services
from activation.models import Invitation
from mitid_portal import crypto
from mitid_portal.models import AuditEvent
from organisations.models import PublicService, RoleGrant, UserRight
from tests.factories import RoleGrantFactory, UserFactory, fictitious_cpr
from users.models import User

pytestmark = pytest.mark.django_db

CPR = fictitious_cpr(17, datetime.date(1984, 5, 17))  # 170584-…
URL = "/brugere/opret/"


# organisation and user_admin (Bo Brugeradmin) come from tests/activation/conftest.py; Opret
# bruger is a user administrator's page.
@pytest.fixture
def admin_client(client, user_admin):
    client.force_login(user_admin)
    return client


def _data(**overrides):
    data = {
        "first_name": "  Ida  Marie ",
        "last_name": "Holm",
        "cpr": CPR[:6] + "-" + CPR[6:],
        "birth_date": "",
        "email": " Ida.Holm@Example.dk ",
        "phone": "22 33 44 55",
        "means": ["kodeviser"],
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def _post(client, capture, **overrides):
    with capture(execute=True):
        return client.post(URL, _data(**overrides))


def test_the_url_and_the_page(admin_client):
    assert reverse("activation:user_create") == URL
    page = admin_client.get(URL).content.decode()
    assert "<h1>Opret bruger</h1>" in page
    for label in (
        "Fornavn(e)",
        "Efternavn",
        "CPR-nummer (valgfrit)",
        "Fødselsdato",
        "E-mail",
        "Mobilnummer (valgfrit)",
        "Anonym bruger",
        "Identifikationsmidler",
    ):
        assert label in page
    # Only what the organisation allows; the preferred one (kodeviser) pre-marked.
    means = re.findall(r'name="means" id="[^"]+" value="([a-z]+)"( checked)?', page)
    assert means == [("private", ""), ("app", ""), ("kodeviser", " checked"), ("chip", "")]
    assert "(foretrukket)" in page


def test_private_mitid_is_offered_only_when_allowed(admin_client, organisation):
    organisation.allow_private_mitid = False
    organisation.save()
    page = admin_client.get(URL).content.decode()
    assert 'value="private"' not in page
    response = admin_client.post(URL, _data(means=["private"]))
    assert "Organisationen tillader ikke det valgte identifikationsmiddel." in (
        response.content.decode()
    )
    assert not User.objects.filter(last_name="Holm").exists()


def test_the_side_menu_offers_the_page_to_user_administrators(admin_client):
    page = admin_client.get(reverse("users:list")).content.decode()
    assert f'href="{URL}"' in page and "Opret bruger" in page


def test_a_cpr_user_is_created_invited_and_audited(
    admin_client, organisation, user_admin, django_capture_on_commit_callbacks
):
    response = _post(admin_client, django_capture_on_commit_callbacks)
    user = User.objects.get(last_name="Holm")
    assert response.status_code == 302
    assert response.url == reverse("users:detail", args=[user.pk])
    assert (user.first_name, user.email, user.phone) == (
        "Ida Marie",
        "ida.holm@example.dk",
        "+4522334455",
    )
    assert user.organisation == organisation
    assert user.cpr == CPR and user.cpr_hash == crypto.cpr_hash(CPR)
    assert user.birth_date == datetime.date(1984, 5, 17)
    assert user.state == User.State.AWAITING and user.means == ["kodeviser"]
    assert not user.is_anonymous_user and not user.has_usable_password()

    invitation = Invitation.objects.get(user=user)
    assert invitation.means == ["kodeviser"] and invitation.code_hash == ""
    assert [m.to for m in mail.outbox] == [["ida.holm@example.dk"]]
    assert "Lægehuset Vestergade I/S" in mail.outbox[0].subject
    event = AuditEvent.objects.get(action="user_created")
    assert event.organisation == organisation and event.actor_user == user_admin
    assert event.target == "Ida Marie Holm"
    assert CPR not in str(event.changes) and CPR not in event.target

    page = admin_client.get(response.url).content.decode()
    assert (
        "Brugeren Ida Marie Holm er oprettet og har fået en e-mail med et aktiveringslink." in page
    )
    assert "<h1>Brugerinformation</h1>" in page and "Afventer aktivering" in page


def test_a_birth_date_user_gets_a_code_to_reveal(admin_client, django_capture_on_commit_callbacks):
    response = _post(
        admin_client, django_capture_on_commit_callbacks, cpr="", birth_date="17-05-1984"
    )
    user = User.objects.get(last_name="Holm")
    assert user.cpr == "" and user.cpr_hash == "" and user.birth_date == datetime.date(1984, 5, 17)
    invitation = Invitation.objects.get(user=user)
    assert invitation.code_hash  # the 8-digit code, revealed with *Vis*, never emailed
    page = admin_client.get(response.url).content.decode()
    assert "skal aktiveres med midlertidig aktiveringskode" in page
    single = admin_client.get(reverse("activation:invitation", args=[invitation.pk]))
    assert ">Vis</button>" in single.content.decode()


def test_cpr_and_birth_date_must_agree(admin_client):
    response = admin_client.post(URL, _data(birth_date="18-05-1984"))
    assert "Fødselsdatoen passer ikke med CPR-nummeret." in response.content.decode()
    assert not User.objects.filter(last_name="Holm").exists()
    response = admin_client.post(URL, _data(birth_date="17.05.1984"))
    assert response.status_code == 302


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"cpr": "", "birth_date": ""}, "Udfyld CPR-nummer eller fødselsdato."),
        ({"cpr": "12345"}, "Et CPR-nummer består af 10 cifre, fx 010190-1234."),
        ({"cpr": "3213901234"}, "CPR-nummeret indeholder ikke en gyldig fødselsdato."),
        ({"cpr": "", "birth_date": "31-02-1990"}, "Datoen findes ikke. Tjek dag og måned."),
        ({"cpr": "", "birth_date": "1990"}, "Skriv fødselsdatoen som dd-mm-åååå"),
        ({"cpr": "", "birth_date": "01-01-2999"}, "Fødselsdatoen er ikke en gyldig fødselsdato."),
        ({"email": "ikke-en-mail"}, "Indtast en gyldig e-mailadresse, fx navn@firma.dk."),
        ({"email": ""}, "Indtast medarbejderens e-mailadresse."),
        ({"phone": "1234"}, "Indtast et dansk mobilnummer på 8 cifre"),
        ({"first_name": "   "}, "Indtast medarbejderens fornavn(e)."),
        ({"last_name": ""}, "Indtast medarbejderens efternavn."),
        ({"means": None}, "Vælg mindst ét identifikationsmiddel."),
        ({"means": ["kodeoplaeser"]}, "Organisationen tillader ikke det valgte"),
        ({"services": ["999999"]}, "Vælg kun tjenester fra listen."),
    ],
)
def test_bad_input_is_refused_in_danish_and_kept(admin_client, overrides, message):
    response = admin_client.post(URL, _data(**overrides))
    page = response.content.decode()
    assert response.status_code == 200
    assert message in page
    assert "Der er problemer" in page and page.count(message) >= 2  # in the summary and the field
    assert 'value="Holm"' in page or overrides.get("last_name") == ""
    assert not User.objects.filter(last_name="Holm").exists()
    assert not Invitation.objects.exists() and not mail.outbox


def test_what_was_typed_is_kept(admin_client):
    page = admin_client.post(URL, _data(email="forkert", anonymous="on")).content.decode()
    assert 'value="forkert"' in page
    assert 'value="22 33 44 55"' in page
    assert re.search(r'name="anonymous"[^>]*checked', page)


def test_a_cpr_already_in_the_organisation_is_refused(admin_client, organisation):
    UserFactory(organisation=organisation, cpr=CPR, cpr_hash=crypto.cpr_hash(CPR))
    response = admin_client.post(URL, _data())
    page = response.content.decode()
    assert "Der findes allerede en bruger med dette CPR-nummer i organisationen." in page
    assert User.objects.filter(cpr_hash=crypto.cpr_hash(CPR)).count() == 1
    assert not Invitation.objects.exists()


def test_the_same_cpr_in_another_organisation_is_no_obstacle(admin_client):
    UserFactory(cpr=CPR, cpr_hash=crypto.cpr_hash(CPR))
    assert admin_client.post(URL, _data()).status_code == 302
    assert User.objects.filter(cpr_hash=crypto.cpr_hash(CPR)).count() == 2


def test_anonymous_is_stored(admin_client):
    admin_client.post(URL, _data(anonymous="on"))
    assert User.objects.get(last_name="Holm").is_anonymous_user


def test_chosen_rights_and_the_basic_package_are_given(admin_client):
    fmk = PublicService.objects.create(code="fmk-t", name="FMK test")
    basic = PublicService.objects.create(
        code="dp-t", name="Digital Post test", in_basic_package=True
    )
    page = admin_client.get(URL).content.decode()
    assert "FMK test" in page
    admin_client.post(URL, _data(services=[str(fmk.pk)]))
    user = User.objects.get(last_name="Holm")
    held = set(UserRight.objects.filter(user=user).values_list("service_id", flat=True))
    assert fmk.pk in held
    assert basic.pk in held
    assert "Basispakken" in page


def test_a_failure_half_way_saves_nothing(admin_client, monkeypatch):
    def boom(**kwargs):
        raise RuntimeError("invitation failed")

    monkeypatch.setattr("activation.services.create.users_activation_start", boom)
    with pytest.raises(RuntimeError):
        admin_client.post(URL, _data())
    assert not User.objects.filter(last_name="Holm").exists()
    assert not AuditEvent.objects.filter(action="user_created").exists()


def test_the_service_refuses_a_second_user_with_the_same_cpr(organisation, user_admin):
    kwargs = {
        "organisation": organisation,
        "first_name": "Ida",
        "last_name": "Holm",
        "email": "ida@example.dk",
        "cpr": CPR,
        "means": ["app"],
        "actor": user_admin,
    }
    services.user_create(**kwargs)
    with pytest.raises(services.create.RuleError) as exc:
        services.user_create(**kwargs)
    assert exc.value.code == "cpr_exists"
    assert User.objects.filter(last_name="Holm").count() == 1


def test_a_get_changes_nothing(admin_client):
    before = User.objects.count()
    admin_client.get(URL, _data())
    assert User.objects.count() == before


def test_an_organisation_administrator_may_create(client, organisation):
    admin = RoleGrantFactory(
        user__organisation=organisation, role=RoleGrant.Role.ORGANISATION_ADMIN
    ).user
    client.force_login(admin)
    assert client.post(URL, _data()).status_code == 302


@pytest.mark.parametrize("role", [RoleGrant.Role.RIGHTS_ADMIN, None])
def test_a_rights_administrator_or_plain_user_gets_403(client, organisation, role):
    user = UserFactory(organisation=organisation)
    if role:
        RoleGrantFactory(user=user, role=role)
    client.force_login(user)
    assert client.get(URL).status_code == 403
    assert client.post(URL, _data()).status_code == 403
    assert not User.objects.filter(last_name="Holm").exists()


def test_a_stranger_is_sent_to_log_in(client):
    response = client.get(URL)
    assert response.status_code == 302 and "next=" in response.url


def test_another_organisations_service_ids_are_just_catalogue_ids(admin_client):
    # Rights are a shared catalogue, not an organisation's objects: an unknown id is refused.
    response = admin_client.post(URL, _data(services=["abc"]))
    assert "Vælg kun tjenester fra listen." in response.content.decode()


def test_the_same_form_sent_twice_creates_one_user(admin_client):
    page = admin_client.get(URL).content.decode()
    form_id = re.search(r'name="form_id" value="([^"]+)"', page).group(1)
    data = _data(cpr="", birth_date="17-05-1984", form_id=form_id)
    first = admin_client.post(URL, data)
    second = admin_client.post(URL, data)
    assert first.url == reverse("users:detail", args=[User.objects.get(last_name="Holm").pk])
    assert second.url == reverse("users:list")
    assert User.objects.filter(last_name="Holm").count() == 1
    assert Invitation.objects.count() == 1
    assert "Brugeren er allerede oprettet." in admin_client.get(second.url).content.decode()


def test_a_refused_form_can_be_corrected_and_sent_with_the_same_id(admin_client):
    data = _data(form_id="fast-id", email="forkert")
    page = admin_client.post(URL, data).content.decode()
    assert 'name="form_id" value="fast-id"' in page
    assert admin_client.post(URL, {**data, "email": "ida@example.dk"}).status_code == 302


def test_the_side_menu_marks_only_the_page_itself_as_current(admin_client):
    page = admin_client.get(URL).content.decode()
    # The side menu beside the content and its copy in the phone's drawer.
    current = re.findall(r'<a href="([^"]+)"[^>]* aria-current="page"', page)
    assert current == [URL, URL]
