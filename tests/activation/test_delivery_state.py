"""*Levering af aktiveringsmails* (issue 14): the delivery of the activation link emails in
totals and per user (failed first, with the reason), filtered by state, as CSV, on the
invitation's page; constant query counts; never another organisation's."""

import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from activation import selectors, services
from activation.models import Invitation
from mitid_portal.models import OutboundEmail
from tests.activation.factories import ImportedUserFactory, SetUpOrganisationFactory

pytestmark = pytest.mark.django_db

URL = reverse("activation:delivery")
CSV_URL = reverse("activation:delivery_csv")


def _start(organisation, users):
    return services.users_activation_start(
        organisation=organisation, users=users, means=["app"], actor=None
    )


def _email(invitation) -> OutboundEmail:
    return OutboundEmail.objects.get(event_key=f"activation-link-{invitation.pk}")


def _set(invitation, **fields) -> None:
    OutboundEmail.objects.filter(pk=_email(invitation).pk).update(**fields)


@pytest.fixture
def world(organisation):
    """Five activations: one sent, one failed, one retrying, one queued, one without address."""
    users = [
        ImportedUserFactory(organisation=organisation, first_name="Sofie", last_name="Sendt"),
        ImportedUserFactory(organisation=organisation, first_name="Frede", last_name="Fejl"),
        ImportedUserFactory(organisation=organisation, first_name="Rikke", last_name="Retry"),
        ImportedUserFactory(organisation=organisation, first_name="Kurt", last_name="Kø"),
        ImportedUserFactory(
            organisation=organisation, first_name="Ib", last_name="Intet", email=""
        ),
    ]
    sent, failed, retrying, queued, without = _start(organisation, users)
    _set(sent, state=OutboundEmail.State.SENT, sent_at=timezone.now(), attempts=1)
    _set(
        failed,
        state=OutboundEmail.State.FAILED,
        attempts=8,
        last_error="SMTPRecipientsRefused: 550 mailbox unavailable",
    )
    _set(retrying, attempts=2, last_error="=cmd|' /C calc'!A0")
    return {
        "sent": sent,
        "failed": failed,
        "retrying": retrying,
        "queued": queued,
        "without": without,
    }


def test_the_totals_count_each_state(admin_client, organisation, world):
    totals = selectors.invitations_delivery_totals(organisation=organisation)
    assert totals == {"failed": 1, "queued": 2, "none": 1, "sent": 1}

    body = admin_client.get(URL).content.decode()

    for state, n in (("failed", 1), ("queued", 2), ("none", 1), ("sent", 1)):
        row = body.split(f'data-testid="delivery-total-{state}"')[1].split("</tr>")[0]
        assert f"<td>{n}</td>" in row
    assert "<td>5</td>" in body


def test_the_list_shows_failed_first_with_the_reason(admin_client, world):
    body = admin_client.get(URL).content.decode()

    rows = body.split('data-testid="delivery-row"')[1:]
    names = [row.split("</a>")[0].rsplit(">", 1)[1] for row in rows]
    assert names == ["Frede Fejl", "Kurt Kø", "Rikke Retry", "Ib Intet", "Sofie Sendt"]
    assert "SMTPRecipientsRefused: 550 mailbox unavailable" in rows[0] and "Fejlet" in rows[0]
    assert "2 mislykkede forsøg" in rows[2]
    assert "Ingen e-mailadresse" in rows[3]
    assert reverse("activation:invitation", args=[world["failed"].pk]) in rows[0]


@pytest.mark.parametrize(
    ("state", "names"),
    [
        ("failed", ["Frede Fejl"]),
        ("queued", ["Kurt Kø", "Rikke Retry"]),
        ("sent", ["Sofie Sendt"]),
        ("none", ["Ib Intet"]),
    ],
)
def test_the_filter_shows_one_state(admin_client, world, state, names):
    body = admin_client.get(URL, {"status": state}).content.decode()

    rows = body.split('data-testid="delivery-row"')[1:]
    assert [row.split("</a>")[0].rsplit(">", 1)[1] for row in rows] == names
    assert 'data-testid="delivery-filter"' in body
    assert f'{CSV_URL}?status={state}"' in body


def test_an_unknown_filter_shows_everything(admin_client, world):
    body = admin_client.get(URL, {"status": "bogus"}).content.decode()
    assert body.count('data-testid="delivery-row"') == 5


def test_the_csv_follows_the_filter_and_is_formula_safe(admin_client, world):
    response = admin_client.get(CSV_URL)

    assert response.streaming and response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    header, *rows = list(csv.reader(io.StringIO(text[1:]), delimiter=";"))
    assert header[:5] == ["Navn", "E-mail", "Levering", "Fejlårsag", "Forsøg"]
    assert [row[0] for row in rows] == [
        "Frede Fejl",
        "Kurt Kø",
        "Rikke Retry",
        "Ib Intet",
        "Sofie Sendt",
    ]
    assert rows[0][2:5] == ["Fejlet", "SMTPRecipientsRefused: 550 mailbox unavailable", "8"]
    assert rows[2][3] == "'=cmd|' /C calc'!A0"
    assert rows[4][2] == "Sendt" and rows[4][5]

    failed_only = admin_client.get(CSV_URL, {"status": "failed"})
    lines = b"".join(failed_only.streaming_content).decode("utf-8").splitlines()
    assert len(lines) == 2 and lines[1].startswith("Frede Fejl;")


def test_the_invitation_page_shows_its_delivery(admin_client, world):
    def block(name):
        page = admin_client.get(reverse("activation:invitation", args=[world[name].pk]))
        return page.content.decode().split('data-testid="invitation-delivery">')[1].split("<a")[0]

    assert "Fejlet: SMTPRecipientsRefused: 550 mailbox unavailable" in block("failed")
    assert block("sent").startswith("Sendt ")
    assert "I kø – 2 mislykkede forsøg" in block("retrying")
    assert block("queued").strip() == "I kø"
    assert "brugeren har ingen e-mailadresse" in block("without")


def test_a_new_link_has_its_own_delivery(admin_client, organisation, org_admin, world):
    new = services.invitation_resend(invitation=world["failed"], actor=org_admin)

    assert selectors.invitations_delivery_totals(organisation=organisation) == {
        "failed": 0,
        "queued": 3,
        "none": 1,
        "sent": 1,
    }
    assert selectors.invitation_email_delivery(invitation=new)["state"] == "queued"


def test_another_organisation_is_never_counted_or_listed(admin_client, organisation, world):
    elsewhere = SetUpOrganisationFactory()
    (theirs,) = _start(
        elsewhere, [ImportedUserFactory(organisation=elsewhere, last_name="Fremmed")]
    )
    _set(theirs, state=OutboundEmail.State.FAILED, last_error="theirs")

    body = admin_client.get(URL).content.decode()
    assert "Fremmed" not in body and "theirs" not in body
    assert selectors.invitations_delivery_totals(organisation=organisation)["failed"] == 1
    csv_text = b"".join(admin_client.get(CSV_URL).streaming_content).decode()
    assert "Fremmed" not in csv_text
    assert admin_client.get(reverse("activation:invitation", args=[theirs.pk])).status_code == 404


def _grow(organisation, n):
    users = ImportedUserFactory.create_batch(n, organisation=organisation)
    invitations = _start(organisation, users)
    OutboundEmail.objects.filter(
        event_key__in=[f"activation-link-{i.pk}" for i in invitations[: n // 3]]
    ).update(state=OutboundEmail.State.FAILED, last_error="550")


def test_the_query_counts_are_the_same_for_3_and_60_activations(admin_client, organisation):
    urls = [URL, CSV_URL, f"{URL}?status=failed", f"{URL}?side=2"]

    def queries(n):
        Invitation.objects.all().delete()
        OutboundEmail.objects.all().delete()
        _grow(organisation, n)
        counts = []
        for url in urls:
            with CaptureQueriesContext(connection) as context:
                response = admin_client.get(url)
                if response.streaming:
                    b"".join(response.streaming_content)
            assert response.status_code == 200
            counts.append(len(context.captured_queries))
        return counts

    assert queries(3) == queries(60)


def test_a_failure_before_the_email_went_through_is_not_shown_as_its_reason(admin_client, world):
    _set(world["sent"], last_error="SMTPServerDisconnected: earlier", attempts=2)

    rows = admin_client.get(URL, {"status": "sent"}).content.decode()
    assert "earlier" not in rows
    csv_text = b"".join(admin_client.get(CSV_URL).streaming_content).decode()
    assert "earlier" not in csv_text
