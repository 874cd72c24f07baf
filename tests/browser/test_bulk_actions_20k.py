"""The administrator of 20,000 users awaiting activation sends a new link to everyone matching a
search, across pages, as a background job (issue 14; the guide's *Afventer aktivering* of G5.1 and
its *Send nyt link*, done in bulk with G4.1's "all N matching").

The organisation is built with bulk inserts (``tests.browser.big_world``), in seconds. The journey:
log in → *Afventer aktivering* (G5.1) → search a surname that 625 of the 20,000 users share
(25 pages of 25) → "Vælg alle 625 brugere, der matcher filteret" (G4.1) → the bulk action
*Send nyt aktiveringslink* → *Bekræft massehandling* naming 625 and that it runs in the background
(above ``RUN_NOW_MAX``) → the job's page with its progress bar: the task waits in the database
(``database_task_backend``), the test runs the job's chunks itself and watches the htmx-polled
bar move → the receipt with totals and per-user rows → its CSV (UTF-8 BOM, semicolons, one row per
user). axe runs on every page. At the end the database shows exactly the 625 users with a new
live link and an email each, and nobody else (not a namesake in another organisation).
"""

import csv
import io
import re
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.urls import reverse
from django_tasks_db.models import DBTaskResult
from playwright.sync_api import expect

from activation.models import BulkJob, BulkJobItem, Invitation
from activation.services import bulkjobs
from activation.tasks import bulk_job_task
from mitid_portal import crypto
from mitid_portal.audit import AuditEvent
from mitid_portal.models import OutboundEmail
from organisations.models import RoleGrant
from simulators.mitid.models import Device
from tests.activation.factories import SetUpOrganisationFactory
from tests.browser.big_world import pending_users_build
from tests.browser.conftest import axe_check, log_in
from tests.factories import (
    DeviceFactory,
    MitIDAccountFactory,
    PersonFactory,
    RoleGrantFactory,
    UserFactory,
)
from users.models import User

pytestmark = pytest.mark.django_db(transaction=True)

TOTAL = 20_000
SURNAME = "Lindholm"
EVERY = 32  # every 32nd user is a Lindholm: 625 of 20,000
N = TOTAL // EVERY


@contextmanager
def _polls_held(page):
    """While the test itself writes the job, the page's progress polls fail in the browser and
    never reach the live server (on SQLite the server shares the test's connection). One poll is
    seen failing first: htmx has one poll at a time, so none is then in flight."""
    polls = re.compile(r"progress=1")
    page.route(polls, lambda route: route.abort())
    with page.expect_event("requestfailed", lambda request: "progress=1" in request.url):
        pass
    try:
        yield
    finally:
        page.unroute(polls)


def _administrator(organisation):
    person = PersonFactory(first_name="Hanne", last_name="Vestergaard")
    account = MitIDAccountFactory(person=person, username="hanne.vestergaard")
    DeviceFactory(account=account, kind=Device.Kind.APP)
    admin = UserFactory(
        organisation=organisation,
        first_name=person.first_name,
        last_name=person.last_name,
        email="hanne@region.example.dk",
        cpr=person.cpr,
        cpr_hash=crypto.cpr_hash(person.cpr),
    )
    RoleGrantFactory(user=admin, organisation=organisation, role=RoleGrant.Role.ORGANISATION_ADMIN)
    return admin


def test_send_new_link_to_all_matching_a_search_of_20000(
    context, page, database_task_backend, capsys
):
    organisation = SetUpOrganisationFactory(name="Region Testdanmark", allowed_means=["app"])
    world = pending_users_build(organisation, total=TOTAL, surname=SURNAME, every=EVERY)
    with capsys.disabled():
        print(f"\n[big_world] {TOTAL} pending users with invitations in {world.seconds:.2f} s")
    assert len(world.matching_ids) == N
    # Namesakes the search must not reach: one in another organisation (awaiting, live link)
    # and an active one here (not awaiting activation, so not on the list).
    elsewhere = pending_users_build(
        SetUpOrganisationFactory(), total=3, surname=SURNAME, every=1, email_domain="other.dk"
    )
    UserFactory(organisation=organisation, first_name="Aktiv", last_name=SURNAME)
    admin = _administrator(organisation)
    last_invitation = Invitation.objects.order_by("-pk").values_list("pk", flat=True).first()

    # G5.1 *Afventer aktivering*: all 20,000.
    log_in(context, page, "hanne.vestergaard", reverse("activation:pending"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Afventer aktivering")
    expect(page.get_by_text("20.000 brugere har endnu ikke aktiveret sig.")).to_be_visible()
    axe_check(page)

    # The search: 625 Lindholms, 25 pages of 25.
    page.get_by_role("searchbox").fill(SURNAME)
    page.get_by_role("button", name="Søg", exact=True).click()
    expect(page.get_by_text(f"{N} brugere har endnu ikke aktiveret sig.")).to_be_visible()
    rows = page.locator("input[type=checkbox][name=user]")
    expect(rows).to_have_count(25)
    pages = page.get_by_role("navigation", name="Sider")
    expect(pages.get_by_role("link", name="Side 25", exact=True)).to_be_visible()
    expect(page.get_by_role("main").get_by_role("link", name=re.compile(SURNAME))).to_have_count(25)
    first_page = set(rows.evaluate_all("boxes => boxes.map(b => b.value)"))
    axe_check(page)

    # The search is kept on the next page; the selection is made from there.
    pages.get_by_role("link", name="Næste").click()
    expect(page).to_have_url(re.compile(r"side=2"))
    expect(page.get_by_role("searchbox")).to_have_value(SURNAME)
    expect(rows).to_have_count(25)
    assert not first_page & set(rows.evaluate_all("boxes => boxes.map(b => b.value)"))
    axe_check(page)

    # G4.1 across pages: "Vælg alle 625 brugere, der matcher filteret" covers (and locks) the page.
    matching = page.get_by_label(f"Vælg alle {N} brugere, der matcher filteret")
    expect(page.locator("#all-matching-hint")).to_have_text(
        f"Gælder også brugere på de andre sider: i alt {N} brugere."
    )
    matching.check()
    expect(matching).to_be_checked()
    for box in rows.all():
        expect(box).to_be_checked()
        expect(box).to_be_disabled()
    page.get_by_label("Vælg handling for de markerede brugere").select_option(
        label="Send nyt aktiveringslink"
    )
    page.get_by_role("button", name="Fortsæt med handlingen").click()

    # The confirmation names the number and says it runs in the background.
    expect(page.get_by_role("heading", level=1)).to_have_text("Bekræft massehandling")
    expect(page.get_by_test_id("action")).to_have_text("Send nyt aktiveringslink")
    expect(page.get_by_test_id("count")).to_have_text(str(N))
    expect(page.get_by_test_id("runs-later")).to_be_visible()
    job = BulkJob.objects.get(organisation=organisation)
    assert (job.state, job.action, job.total) == (BulkJob.State.DRAFT, "resend", N)
    assert job.created_by_id == admin.pk
    assert set(BulkJobItem.objects.filter(job=job).values_list("user_id", flat=True)) == set(
        world.matching_ids
    )
    assert N > bulkjobs.RUN_NOW_MAX
    axe_check(page)
    page.get_by_role("button", name=f"Udfør for {N} brugere").click()

    # The job's page: queued for the task worker, nothing done yet.
    expect(page).to_have_url(re.compile(re.escape(reverse("activation:bulk_job", args=[job.pk]))))
    expect(page.get_by_role("heading", level=1)).to_have_text("Send nyt aktiveringslink")
    progress = page.get_by_test_id("progress")
    expect(progress).to_have_text(f"0 af {N}")
    expect(page.get_by_label("Handlingen venter på at blive startet")).to_be_visible()
    axe_check(page)
    task = DBTaskResult.objects.get(task_path__endswith="bulk_job_task")
    assert task.task_path.endswith("bulk_job_task")
    assert task.args_kwargs["kwargs"] == {"job_id": job.pk}
    assert OutboundEmail.objects.count() == 0

    # The worker does a chunk at a time; the htmx poll (held off while a chunk is written, so
    # that the live server and the test never use the database at once) shows the bar move.
    bar = page.locator("progress#bulk-job-progress-bar")
    for done in (bulkjobs.CHUNK, 2 * bulkjobs.CHUNK):
        with _polls_held(page):
            assert bulkjobs.bulk_job_chunk(job_id=job.pk) is True
        expect(progress).to_have_text(f"{done} af {N}")
        expect(bar).to_have_attribute("value", str(done))
        expect(bar).to_have_attribute("max", str(N))
        expect(page.get_by_label("Brugerne behandles")).to_be_visible()
    axe_check(page)

    # The task finishes the job (the same task the worker runs); the page turns into the receipt.
    with _polls_held(page):
        assert bulk_job_task.call(job_id=job.pk) == N
    expect(page.get_by_role("heading", level=1)).to_have_text("Kvittering")
    expect(page.get_by_text("Handlingen er udført")).to_be_visible()
    expect(page.get_by_test_id("count-ok")).to_have_text(str(N))
    expect(page.get_by_test_id("count-skipped")).to_have_text("0")
    expect(page.get_by_test_id("count-failed")).to_have_text("0")
    items = page.get_by_test_id("item")
    expect(items).to_have_count(50)
    expect(items.first).to_contain_text(SURNAME)
    expect(items.first).to_contain_text("Udført")
    axe_check(page)

    # The receipt as CSV: BOM, semicolons, a header and one row per user.
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Hent kvitteringen (CSV)").click()
    download = download_info.value
    assert download.suggested_filename == f"massehandling-{job.pk}.csv"
    raw = Path(download.path()).read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    lines = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert lines[0] == ["Fornavn", "Efternavn", "Bruger-ID", "E-mail", "Resultat", "Årsag"]
    body = [line for line in lines[1:] if line]
    assert len(body) == N
    assert {line[1] for line in body} == {SURNAME}
    assert {line[4] for line in body} == {"Udført"}
    matching_emails = set(
        User.objects.filter(pk__in=world.matching_ids).values_list("email", flat=True)
    )
    assert {line[3] for line in body} == matching_emails

    # Exactly the 625 got a new link: their old invitation replaced, one new live one and one
    # email each; nobody else (the 19,375 others, the namesakes) was touched.
    job.refresh_from_db()
    assert (job.state, job.processed) == (BulkJob.State.DONE, N)
    new = Invitation.objects.filter(pk__gt=last_invitation)
    assert new.count() == N
    assert set(new.filter(state=Invitation.State.LIVE).values_list("user_id", flat=True)) == set(
        world.matching_ids
    )
    replaced = Invitation.objects.filter(state=Invitation.State.REPLACED)
    assert sorted(replaced.values_list("user_id", flat=True)) == sorted(world.matching_ids)
    assert (
        Invitation.objects.filter(organisation=organisation, state=Invitation.State.LIVE).count()
        == TOTAL
    )
    assert (
        Invitation.objects.filter(
            user_id__in=elsewhere.user_ids, state=Invitation.State.LIVE, pk__lte=last_invitation
        ).count()
        == 3
    )
    emails = list(OutboundEmail.objects.values_list("to", flat=True))
    assert len(emails) == N
    assert set(emails) == matching_emails
    assert AuditEvent.objects.filter(action="activation_link_resent").count() == N
