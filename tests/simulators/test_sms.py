"""The simulated SMS gateway and its phones."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from mitid_portal import outside
from simulators.sms.models import SmsMessage

pytestmark = pytest.mark.django_db


def test_gateway_stores_the_text_under_the_normalised_number():
    outside.sms_gateway().send(number="28 90 44 17", text="Din kode er 123456")

    sms = SmsMessage.objects.get()
    assert (sms.number, sms.text) == ("+4528904417", "Din kode er 123456")


@pytest.mark.parametrize("number", ["1234", "12345678", "+46 28904417", "abcdefgh", ""])
def test_gateway_refuses_bad_numbers(number):
    with pytest.raises(ValidationError):
        outside.sms_gateway().send(number=number, text="Kode")
    assert not SmsMessage.objects.exists()


def test_phone_page_shows_texts_newest_first_with_auto_refresh(client):
    gateway = outside.sms_gateway()
    gateway.send(number="+4528904417", text="Første kode 111111")
    gateway.send(number="+4528904417", text="Anden kode 222222")
    gateway.send(number="+4599999999", text="Til en anden 333333")
    url = reverse("sms:phone", args=["+4528904417"])

    response = client.get(url)
    page = response.content.decode()
    assert response.status_code == 200
    assert "Telefon +4528904417" in page
    assert page.index("Anden kode 222222") < page.index("Første kode 111111")
    assert "333333" not in page
    assert f'hx-get="{url}"' in page
    assert 'hx-trigger="every 5s"' in page
    assert 'hx-swap="outerHTML"' in page


def test_htmx_refresh_returns_only_the_inbox(client):
    outside.sms_gateway().send(number="28904417", text="Kode 444444")
    response = client.get(reverse("sms:phone", args=["+4528904417"]), HTTP_HX_REQUEST="true")
    page = response.content.decode()
    assert "Kode 444444" in page
    assert 'hx-trigger="every 5s"' in page
    assert "<html" not in page


def test_phone_without_texts_shows_an_empty_inbox(client):
    response = client.get(reverse("sms:phone", args=["+4528904417"]))
    assert response.status_code == 200
    assert "ikke modtaget nogen SMS" in response.content.decode()


def test_malformed_phone_in_the_url_is_404(client):
    assert client.get("/simulator/sms/+4512/").status_code == 404


def test_index_lists_and_searches_phones(client):
    gateway = outside.sms_gateway()
    gateway.send(number="28904417", text="a")
    gateway.send(number="31415926", text="b")

    response = client.get(reverse("sms:index"))
    page = response.content.decode()
    assert response.status_code == 200
    assert "SMS-telefonerne" in page
    assert reverse("sms:phone", args=["+4528904417"]) in page
    assert "+4531415926" in page

    page = client.get(reverse("sms:index"), {"q": "3141"}).content.decode()
    assert "+4531415926" in page
    assert "+4528904417" not in page


def test_index_opens_a_phone_by_number_or_explains_the_format(client):
    response = client.get(reverse("sms:index"), {"number": "28 90 44 17"})
    assert response.status_code == 302
    assert response.url == reverse("sms:phone", args=["+4528904417"])

    response = client.get(reverse("sms:index"), {"number": "12"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "dansk mobilnummer på 8 cifre" in page
    assert 'value="12"' in page
