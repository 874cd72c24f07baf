"""Invitations with a known token and code (hashed here as the activation services do)."""

import datetime

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from activation.models import BoundMeans, Invitation, LoginEvent
from mitid_portal import crypto
from tests.factories import MitIDAccountFactory, UserFactory
from users.models import User

TOKEN_PURPOSE = "activation-link"  # noqa: S105 - a hash purpose, not a secret
CODE_PURPOSE = "activation-code"


class InvitationFactory(DjangoModelFactory):
    """``token`` and ``code`` are the plain secrets the test uses; only their hashes are stored."""

    class Meta:
        model = Invitation

    class Params:
        token = factory.Sequence(lambda n: f"test-token-{n:033d}")
        code = None

    user = factory.SubFactory(UserFactory, state=User.State.AWAITING, means=["private"])
    organisation = factory.LazyAttribute(lambda o: o.user.organisation)
    token_hash = factory.LazyAttribute(lambda o: crypto.keyed_hash(o.token, purpose=TOKEN_PURPOSE))
    code_hash = factory.LazyAttribute(
        lambda o: crypto.keyed_hash(o.code, purpose=CODE_PURPOSE) if o.code else ""
    )
    means = factory.LazyFunction(lambda: ["private", "app"])
    created_by_name = "Hanne Vestergaard"
    expires_at = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(days=30))


def cpr_user_with_account(username: str, **user_fields) -> tuple[User, object]:
    """A user linked by CPR and the private MitID account of the same person."""
    account = MitIDAccountFactory(username=username)
    person = account.person
    user = UserFactory(
        cpr=person.cpr,
        first_name=person.first_name,
        last_name=person.last_name,
        state=User.State.AWAITING,
        **user_fields,
    )
    return user, account


def birth_date_user_with_account(username: str, **user_fields) -> tuple[User, object]:
    """A user known only by name and birth date (no CPR link), and the person's MitID."""
    account = MitIDAccountFactory(username=username)
    person = account.person
    fields = {
        "first_name": person.first_name,
        "last_name": person.last_name,
        "birth_date": person.birth_date,
        **user_fields,
    }
    user = UserFactory(cpr="", cpr_hash="", state=User.State.AWAITING, **fields)
    return user, account


class BoundMeansFactory(DjangoModelFactory):
    class Meta:
        model = BoundMeans

    user = factory.SubFactory(UserFactory)
    kind = BoundMeans.Kind.PRIVATE


class LoginEventFactory(DjangoModelFactory):
    class Meta:
        model = LoginEvent

    user = factory.SubFactory(UserFactory)
    means = "private"
    ip_address = "127.0.0.1"
