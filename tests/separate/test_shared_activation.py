"""Activating with a means already bound in another organisation (*delt identifikationsmiddel*)."""

import pytest
from django.urls import reverse

from activation.models import BoundMeans
from tests.factories import DeviceFactory, OrganisationFactory, UserFactory
from tests.separate.factories import invitation_create, session_start
from tests.separate.helpers import current_code, post, walk_to_activation_start
from users.models import User

pytestmark = pytest.mark.django_db


def _setup(client, *, allow_here: bool, allow_there: bool):
    there = OrganisationFactory(allow_shared_means=allow_there)
    here = OrganisationFactory(allow_shared_means=allow_here, allowed_means=["kodeviser"])
    existing = UserFactory(organisation=there, bruger_id="allerede.aktiv")
    device = DeviceFactory(account=None, kind="kodeviser")
    BoundMeans.objects.create(user=existing, kind="kodeviser", device_serial=device.serial)
    newcomer = UserFactory(
        organisation=here, cpr=existing.cpr, cpr_hash=existing.cpr_hash, state=User.State.AWAITING
    )
    invitation, _ = invitation_create(user=newcomer, means=["kodeviser"])
    session_start(client, invitation)
    walk_to_activation_start(client)
    return device, newcomer


def test_the_shared_device_can_be_bound_where_both_allow_it(client):
    device, newcomer = _setup(client, allow_here=True, allow_there=True)
    html = client.get(reverse("separate:activation_start")).content.decode()
    assert "delt identifikationsmiddel" in html
    post(client, "activation_start", {"choice": "shared"})
    post(client, "activate", {"code": current_code(device)})
    assert BoundMeans.objects.filter(device_serial=device.serial).count() == 2
    assert BoundMeans.objects.get(user=newcomer).device_serial == device.serial


def test_the_shared_device_is_not_offered_where_one_forbids_it(client):
    _setup(client, allow_here=True, allow_there=False)
    html = client.get(reverse("separate:activation_start")).content.decode()
    assert "delt identifikationsmiddel" not in html
    response = post(client, "activation_start", {"choice": "shared"})
    assert response.status_code == 200  # not a valid choice
