"""``manage.py activate_users``: the same service as *Aktivér brugere*."""

import io

import pytest
from django.core import mail
from django.core.management import CommandError, call_command

from activation.models import Invitation
from mitid_portal.models import AuditEvent
from tests.activation.factories import ImportedUserFactory
from users.models import User

pytestmark = pytest.mark.django_db(transaction=True)


def _run(*args) -> str:
    out = io.StringIO()
    call_command("activate_users", *args, stdout=out)
    return out.getvalue()


def test_all_imported_users_with_the_preferred_means(organisation):
    users = ImportedUserFactory.create_batch(4, organisation=organisation)
    ImportedUserFactory()  # another organisation's
    output = _run("--cvr", organisation.cvr, "--all")
    assert "Aktivering startet for 4 brugere (kodeviser)." in output
    assert Invitation.objects.count() == 4 and len(mail.outbox) == 4
    assert {u.state for u in User.objects.filter(pk__in=[u.pk for u in users])} == {"awaiting"}
    assert AuditEvent.objects.get(action="users_activation_started").changes["count"] == 4


def test_by_rid_with_chosen_means(organisation):
    one, two, _three = ImportedUserFactory.create_batch(3, organisation=organisation)
    output = _run("--cvr", organisation.cvr, "--rid", one.rid, two.rid, "--means", "app,chip")
    assert "for 2 brugere (app, chip)" in output
    assert set(Invitation.objects.values_list("user_id", flat=True)) == {one.pk, two.pk}


def test_refusals(organisation):
    ImportedUserFactory(organisation=organisation)
    with pytest.raises(CommandError, match="Ingen organisation"):
        _run("--cvr", "12345678", "--all")
    with pytest.raises(CommandError, match="RID"):
        _run("--cvr", organisation.cvr, "--rid", "nope")
    with pytest.raises(CommandError):
        _run("--cvr", organisation.cvr, "--all", "--means", "kodeoplaeser")
    assert not Invitation.objects.exists()


def test_an_organisation_without_chosen_means_falls_back_to_the_app(organisation):
    organisation.allowed_means = []
    organisation.preferred_means = ""
    organisation.save()
    ImportedUserFactory(organisation=organisation)
    assert "(app)" in _run("--cvr", organisation.cvr, "--all")
