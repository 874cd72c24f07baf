"""The simulated mailbox: the email backend stores what Django sends; the inbox pages show it."""

import pytest
from django.core import mail
from django.core.mail import EmailMessage, EmailMultiAlternatives, send_mail
from django.urls import reverse

from simulators.mailbox.models import MailMessage, MailRecipient

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("mailbox_backend")]

LINK = "http://testserver/aktiver/abc123/"


def _send_activation(to="Hanne@Firma.dk"):
    message = EmailMultiAlternatives(
        subject="Aktivér din MitID Erhverv-identitet",
        body=f"Hej Hanne\n\nAktivér her: {LINK}\n\nVenlig hilsen",
        from_email="MitID Erhverv <noreply@mitid-erhverv.test>",
        to=[to],
        cc=["chef@firma.dk"],
        bcc=["Arkiv <ARKIV@firma.dk>"],
        headers={"Message-ID": "<abc@mitid-erhverv.test>"},
    )
    message.attach_alternative(f'<p>Hej Hanne</p><p><a href="{LINK}">Aktivér</a></p>', "text/html")
    message.send()
    return MailMessage.objects.get(subject="Aktivér din MitID Erhverv-identitet")


def test_send_mail_is_stored_in_the_mailbox():
    sent = send_mail("Velkommen", "Teksten", "afsender@example.dk", ["Modtager@Example.dk"])

    assert sent == 1
    assert mail.outbox == []  # it went to the mailbox, not the locmem outbox
    stored = MailMessage.objects.get()
    assert (stored.subject, stored.body_text, stored.sender) == (
        "Velkommen",
        "Teksten",
        "afsender@example.dk",
    )
    assert stored.body_html == ""
    assert list(stored.recipients.values_list("address", flat=True)) == ["modtager@example.dk"]


def test_multi_alternatives_keeps_html_headers_and_every_recipient():
    stored = _send_activation()

    assert "<a href=" in stored.body_html
    assert LINK in stored.body_text
    assert stored.to == "Hanne@Firma.dk"
    assert stored.cc == "chef@firma.dk"
    assert stored.message_id == "<abc@mitid-erhverv.test>"
    assert sorted(stored.recipients.values_list("address", flat=True)) == [
        "arkiv@firma.dk",
        "chef@firma.dk",
        "hanne@firma.dk",
    ]


def test_backend_returns_the_count_of_messages_stored():
    messages = [
        EmailMessage("En", "1", "a@example.dk", ["x@example.dk"]),
        EmailMessage("To", "2", "a@example.dk", ["x@example.dk", "X@example.dk"]),
        EmailMessage("Ingen modtagere", "3", "a@example.dk", []),
    ]
    with mail.get_connection() as connection:
        assert connection.send_messages(messages) == 2
    assert MailMessage.objects.count() == 2
    assert MailRecipient.objects.filter(address="x@example.dk").count() == 2


def test_html_only_message_gets_a_text_body():
    message = EmailMessage("Kun HTML", "<p>Hej <b>dig</b></p>", "a@example.dk", ["x@example.dk"])
    message.content_subtype = "html"
    message.send()
    stored = MailMessage.objects.get()
    assert stored.body_text == "Hej dig"
    assert stored.body_html == "<p>Hej <b>dig</b></p>"


def test_index_lists_addresses_with_counts_and_searches(client):
    _send_activation()
    send_mail("Andet", "Tekst", "a@example.dk", ["hanne@firma.dk"])
    send_mail("Tredje", "Tekst", "a@example.dk", ["anden@andetfirma.dk"])

    response = client.get(reverse("mailbox:index"))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Postkassen" in page
    assert reverse("mailbox:inbox", args=["hanne@firma.dk"]) in page
    assert "anden@andetfirma.dk" in page

    page = client.get(reverse("mailbox:index"), {"q": "ANDETFIRMA"}).content.decode()
    assert "anden@andetfirma.dk" in page
    assert "hanne@firma.dk" not in page


def test_inbox_shows_the_message_newest_first_and_unread(client, django_assert_max_num_queries):
    send_mail("Første besked", "Tekst", "a@example.dk", ["hanne@firma.dk"])
    stored = _send_activation()

    with django_assert_max_num_queries(6):
        response = client.get(reverse("mailbox:inbox", args=["Hanne@Firma.dk"]))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Indbakke" in page
    assert page.index("Aktivér din MitID Erhverv-identitet") < page.index("Første besked")
    assert "Ulæst" in page
    assert reverse("mailbox:message", args=["hanne@firma.dk", stored.pk]) in page


def test_message_page_makes_links_clickable_and_offers_the_html(client):
    stored = _send_activation()

    response = client.get(reverse("mailbox:message", args=["hanne@firma.dk", stored.pk]))
    page = response.content.decode()
    assert response.status_code == 200
    assert f'<a href="{LINK}"' in page
    assert "Vis HTML-udgaven" in page
    assert reverse("mailbox:message_html", args=["hanne@firma.dk", stored.pk]) in page
    # Viewing does not change anything: a GET has no side effects.
    assert not MailRecipient.objects.get(address="hanne@firma.dk").is_read


def test_message_body_html_is_not_rendered_into_the_portal_page(client):
    message = EmailMultiAlternatives(
        "Farlig", "tekst <script>x</script>", "a@example.dk", ["x@example.dk"]
    )
    message.attach_alternative("<script>alert(1)</script>", "text/html")
    message.send()
    stored = MailMessage.objects.get()
    page = client.get(reverse("mailbox:message", args=["x@example.dk", stored.pk])).content.decode()
    assert "<script>x</script>" not in page
    assert "alert(1)" not in page
    assert "&lt;script&gt;x&lt;/script&gt;" in page


def test_html_view_has_the_strict_policy(client):
    stored = _send_activation()

    response = client.get(reverse("mailbox:message_html", args=["hanne@firma.dk", stored.pk]))

    assert response.status_code == 200
    assert response.content.decode() == stored.body_html
    assert response["Content-Security-Policy"] == (
        "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox"
    )
    assert response["X-Frame-Options"] == "DENY"


def test_mark_read_is_a_post_for_one_address(client):
    stored = _send_activation()
    url = reverse("mailbox:mark_read", args=["hanne@firma.dk", stored.pk])

    assert client.get(url).status_code == 405
    response = client.post(url)

    assert response.status_code == 302
    assert MailRecipient.objects.get(address="hanne@firma.dk").is_read
    assert not MailRecipient.objects.get(address="chef@firma.dk").is_read


def test_a_message_is_404_in_an_inbox_it_was_not_sent_to(client):
    stored = _send_activation()
    for name in ("mailbox:message", "mailbox:message_html"):
        assert client.get(reverse(name, args=["fremmed@example.dk", stored.pk])).status_code == 404
        assert client.get(reverse(name, args=["hanne@firma.dk", 999999])).status_code == 404


def test_clear_empties_the_mailbox_on_post_only(client):
    _send_activation()
    assert client.get(reverse("mailbox:clear")).status_code == 405
    response = client.post(reverse("mailbox:clear"), follow=True)
    assert "Postkassen er tømt" in response.content.decode()
    assert not MailMessage.objects.exists()
    assert not MailRecipient.objects.exists()
