"""The pages: *Start import*, progress and report, *Importerede brugere*, *Brugere* and
*Brugerinformation* – the guide's words, search, pagination, masked CPR, constant queries, 404
for another organisation's objects, 403 without an administrator role, and the menu item."""

import datetime

import pytest
from django.urls import reverse

from mitid_portal.models import AuditEvent
from organisations.models import RoleGrant
from tests.factories import RoleGrantFactory, UserFactory
from users.models import ImportRun, User

pytestmark = pytest.mark.django_db


def _imported(organisation, n=1, **kwargs):
    return [
        UserFactory(organisation=organisation, state=User.State.IMPORTED, **kwargs)
        for _ in range(n)
    ]


def test_the_import_page_explains_the_import_and_offers_the_roles(admin_client, employee):
    employee(is_nemid_admin=True, first_name="Søren", last_name="Bech", rid="38416202")
    page = admin_client.get(reverse("users:import")).content.decode()
    assert "<h1>Start import</h1>" in page
    assert "roller og rettigheder overføres sammen med brugerne" in page
    assert "RID nummer" in page
    assert "Søren Bech (RID 38416202)" in page
    for role in ("Organisationsadministrator", "Brugeradministrator", "Rettighedsadministrator"):
        assert role in page


def test_starting_the_import_runs_it_and_shows_the_report(
    admin_client, organisation, employee, django_capture_on_commit_callbacks
):
    soeren = employee(is_nemid_admin=True, rights=["fmk"])
    employee(status="revoked", first_name="Bent", last_name="Holm")
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("users:import"), {f"role_{soeren.pk}": RoleGrant.Role.RIGHTS_ADMIN}
        )
    run = ImportRun.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("users:import_run", args=[run.pk])
    page = admin_client.get(response.url).content.decode()
    assert "Importen er gennemført" in page
    assert "1 importeret, 1 sprunget over, 0 markeret" in page
    assert "Bent Holm" in page and "Signaturen er spærret" in page
    assert "Hent rapporten (CSV)" in page
    assert RoleGrant.objects.filter(role="rights_admin", user__nemid_employee_id=soeren.pk).exists()


def test_a_second_import_while_one_runs_is_refused_with_a_message(admin_client, organisation):
    ImportRun.objects.create(organisation=organisation, started_by_name="x")
    response = admin_client.post(reverse("users:import"), {}, follow=True)
    assert "Der kører allerede en import for organisationen." in response.content.decode()
    assert ImportRun.objects.count() == 1


def test_the_progress_shows_a_bar_and_polls_while_running(admin_client, organisation):
    run = ImportRun.objects.create(
        organisation=organisation, started_by_name="x", state="running", total=200, processed=50
    )
    page = admin_client.get(reverse("users:import_run", args=[run.pk])).content.decode()
    assert '<progress id="import-progress-bar" max="200" value="50">' in page
    assert "50 af 200" in page
    assert 'hx-trigger="every 1s"' in page
    partial = admin_client.get(
        reverse("users:import_run", args=[run.pk]) + "?progress=1", HTTP_HX_REQUEST="true"
    )
    assert "<html" not in partial.content.decode() and "50 af 200" in partial.content.decode()
    ImportRun.objects.filter(pk=run.pk).update(state="done")
    done = admin_client.get(
        reverse("users:import_run", args=[run.pk]) + "?progress=1", HTTP_HX_REQUEST="true"
    )
    assert done["HX-Refresh"] == "true"


def test_a_user_administrator_may_see_the_lists_but_not_start_an_import(client, organisation):
    grant = RoleGrantFactory(user__organisation=organisation, role=RoleGrant.Role.USER_ADMIN)
    client.force_login(grant.user)
    assert client.get(reverse("users:imported")).status_code == 200
    assert client.get(reverse("users:import")).status_code == 403


@pytest.mark.parametrize("role", [RoleGrant.Role.RIGHTS_ADMIN, None])
def test_without_an_admin_role_the_pages_are_403(client, organisation, role):
    user = UserFactory(organisation=organisation)
    if role:
        RoleGrantFactory(user=user, role=role)
    client.force_login(user)
    for name in ("users:import", "users:imported", "users:list"):
        assert client.get(reverse(name)).status_code == 403
    assert client.get(reverse("users:detail", args=[user.pk])).status_code == 403


def test_the_imported_list_is_one_form_for_the_bulk_activation(admin_client, organisation):
    lise, bo = _imported(organisation, 2)
    page = admin_client.get(reverse("users:imported")).content.decode()
    assert "<h1>Importerede brugere</h1>" in page
    assert 'action="/aktivering/brugere/"' in page or 'action="#"' in page
    assert f'name="user" value="{lise.pk}"' in page and f'name="user" value="{bo.pk}"' in page
    assert 'data-select-all="user"' in page and "js/selection.js" in page
    assert 'name="all_matching" value="1"' in page
    assert "Markér alle 2 importerede brugere" in page
    assert "Aktivér brugere" in page
    assert "style=" not in page and "<script>" not in page


def test_marking_a_page_works_without_javascript(admin_client, organisation):
    (lise,) = _imported(organisation)
    page = admin_client.get(reverse("users:imported") + "?marker=side").content.decode()
    assert f'name="user" value="{lise.pk}" checked' in page


def test_search_by_name_email_and_rid(admin_client, organisation):
    _imported(organisation, first_name="Lise", last_name="Kristensen", email="lk@x.dk", rid="111")
    _imported(organisation, first_name="Bo", last_name="Berg", email="bb@x.dk", rid="222")
    url = reverse("users:imported")
    for q, found, missing in [
        ("lise krist", "Kristensen", "Berg"),
        ("bb@x", "Berg", "Kristensen"),
        ("222", "Berg", "Kristensen"),
    ]:
        page = admin_client.get(url, {"q": q}).content.decode()
        assert found in page and missing not in page
        assert f'name="q" value="{q}"' in page
    page = admin_client.get(url, {"q": "lise"}).content.decode()
    assert "Markér den ene bruger, der matcher søgningen" in page


def test_pagination_fifty_a_page(admin_client, organisation):
    for i in range(51):
        UserFactory(
            organisation=organisation, state="imported", last_name=f"Navn{i:03d}", first_name="A"
        )
    first = admin_client.get(reverse("users:imported")).content.decode()
    assert first.count('name="user"') == 50 and "Side 1 af 2" in first
    second = admin_client.get(reverse("users:imported"), {"side": 2}).content.decode()
    assert second.count('name="user"') == 1 and "Navn050" in second


def test_cpr_is_masked_and_birth_date_shown(admin_client, organisation):
    (with_cpr,) = _imported(organisation)
    _imported(organisation, cpr="", cpr_hash="", birth_date=datetime.date(1962, 2, 26))
    page = admin_client.get(reverse("users:imported")).content.decode()
    assert f"{with_cpr.cpr[:6]}-****" in page
    assert with_cpr.cpr not in page
    assert "26.02.1962" in page


def test_the_duplicate_flag_shows_a_badge(admin_client, organisation):
    _imported(organisation, duplicate_flag=True)
    assert (
        "Flere signaturer – kontrollér"
        in admin_client.get(reverse("users:imported")).content.decode()
    )


@pytest.mark.parametrize("name,state", [("users:imported", "imported"), ("users:list", "active")])
def test_the_lists_use_a_constant_number_of_queries(
    admin_client, organisation, django_assert_max_num_queries, name, state
):
    UserFactory.create_batch(10, organisation=organisation, state=state)
    with django_assert_max_num_queries(20) as small:
        admin_client.get(reverse(name))
    UserFactory.create_batch(190, organisation=organisation, state=state)
    with django_assert_max_num_queries(len(small.captured_queries)):
        page = admin_client.get(reverse(name))
    assert page.status_code == 200


def test_the_user_list_holds_every_state_but_imported(admin_client, organisation, org_admin):
    (imported,) = _imported(organisation, last_name="Importeret")
    awaiting = UserFactory(organisation=organisation, state="awaiting", last_name="Afventer")
    page = admin_client.get(reverse("users:list")).content.decode()
    assert "<h1>Brugere</h1>" in page
    assert awaiting.full_name in page and "Afventer aktivering" in page
    assert imported.full_name not in page
    assert org_admin.full_name in page


def test_the_imported_menu_item_disappears_when_none_are_left(admin_client, organisation):
    (user,) = _imported(organisation)
    page = admin_client.get(reverse("users:list")).content.decode()
    assert f'href="{reverse("users:imported")}"' in page
    User.objects.filter(pk=user.pk).update(state=User.State.AWAITING)
    page = admin_client.get(reverse("users:list")).content.decode()
    assert f'href="{reverse("users:imported")}"' not in page
    assert f'href="{reverse("users:list")}"' in page


def test_user_information_shows_data_rights_roles_and_the_activate_link(
    admin_client, organisation, employee
):
    from users.services import users_import_from_nemid

    signature = employee(rid="38416203", rights=["fmk"], is_nemid_admin=True)
    users_import_from_nemid(
        organisation=organisation,
        started_by_name="x",
        admin_roles={signature.pk: RoleGrant.Role.USER_ADMIN},
    )
    user = User.objects.get(nemid_employee_id=signature.pk)
    page = admin_client.get(reverse("users:detail", args=[user.pk])).content.decode()
    assert "<h1>Brugerinformation</h1>" in page
    assert "Ikke aktiveret" in page and "38416203" in page and "FMK" in page
    assert "Brugeradministrator" in page
    assert f"{user.cpr[:6]}-****" in page and user.cpr not in page
    assert f'href="{reverse("users:edit", args=[user.pk])}"' in page
    assert "Aktivér" in page


def test_rediger_leads_to_the_lifecycle_edit_and_the_old_form_is_gone(admin_client, organisation):
    """*Redigér* is the lifecycle edit (confirmed email, concurrency check): Brugerinformation
    has no edit form of its own, and a POST to it changes nothing."""
    (user,) = _imported(organisation, first_name="Lise")
    url = reverse("users:detail", args=[user.pk])
    page = admin_client.get(url).content.decode()
    assert f'href="{reverse("users:edit", args=[user.pk])}"' in page
    assert 'name="first_name"' not in page and 'method="post" novalidate' not in page
    response = admin_client.post(
        url, {"first_name": "Omgået", "last_name": "K", "phone": "", "email": "x@x.dk"}
    )
    assert response.status_code == 405
    user.refresh_from_db()
    assert user.first_name == "Lise"
    assert not AuditEvent.objects.filter(action="user_updated").exists()


def test_another_organisations_user_is_404(admin_client):
    theirs = UserFactory()
    assert admin_client.get(reverse("users:detail", args=[theirs.pk])).status_code == 404
    assert admin_client.post(reverse("users:edit", args=[theirs.pk]), {}).status_code == 404


def test_anonymous_visitors_go_to_the_login(client):
    response = client.get(reverse("users:imported"))
    assert response.status_code == 302 and reverse("login:start") in response.url


def test_user_information_shows_rights_through_groups_marked_as_such(
    admin_client, organisation, django_assert_max_num_queries
):
    from organisations.models import PublicService, UserGroup, UserRight

    user = UserFactory(organisation=organisation, state=User.State.ACTIVE)
    fmk = PublicService.objects.get(code="fmk")
    post = PublicService.objects.get(code="digital_post")
    UserRight.objects.create(user=user, service=fmk, from_rid="12345", granted_by_name="Import")
    group = UserGroup.objects.create(organisation=organisation, name="Klinikken")
    group.services.add(fmk, post)
    group.members.add(user)
    UserGroup.objects.create(organisation=organisation, name="Tom gruppe").members.add(user)
    with django_assert_max_num_queries(20) as few:
        response = admin_client.get(reverse("users:detail", args=[user.pk]))
    rows = {row["service"].code: row for row in response.context["rights"]}
    assert set(rows) == {"fmk", "digital_post"}
    assert rows["fmk"]["right"].from_rid == "12345"
    assert [g.name for g in rows["digital_post"]["groups"]] == ["Klinikken"]
    assert rows["digital_post"]["right"] is None
    page = response.content.decode()
    assert "Digital Post til virksomheder" in page
    assert page.count("Gennem brugergruppen Klinikken") == 2
    assert "12345" in page
    # More groups and services cost no more queries.
    for i in range(5):
        more = UserGroup.objects.create(organisation=organisation, name=f"Gruppe {i}")
        more.services.add(*PublicService.objects.all()[:4])
        more.members.add(user)
    with django_assert_max_num_queries(len(few.captured_queries)):
        admin_client.get(reverse("users:detail", args=[user.pk]))
    rights_url = reverse("organisations:user_rights", args=[user.pk])
    assert rights_url not in page  # an organisation administrator does not grant rights
    user_admin = RoleGrantFactory(user__organisation=organisation, role=RoleGrant.Role.USER_ADMIN)
    admin_client.force_login(user_admin.user)
    assert rights_url in admin_client.get(reverse("users:detail", args=[user.pk])).content.decode()
