"""*Afventer aktivering*: the list, *Send nyt link*, *Ny kode*, *Annullér*, reminders."""

import datetime
import re

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from activation import services
from activation.models import Invitation
from mitid_portal import crypto
from mitid_portal.models import AuditEvent
from tests.activation.factories import BirthDateUserFactory, ImportedUserFactory
from users.models import User

pytestmark = pytest.mark.django_db(transaction=True)

LINK = re.compile(r"/aktiver/link/([A-Za-z0-9_-]+)/")


def _start(organisation, users):
    return services.users_activation_start(
        organisation=organisation, users=users, means=["app"], actor=None
    )


def test_the_list_shows_live_invitations_soonest_expiry_first(admin_client, organisation):
    later, sooner = ImportedUserFactory.create_batch(2, organisation=organisation)
    code_user = BirthDateUserFactory(organisation=organisation)
    _start(organisation, [later, sooner, code_user])
    Invitation.objects.filter(user=sooner).update(
        expires_at=timezone.now() + datetime.timedelta(days=2)
    )
    ImportedUserFactory()  # another organisation's, not activated
    page = admin_client.get(reverse("activation:pending")).content.decode()
    assert "<h1>Afventer aktivering</h1>" in page
    assert page.index(sooner.full_name) < page.index(later.full_name)
    assert page.count(">Send nyt link</button>") == 3
    assert page.count(">Ny kode</button>") == 1
    assert page.count(">Annullér</button>") == 3 * 2  # the button and its modal's
    assert page.count('data-target="modal-activation-cancel-') == 3


def test_resend_kills_the_old_link_and_keeps_the_code_failures(admin_client, organisation):
    user = BirthDateUserFactory(organisation=organisation)
    (old,) = _start(organisation, [user])
    Invitation.objects.filter(pk=old.pk).update(code_failures=2)
    (old_token,) = LINK.findall(mail.outbox[0].body)

    response = admin_client.post(reverse("activation:resend", args=[old.pk]), follow=True)
    assert "Der er sendt et nyt aktiveringslink" in response.content.decode()
    old.refresh_from_db()
    assert old.state == Invitation.State.REPLACED
    new = Invitation.objects.get(user=user, state=Invitation.State.LIVE)
    assert new.code_failures == 2 and new.code_hash == old.code_hash
    assert len(mail.outbox) == 2
    (new_token,) = LINK.findall(mail.outbox[1].body)
    assert new_token != old_token
    assert (
        admin_client.get(reverse("employee:link", args=[old_token]), follow=True).status_code == 410
    )
    assert admin_client.get(reverse("employee:link", args=[new_token])).status_code == 302
    assert AuditEvent.objects.filter(action="activation_link_resent").count() == 1
    # The replaced invitation cannot be resent again.
    admin_client.post(reverse("activation:resend", args=[old.pk]))
    assert Invitation.objects.filter(user=user).count() == 2 and len(mail.outbox) == 2


def test_cancel_puts_the_user_back_under_imported(admin_client, organisation):
    user = ImportedUserFactory(organisation=organisation)
    (invitation,) = _start(organisation, [user])
    (token,) = LINK.findall(mail.outbox[0].body)
    response = admin_client.post(
        reverse("activation:cancel", args=[invitation.pk]), {"confirmed": "1"}, follow=True
    )
    assert "er annulleret" in response.content.decode()
    invitation.refresh_from_db()
    user.refresh_from_db()
    assert invitation.state == Invitation.State.CANCELLED
    assert user.state == User.State.IMPORTED and user.means == []
    assert admin_client.get(reverse("employee:link", args=[token]), follow=True).status_code == 410
    assert AuditEvent.objects.filter(action="activation_cancelled").count() == 1
    # ... and can be activated again.
    _start(organisation, [user])
    assert Invitation.objects.filter(user=user, state="live").count() == 1


def test_reminders_go_out_once_shortly_before_expiry(organisation):
    due, not_due = ImportedUserFactory.create_batch(2, organisation=organisation)
    expired = ImportedUserFactory(organisation=organisation)
    _start(organisation, [due, not_due, expired])
    now = timezone.now()
    Invitation.objects.filter(user=due).update(expires_at=now + datetime.timedelta(days=2))
    Invitation.objects.filter(user=expired).update(expires_at=now - datetime.timedelta(hours=1))
    mail.outbox.clear()

    call_command("send_activation_reminders")
    call_command("send_activation_reminders")
    assert [m.to for m in mail.outbox] == [[due.email]]
    message = mail.outbox[0]
    assert message.subject.startswith("Påmindelse: Aktivér din bruger i MitID Erhverv")
    (token,) = LINK.findall(message.body)
    invitation = Invitation.objects.get(user=due)
    assert invitation.reminded_at is not None
    assert crypto.hashes_match(token, invitation.token_hash, purpose="activation-link")
    assert AuditEvent.objects.filter(action="activation_reminder_sent").count() == 1


def test_the_reminder_task_runs_the_service(organisation):
    from activation.tasks import send_activation_reminders

    user = ImportedUserFactory(organisation=organisation)
    _start(organisation, [user])
    Invitation.objects.filter(user=user).update(
        expires_at=timezone.now() + datetime.timedelta(days=1)
    )
    assert send_activation_reminders.call() == 1


def test_the_pending_list_needs_a_constant_number_of_queries(
    admin_client, organisation, django_assert_max_num_queries
):
    counts = []
    for batch in (10, 90):
        ImportedUserFactory.create_batch(batch, organisation=organisation)
        BirthDateUserFactory.create_batch(2, organisation=organisation)
        _start(organisation, User.objects.filter(organisation=organisation, state="imported"))
        with django_assert_max_num_queries(12) as captured:
            page = admin_client.get(reverse("activation:pending"))
        assert page.status_code == 200
        counts.append(len(captured.captured_queries))
    assert counts[0] == counts[1]
    assert "Side 1 af 5" in page.content.decode()
