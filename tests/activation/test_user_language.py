"""Each user carries the language of their emails and SMS (issue 13): Danish unless English was
chosen – by the administrator in *Opret bruger* or the *Masseopret* file's optional "sprog"
column, or by the user with the language switch while logged in."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from activation import services
from mitid_portal.models import OutboundEmail
from tests.factories import UserFactory, fictitious_cpr
from users.models import User

pytestmark = pytest.mark.django_db

CPR = fictitious_cpr(17, datetime.date(1984, 5, 17))


@pytest.fixture
def admin_client(client, user_admin):
    client.force_login(user_admin)
    return client


def _create(client, capture, **extra):
    data = {
        "first_name": "Ida",
        "last_name": "Holm",
        "cpr": CPR,
        "email": "ida.holm@example.dk",
        "means": ["kodeviser"],
        **extra,
    }
    with capture(execute=True):
        return client.post(reverse("activation:user_create"), data)


def test_opret_bruger_offers_the_language_danish_first(admin_client):
    page = admin_client.get(reverse("activation:user_create")).content.decode()
    assert "Sprog i e-mail og SMS" in page
    assert 'name="language" id="id_language_0" value="da" checked' in page
    assert 'value="en"' in page


def test_a_user_created_in_english_gets_the_activation_email_in_english(
    admin_client, django_capture_on_commit_callbacks
):
    response = _create(admin_client, django_capture_on_commit_callbacks, language="en")
    assert response.status_code == 302
    user = User.objects.get(last_name="Holm")
    assert user.language == "en"
    email = OutboundEmail.objects.get(to="ida.holm@example.dk")
    assert email.subject.startswith("Activate your user in MitID Erhverv at ")
    assert "Dear Ida Holm" in email.body_text


def test_without_a_choice_the_user_is_danish(admin_client, django_capture_on_commit_callbacks):
    _create(admin_client, django_capture_on_commit_callbacks)
    assert User.objects.get(last_name="Holm").language == "da"
    email = OutboundEmail.objects.get(to="ida.holm@example.dk")
    assert email.subject.startswith("Aktivér din bruger i MitID Erhverv hos ")


def _file(*rows: str, header: str = "fornavn;efternavn;cpr;fødselsdato;email;mobil;sprog"):
    text = "\r\n".join([header, *rows]) + "\r\n"
    return SimpleUploadedFile("brugere.csv", text.encode(), "text/csv")


def test_the_bulk_file_may_give_each_users_language(organisation):
    parsed = services.users_bulk_file_read(
        organisation=organisation,
        upload=_file(
            f"Ann;Berg;{fictitious_cpr(1)};;ann@example.dk;;en",
            f"Bo;Dahl;{fictitious_cpr(2)};;bo@example.dk;;",
            f"Cai;Eng;{fictitious_cpr(3)};;cai@example.dk;;Dansk",
            f"Dea;Fog;{fictitious_cpr(4)};;dea@example.dk;;fransk",
        ),
    )
    assert [row.language for row in parsed.rows[:3]] == ["en", "da", "da"]
    assert [str(e) for e in parsed.rows[3].errors] == [
        "Sproget skal være da (dansk) eller en (engelsk)."
    ]


def test_a_file_without_the_column_makes_danish_users(organisation):
    parsed = services.users_bulk_file_read(
        organisation=organisation,
        upload=_file(
            f"Ann;Berg;{fictitious_cpr(1)};;ann@example.dk;",
            header="fornavn;efternavn;cpr;fødselsdato;email;mobil",
        ),
    )
    assert parsed.is_clean and parsed.rows[0].language == "da"


def test_bulk_created_users_get_the_link_in_their_language(
    organisation, user_admin, django_capture_on_commit_callbacks
):
    users = [
        services.NewUser(
            first_name="Ann", last_name="Berg", email="ann@example.dk", cpr=fictitious_cpr(1)
        ),
        services.NewUser(
            first_name="Ben",
            last_name="Cole",
            email="ben@example.dk",
            cpr=fictitious_cpr(2),
            language="en",
        ),
    ]
    with django_capture_on_commit_callbacks(execute=True):
        services.users_bulk_create(
            organisation=organisation, users=users, batch="b1", actor=user_admin
        )
    assert dict(
        User.objects.filter(last_name__in=["Berg", "Cole"]).values_list("email", "language")
    ) == {
        "ann@example.dk": "da",
        "ben@example.dk": "en",
    }
    subjects = dict(OutboundEmail.objects.values_list("to", "subject"))
    assert subjects["ann@example.dk"].startswith("Aktivér din bruger")
    assert subjects["ben@example.dk"].startswith("Activate your user")


def test_the_language_switch_saves_a_logged_in_users_choice(client, organisation):
    user = UserFactory(organisation=organisation)
    client.force_login(user)
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert response.status_code == 302
    assert response.cookies["django_language"].value == "en"
    user.refresh_from_db()
    assert user.language == "en"
    client.post(reverse("set_language"), {"language": "da", "next": "/"})
    user.refresh_from_db()
    assert user.language == "da"
    client.post(reverse("set_language"), {"language": "xx", "next": "/"})
    user.refresh_from_db()
    assert user.language == "da"


def test_the_language_switch_works_without_login(client):
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert response.status_code == 302
    assert response.cookies["django_language"].value == "en"


def test_a_user_who_chose_english_gets_english_pages_after_login(client, organisation):
    user = UserFactory(organisation=organisation, language="en")
    client.force_login(user)
    page = client.get(reverse("portal:home")).content.decode()
    assert '<html lang="en"' in page


def test_the_browsers_own_choice_comes_first(client, organisation):
    user = UserFactory(organisation=organisation, language="en")
    client.cookies["django_language"] = "da"
    client.force_login(user)
    page = client.get(reverse("portal:home")).content.decode()
    assert '<html lang="da"' in page
