"""The claims follow the portal at each login: the privileges of the client's service (empty
without the right, gone at the next login after removal), the CPR only to an entitled
service, and a pseudonym that is stable for one service and different for another."""

import pytest

from broker import claims
from organisations.models import PublicService, UserGroup, UserRight
from tests.broker import oidc
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
FMK = ["urn:dk:mitid-erhverv:privilege:fmk"]


def _claims(client, provider, secret, user) -> dict:
    client.logout()
    return oidc.id_token_claims(oidc.login(client, provider, secret, user))


def test_a_user_without_the_right_gets_an_empty_privileges_claim(client):
    provider, secret = oidc.register_service()
    user = UserFactory()
    UserRight.objects.create(user=user, service=PublicService.objects.get(code="nemrefusion"))
    assert _claims(client, provider, secret, user)[claims.CLAIM_PRIVILEGES] == []


def test_a_right_removed_is_gone_at_the_next_login(client):
    provider, secret = oidc.register_service()
    user = UserFactory()
    right = UserRight.objects.create(user=user, service=PublicService.objects.get(code="fmk"))
    assert _claims(client, provider, secret, user)[claims.CLAIM_PRIVILEGES] == FMK
    right.delete()
    assert _claims(client, provider, secret, user)[claims.CLAIM_PRIVILEGES] == []


def test_a_right_through_a_user_group_counts(client):
    provider, secret = oidc.register_service()
    user = UserFactory()
    group = UserGroup.objects.create(organisation=user.organisation, name="Læger")
    group.services.add(PublicService.objects.get(code="fmk"))
    group.members.add(user)
    assert _claims(client, provider, secret, user)[claims.CLAIM_PRIVILEGES] == FMK
    group.members.remove(user)
    assert _claims(client, provider, secret, user)[claims.CLAIM_PRIVILEGES] == []


def test_only_an_entitled_service_gets_the_cpr_number(client):
    plain, plain_secret = oidc.register_service(client_id="uden-cpr")
    entitled, entitled_secret = oidc.register_service(client_id="med-cpr", cpr_entitled=True)
    user = UserFactory()
    assert claims.CLAIM_CPR not in _claims(client, plain, plain_secret, user)
    assert user.cpr not in str(_claims(client, plain, plain_secret, user))
    assert _claims(client, entitled, entitled_secret, user)[claims.CLAIM_CPR] == user.cpr


def test_the_pseudonym_is_stable_per_service_and_differs_across_services(client):
    fmk, fmk_secret = oidc.register_service(client_id="fmk-a")
    other, other_secret = oidc.register_service(client_id="tinglysning-a", service_code="fmk")
    user, colleague = UserFactory(), UserFactory()
    first = _claims(client, fmk, fmk_secret, user)["sub"]
    assert _claims(client, fmk, fmk_secret, user)["sub"] == first
    assert _claims(client, other, other_secret, user)["sub"] != first
    assert _claims(client, fmk, fmk_secret, colleague)["sub"] != first
