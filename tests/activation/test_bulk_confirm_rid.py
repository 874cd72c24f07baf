"""*Bekræft og start aktivering af brugere* says how many of the marked users came from NemID
without a RID number, so that none is activated without it being seen (issue 13, G1.6)."""

import re

import pytest
from django.urls import reverse

from tests.activation.factories import ImportedUserFactory
from users.models import User

pytestmark = pytest.mark.django_db


def _to_confirm(client, ids):
    client.post(reverse("activation:bulk_start"), {"user": ids})
    client.post(reverse("activation:bulk_means"), {"means": ["kodeviser"]})
    return client.get(reverse("activation:bulk_confirm")).content.decode()


def test_the_confirmation_counts_the_users_without_rid(admin_client, organisation):
    with_rid = ImportedUserFactory(organisation=organisation, nemid_employee_id=9001)
    rasmus = ImportedUserFactory(
        organisation=organisation, first_name="Rasmus", rid="", nemid_employee_id=9002
    )
    page = _to_confirm(admin_client, [with_rid.pk, rasmus.pk])
    assert re.search(r'data-testid="count">2<', page)
    warning = page.split('data-testid="without-rid"')[1].split("</div>")[0]
    assert "1 af de markerede brugere havde ikke et RID-nummer i NemID." in warning
    assert "Kontrollér brugerens rettigheder" in warning
    assert User.objects.get(pk=rasmus.pk).state == User.State.IMPORTED  # nothing done on GET


def test_no_warning_when_every_marked_user_has_a_rid(admin_client, organisation):
    users = ImportedUserFactory.create_batch(2, organisation=organisation, nemid_employee_id=None)
    users.append(ImportedUserFactory(organisation=organisation, nemid_employee_id=9003))
    page = _to_confirm(admin_client, [u.pk for u in users])
    assert 'data-testid="without-rid"' not in page


def test_a_user_created_by_hand_without_rid_is_not_counted(admin_client, organisation):
    by_hand = ImportedUserFactory(organisation=organisation, rid="", nemid_employee_id=None)
    page = _to_confirm(admin_client, [by_hand.pk])
    assert 'data-testid="without-rid"' not in page
