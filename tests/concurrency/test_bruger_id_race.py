"""A bruger-ID claimed by two people at the same moment (G7.3, G7.10): one wins, the other gets
"Bruger-ID'et er optaget" and nothing of theirs is written (case is ignored)."""

import pytest
from django.utils import timezone

from activation.models import BoundMeans, Invitation, SmsVerification
from activation.separate import services
from mitid_portal.errors import RuleError
from simulators.mitid import services as mitid_services
from simulators.mitid.models import Device
from tests.concurrency.conftest import run_parallel
from tests.factories import OrganisationFactory, UserFactory
from tests.separate.factories import invitation_create
from users.models import User

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _ready(organisation, n: int):
    """An invitation whose user has verified a mobile number, and a device to bind."""
    user = UserFactory(organisation=organisation, state=User.State.AWAITING)
    invitation, _token = invitation_create(user=user, means=["kodeviser"])
    phone = f"+452233{4400 + n}"
    now = timezone.now()
    SmsVerification.objects.create(
        user=user, number=phone, code_hash="x" * 64, created_at=now, expires_at=now, used_at=now
    )
    device = mitid_services.device_create(kind=Device.Kind.KODEVISER, label="Test")
    return invitation, phone, device


def _complete(invitation, bruger_id, phone, device):
    return services.separate_activation_complete(
        invitation=invitation, bruger_id=bruger_id, phone=phone, device=device
    )


@pytest.mark.parametrize(
    "ids",
    [("klinik.hanne", "klinik.hanne"), ("Klinik.Hanne", "klinik.hANNE")],
    ids=["same", "case"],
)
def test_one_wins_the_other_is_told_it_is_taken(ids):
    organisation = OrganisationFactory(allowed_means=["kodeviser"])
    # (invitation, bruger_id, phone, device): the phone verified for that invitation's user.
    claims = []
    for n in (0, 1):
        invitation, phone, device = _ready(organisation, n)
        claims.append((invitation, ids[n], phone, device))

    results = run_parallel(_complete, claims)

    won = [r for r in results if isinstance(r, BoundMeans)]
    refused = [r for r in results if isinstance(r, RuleError)]
    assert len(won) == 1 and len(refused) == 1, results
    assert refused[0].code == "taken"
    assert str(refused[0].message) == "Bruger-ID'et er optaget. Vælg et andet."
    loser = claims[results.index(refused[0])][0]
    loser_user = User.objects.get(pk=loser.user_id)
    assert loser_user.bruger_id is None and loser_user.state == User.State.AWAITING
    assert not BoundMeans.objects.filter(user=loser_user).exists()
    assert Invitation.objects.get(pk=loser.pk).state == Invitation.State.LIVE
    assert User.objects.filter(bruger_id__iexact=ids[0]).count() == 1
