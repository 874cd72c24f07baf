"""A user administrator creates one user with *Opret bruger* and three from a CSV file with
*Masseopret* (template, upload, preview, *Opret brugere*, receipt), axe on every page."""

import datetime

import pytest
from django.core import mail
from playwright.sync_api import expect

from mitid_portal import crypto
from mitid_portal.models import AuditEvent
from organisations.models import RoleGrant
from simulators.mitid.models import Device
from tests.activation.factories import SetUpOrganisationFactory
from tests.browser.conftest import axe_check, log_in
from tests.factories import (
    DeviceFactory,
    MitIDAccountFactory,
    PersonFactory,
    RoleGrantFactory,
    UserFactory,
    fictitious_cpr,
)
from users.models import User

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_user_administrator_creates_one_user_and_three_from_a_file(context, page, tmp_path):
    organisation = SetUpOrganisationFactory(name="Lægehuset Vestergade I/S")
    person = PersonFactory(first_name="Bo", last_name="Brugeradmin")
    account = MitIDAccountFactory(person=person, username="bo.brugeradmin")
    DeviceFactory(account=account, kind=Device.Kind.APP)
    admin = UserFactory(
        organisation=organisation,
        first_name=person.first_name,
        last_name=person.last_name,
        cpr=person.cpr,
        cpr_hash=crypto.cpr_hash(person.cpr),
    )
    RoleGrantFactory(user=admin, organisation=organisation, role=RoleGrant.Role.USER_ADMIN)

    log_in(context, page, "bo.brugeradmin", "/brugere/")
    axe_check(page)

    # *Opret bruger* from the side menu.
    page.get_by_role("link", name="Opret bruger", exact=True).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Opret bruger")
    axe_check(page)
    expect(page.get_by_label("MitID kodeviser")).to_be_checked()  # the preferred means
    page.get_by_label("Fornavn(e)").fill("Ida")
    page.get_by_label("Efternavn").fill("Holm")
    page.get_by_label("CPR-nummer (valgfrit)").fill("170584-1234")
    page.get_by_label("Fødselsdato").fill("18-05-1984")  # does not agree
    page.get_by_label("E-mail").fill("ida.holm@example.dk")
    page.get_by_role("button", name="Opret bruger").click()
    # The error summary links to the field, and the field says it too.
    expect(page.locator('[data-testid="error-summary"] a[href="#id_birth_date"]')).to_contain_text(
        "Fødselsdatoen passer ikke med CPR-nummeret."
    )
    expect(page.locator("#id_birth_date_error")).to_contain_text(
        "Fødselsdatoen passer ikke med CPR-nummeret."
    )
    expect(page.get_by_label("Fornavn(e)")).to_have_value("Ida")  # what was typed is kept
    axe_check(page)
    page.get_by_label("Fødselsdato").fill("")
    page.get_by_label("Mobilnummer (valgfrit)").fill("22 33 44 55")
    page.get_by_label("Anonym bruger").check()
    page.get_by_role("button", name="Opret bruger").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Brugerinformation")
    expect(
        page.get_by_text(
            "Brugeren Ida Holm er oprettet og har fået en e-mail med et aktiveringslink."
        )
    ).to_be_visible()
    axe_check(page)
    ida = User.objects.get(last_name="Holm")
    assert ida.is_anonymous_user and ida.state == User.State.AWAITING
    assert ida.phone == "+4522334455" and ida.birth_date == datetime.date(1984, 5, 17)
    assert AuditEvent.objects.filter(action="user_created", organisation=organisation).count() == 1

    # *Masseopret*: the page, the template, a file with a mistake, then the corrected file.
    page.goto("/brugere/masseopret/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Masseopret brugere")
    axe_check(page)
    with page.expect_download() as download:
        page.get_by_role("link", name="Hent skabelonen (CSV)").click()
    template = download.value.path().read_bytes()
    assert template.startswith(b"\xef\xbb\xbf")
    assert template.decode("utf-8-sig").startswith("fornavn;efternavn;cpr;fødselsdato;email;mobil")

    header = "fornavn;efternavn;cpr;fødselsdato;email;mobil"
    rows = [
        f"Anne;Lund;{fictitious_cpr(1, datetime.date(1971, 2, 3))};;anne@example.dk;",
        "Bent;Mikkelsen;;24-12-1980;bent@example.dk;+45 22 33 44 56",
        f"Carl;Nielsen;{fictitious_cpr(2, datetime.date(1990, 7, 1))};;anne@example.dk;",
    ]
    bad = tmp_path / "brugere.csv"
    bad.write_bytes(("\ufeff" + "\r\n".join([header, *rows]) + "\r\n").encode())
    page.get_by_label("CSV-fil med brugere").set_input_files(str(bad))
    page.get_by_role("button", name="Kontrollér filen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Kontrollér brugerne")
    expect(page.get_by_test_id("preview-status")).to_contain_text("2 rækker har fejl")
    expect(page.get_by_text("Samme e-mail står også i række 4.")).to_be_visible()
    expect(page.get_by_text("Samme e-mail står også i række 2.")).to_be_visible()
    expect(page.get_by_role("button", name="Opret brugere")).to_have_count(0)
    axe_check(page)
    assert User.objects.filter(organisation=organisation).count() == 2

    rows[2] = rows[2].replace("anne@example.dk", "carl@example.dk")
    good = tmp_path / "brugere-rettet.csv"
    good.write_bytes(
        "\r\n".join([header.replace(";", ","), *[r.replace(";", ",") for r in rows]]).encode()
    )
    page.get_by_role("link", name="Upload en rettet fil").click()
    page.get_by_label("CSV-fil med brugere").set_input_files(str(good))
    page.get_by_role("button", name="Kontrollér filen").click()
    expect(page.get_by_test_id("preview-status")).to_contain_text("Filen er uden fejl.")
    expect(page.get_by_text("030271-****")).to_be_visible()
    axe_check(page)
    page.get_by_role("button", name="Opret brugere").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Kvittering")
    expect(page.get_by_test_id("receipt-count")).to_have_text("3 brugere er oprettet.")
    axe_check(page)

    created = User.objects.filter(last_name__in=["Lund", "Mikkelsen", "Nielsen"])
    assert created.count() == 3
    assert all(u.state == User.State.AWAITING for u in created)
    assert {m.to[0] for m in mail.outbox} >= {
        "ida.holm@example.dk",
        "anne@example.dk",
        "bent@example.dk",
        "carl@example.dk",
    }

    page.get_by_role("link", name="Se brugere, der afventer aktivering").click()
    expect(page.get_by_role("link", name="Bent Mikkelsen")).to_be_visible()
    axe_check(page)
