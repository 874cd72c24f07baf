"""Every destructive or power-granting act asks first (issue 13): its button opens a DKFDS modal
whose own button sends ``confirmed``; a POST without it (no JavaScript) gets a confirmation page
that sends the same fields again, and nothing happens until then. *Roller* starts on an empty
"Vælg rolle"."""

import re

import pytest
from django.urls import reverse

from activation import services as activation_services
from activation.models import Invitation
from broker.models import Client
from idm import services as idm_services
from organisations import services
from organisations.models import PublicService, RightRequest, RoleGrant, UserGroup, UserRight
from tests.factories import OrganisationFactory, RoleGrantFactory, UserFactory
from users.models import User

pytestmark = pytest.mark.django_db

ORG_ADMIN = RoleGrant.Role.ORGANISATION_ADMIN
USER_ADMIN = RoleGrant.Role.USER_ADMIN
RIGHTS_ADMIN = RoleGrant.Role.RIGHTS_ADMIN


@pytest.fixture
def world(client):
    services.public_services_seed()
    organisation = OrganisationFactory()
    admin = RoleGrantFactory(
        user__organisation=organisation, user__first_name="Anna", user__last_name="Admin"
    ).user
    for role in (USER_ADMIN, RIGHTS_ADMIN):
        RoleGrant.objects.create(user=admin, organisation=organisation, role=role)
    mette = UserFactory(organisation=organisation, first_name="Mette", last_name="Hansen")
    fmk = PublicService.objects.get(code="fmk")
    services.right_grant(user=mette, service=fmk, actor=admin)
    group = services.user_group_create(organisation=organisation, name="Sekretærer", actor=admin)
    services.user_group_member_add(group=group, user=mette, actor=admin)
    services.user_group_service_add(group=group, service=fmk, actor=admin)
    api_client, _secret = idm_services.api_client_create(
        organisation=organisation, name="Okta", actor=admin
    )
    client.force_login(admin)
    return {
        "organisation": organisation,
        "admin": admin,
        "mette": mette,
        "fmk": fmk,
        "group": group,
        "api_client": api_client,
    }


def _modal(page: str, form_id: str, value: str = "", cancel: str = "Annullér") -> str:
    """The modal of the form ``form_id``: its trigger is in the form, its button submits it."""
    modal_id = f"modal-{form_id}" + (f"-{value}" if value else "")
    assert '<form method="post"' in page and f'id="{form_id}"' in page
    assert f'data-module="modal" data-target="{modal_id}"' in page
    match = re.search(
        rf'<div class="fds-modal" data-confirm-modal id="{modal_id}" aria-hidden="true" role="dialog" '
        rf'aria-modal="true" aria-labelledby="{modal_id}-heading".*?</div>\s*</div>\s*</div>',
        page,
        re.S,
    )
    assert match, modal_id
    modal = match.group(0)
    assert f'<h2 class="modal-title" id="{modal_id}-heading">' in modal
    assert f'form="{form_id}" name="confirmed" value="{value or 1}"' in modal
    assert "data-modal-close" in modal and f">{cancel}</button>" in modal
    return modal


def test_roller_offers_no_role_until_one_is_chosen_and_asks_before_granting(client, world):
    mette = world["mette"]
    page = client.get(reverse("organisations:roles")).content.decode()
    select = re.search(rf'<select[^>]*id="role-{mette.pk}"[^>]*>(.*?)</select>', page, re.S)
    assert select and "required" in select.group(0)
    options = re.findall(r"<option[^>]*>[^<]*</option>", select.group(1))
    assert options[0] == '<option value="" selected>Vælg rolle</option>'
    assert all("selected" not in option for option in options[1:])
    modal = _modal(page, f"role-add-{mette.pk}")
    assert "Vil du tildele Mette Hansen rollen {choice}?" in modal
    assert ">Ja, tildel</button>" in modal
    # The user administrator's role as on Hjælp: no "tildele og fjerne rettigheder".
    assert "kan tildele og fjerne rettigheder" not in page
    assert "Det er kun brugeren selv, der kan aktivere brugerprofilen." in page


def test_granting_a_role_without_confirmation_asks_on_a_page_of_its_own(client, world):
    mette = world["mette"]
    url = reverse("organisations:role_add")
    page = client.post(url, {"user": mette.pk, "role": ORG_ADMIN})
    assert page.status_code == 200
    html = page.content.decode()
    assert "<h1>Vil du tildele Mette Hansen rollen Organisationsadministrator?</h1>" in html
    assert f'<input type="hidden" name="user" value="{mette.pk}">' in html
    assert f'<input type="hidden" name="role" value="{ORG_ADMIN}">' in html
    assert 'name="confirmed" value="1"' in html and "csrfmiddlewaretoken" in html
    assert not RoleGrant.objects.filter(user=mette).exists()
    client.post(url, {"user": mette.pk, "role": ORG_ADMIN, "confirmed": "1"})
    assert RoleGrant.objects.filter(user=mette, role=ORG_ADMIN).exists()
    # Without a role chosen nothing is asked and nothing granted.
    client.post(url, {"user": mette.pk, "role": "", "confirmed": "1"})
    assert RoleGrant.objects.filter(user=mette).count() == 1


def test_removing_a_role_asks_first(client, world):
    grant = RoleGrant.objects.get(user=world["admin"], role=USER_ADMIN)
    page = client.get(reverse("organisations:roles")).content.decode()
    modal = _modal(page, f"role-remove-{grant.pk}")
    assert "Vil du fjerne rollen Brugeradministrator fra Anna Admin?" in modal
    url = reverse("organisations:role_remove")
    data = {"user": world["admin"].pk, "role": USER_ADMIN}
    assert "Vil du fjerne rollen" in client.post(url, data).content.decode()
    assert RoleGrant.objects.filter(pk=grant.pk).exists()
    client.post(url, {**data, "confirmed": "1"})
    assert not RoleGrant.objects.filter(pk=grant.pk).exists()


def test_cancelling_an_activation_asks_first(client, world):
    user = UserFactory(organisation=world["organisation"], state=User.State.IMPORTED)
    (invitation,) = activation_services.users_activation_start(
        organisation=world["organisation"], users=[user], means=["app"], actor=None
    )
    page = client.get(reverse("activation:pending")).content.decode()
    modal = _modal(page, f"activation-cancel-{invitation.pk}")
    assert f"Vil du annullere aktiveringen af {user.full_name}?" in modal
    url = reverse("activation:cancel", args=[invitation.pk])
    assert client.post(url).status_code == 200
    invitation.refresh_from_db()
    assert invitation.state != Invitation.State.CANCELLED
    client.post(url, {"confirmed": "1"})
    invitation.refresh_from_db()
    assert invitation.state == Invitation.State.CANCELLED


def test_the_group_page_asks_before_removing_or_deleting(client, world):
    group, mette, fmk = world["group"], world["mette"], world["fmk"]
    page = client.get(reverse("organisations:group", args=[group.pk])).content.decode()
    assert "Vil du slette gruppen Sekretærer?" in _modal(page, f"group-delete-{group.pk}")
    _modal(page, f"group-member-remove-{mette.pk}")
    _modal(page, f"group-service-remove-{fmk.pk}")
    remove = reverse("organisations:group_member_remove", args=[group.pk])
    assert (
        "Vil du fjerne Mette Hansen fra gruppen"
        in client.post(remove, {"user": mette.pk}).content.decode()
    )
    assert group.members.filter(pk=mette.pk).exists()
    delete = reverse("organisations:group_delete", args=[group.pk])
    assert client.post(delete).status_code == 200
    assert UserGroup.objects.filter(pk=group.pk).exists()
    client.post(delete, {"confirmed": "1"})
    assert not UserGroup.objects.filter(pk=group.pk).exists()


def test_removing_a_users_right_asks_first(client, world):
    mette, fmk = world["mette"], world["fmk"]
    page = client.get(reverse("organisations:user_rights", args=[mette.pk])).content.decode()
    _modal(page, f"user-right-remove-{fmk.pk}")
    url = reverse("organisations:user_right_remove", args=[mette.pk])
    client.post(url, {"service": fmk.pk})
    assert UserRight.objects.filter(user=mette, service=fmk).exists()
    client.post(url, {"service": fmk.pk, "confirmed": "1"})
    assert not UserRight.objects.filter(user=mette, service=fmk).exists()


def test_a_request_is_rejected_only_when_confirmed(client, world):
    mette = world["mette"]
    service = PublicService.objects.get(code="barsel")
    right_request = services.right_request_create(user=mette, service=service)
    page = client.get(reverse("organisations:right_requests")).content.decode()
    _modal(page, f"right-request-{right_request.pk}", "approve")
    modal = _modal(page, f"right-request-{right_request.pk}", "reject")
    assert "Vil du afvise anmodningen fra Mette Hansen" in modal
    url = reverse("organisations:right_request_decide", args=[right_request.pk])
    asked = client.post(url, {"decision": "reject", "note": "Nej"}).content.decode()
    assert '<input type="hidden" name="decision" value="reject">' in asked
    assert '<input type="hidden" name="note" value="Nej">' in asked
    right_request.refresh_from_db()
    assert right_request.state == RightRequest.State.REQUESTED
    # The modal's button names the decision it confirms.
    client.post(url, {"confirmed": "reject", "note": "Nej"})
    right_request.refresh_from_db()
    assert right_request.state == RightRequest.State.REJECTED


def test_blocking_an_idm_client_asks_first(client, world):
    api_client = world["api_client"]
    page = client.get(reverse("idm:clients")).content.decode()
    assert "Vil du spærre IdM-klienten Okta?" in _modal(page, f"client-revoke-{api_client.pk}")
    _modal(page, f"client-renew-{api_client.pk}")
    url = reverse("idm:client_revoke", args=[api_client.pk])
    client.post(url)
    assert Client.objects.get(pk=api_client.pk).revoked_at is None
    client.post(url, {"confirmed": "1"})
    assert Client.objects.get(pk=api_client.pk).revoked_at is not None


def test_another_organisations_object_is_not_found_before_anything_is_asked(client, world):
    theirs = UserGroup.objects.create(organisation=OrganisationFactory(), name="Fremmed")
    assert client.post(reverse("organisations:group_delete", args=[theirs.pk])).status_code == 404


def test_the_questions_are_asked_in_english_too(client, world, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    grant = RoleGrant.objects.get(user=world["admin"], role=USER_ADMIN)
    page = client.get(reverse("organisations:roles")).content.decode()
    assert "Do you want to remove the role User administrator from Anna Admin?" in _modal(
        page, f"role-remove-{grant.pk}", cancel="Cancel"
    ).replace("&#x27;", "'")
    assert '<option value="" selected>Choose role</option>' in page
    asked = client.post(
        reverse("organisations:group_delete", args=[world["group"].pk])
    ).content.decode()
    assert "<h1>Do you want to delete the group Sekretærer?</h1>" in asked
    assert ">Yes, delete the group</button>" in asked and ">Cancel</a>" in asked
