"""The task worker is killed (SIGKILL) in the middle of sending 1,000 activation emails to a real
SMTP server on 127.0.0.1, then started again: every email arrives, and none twice for a relay that
drops repeated Message-IDs.

What is measured, and the guarantee (see ``mitid_portal.emails.emails_deliver``): rows are
claimed, sent and marked sent in one transaction per batch of CLAIM_SIZE. The kill rolls the open
batch back, so its rows are queued again and the restarted worker sends them again *with the same
Message-ID*. So: nothing is lost; at the server every Message-ID arrives at least once; the
messages the server had accepted from the killed batch before the kill arrive twice, never more
than CLAIM_SIZE of them; a deduplicating relay (which this test server imitates by counting
Message-IDs) delivers every email exactly once. Exactly-once without the relay's help is not
possible over SMTP: a sender that dies after the server said 250 and before it wrote that down
cannot know the message went.
"""

from bench._common import CountingSmtpServer
from mitid_portal.emails import CLAIM_SIZE
from tests.scaleout import live

N = 1000

QUEUE = """
import datetime
from django.db import transaction
from django.utils import timezone
from activation.services.emails import LinkEmailBuilder
from mitid_portal.emails import emails_queue_bulk
from organisations.models import Organisation

organisation = Organisation(cvr="99999996", name="Nedbrudsklinikken ApS")
builder = LinkEmailBuilder(
    organisation=organisation, expires_at=timezone.now() + datetime.timedelta(days=30)
)
with transaction.atomic():
    emails_queue_bulk(
        builder.row(
            to=f"medarbejder{i}@nedbrud.example.dk", name=f"Medarbejder {i}",
            token=f"token{i:040d}", code_required=i % 10 == 0, event_key=f"nedbrud-{i}",
        )
        for i in range(N_EMAILS)
    )
"""


def _count(url: str, state: str) -> int:
    return live.sql(
        url, "SELECT count(*) FROM mitid_portal_outboundemail WHERE state = %s", (state,)
    )[0][0]


def test_a_killed_worker_loses_nothing_and_a_deduplicating_relay_gets_each_email_once(tmp_path):
    with live.scratch_database() as url, CountingSmtpServer() as server:
        server.delay = 0.004  # a server that takes a moment, so the kill lands mid-run
        live.manage(url, "shell", "-c", QUEUE.replace("N_EMAILS", str(N)))
        assert _count(url, "queued") == N
        worker = live.start(
            url, "task_worker", log=tmp_path / "worker1.log", EMAIL_URL=server.email_url
        )
        try:
            live.wait_for(lambda: server.received >= 250, timeout=60, what="250 emails")
            live.stop(worker, kill=True)
        finally:
            live.stop(worker, kill=True)
        accepted_before_kill = server.received
        marked_sent_before_kill = _count(url, "sent")
        assert 0 < accepted_before_kill < N  # it really died in the middle
        assert marked_sent_before_kill <= accepted_before_kill

        restarted = live.start(
            url, "task_worker", log=tmp_path / "worker2.log", EMAIL_URL=server.email_url
        )
        try:
            live.wait_for(lambda: _count(url, "sent") == N, timeout=90, what="every email sent")
        finally:
            live.stop(restarted)

        pks = [pk for (pk,) in live.sql(url, "SELECT id FROM mitid_portal_outboundemail")]
        assert len(pks) == N and _count(url, "queued") == _count(url, "failed") == 0
        # Every email reached the server; a relay that drops repeated Message-IDs delivers
        # each exactly once.
        assert server.delivered == {f"<outbox-{pk}@mitid-erhverv.test>" for pk in pks}
        # Measured: the server accepted the in-flight batch's messages before the kill; they
        # were sent again after it. Never more than one batch, never more than twice.
        duplicates = server.duplicates
        assert server.received == N + duplicates
        assert duplicates == accepted_before_kill - marked_sent_before_kill
        assert duplicates <= CLAIM_SIZE
        assert max(server.message_ids.values()) <= 2
        print(
            f"killed after {accepted_before_kill} accepted ({marked_sent_before_kill} marked sent);"
            f" re-sent with the same Message-ID after the restart: {duplicates}"
        )
