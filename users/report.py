"""The rows of a NemID import report and their Danish labels.

``ImportRun.report`` holds one compact row per NemID signature considered, as a list
``[rid, name, outcome, reason]`` (codes, not text, so that the report is shown in the reader's
language and 50,000 rows stay around 3 MB). Every row is kept – imported, skipped and flagged – so
the CSV download is the whole report; the screen shows the counts and the rows that need
attention (skipped and flagged).
"""

from dataclasses import dataclass

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from mitid_portal.csv import csv_render

IMPORTED = "imported"
SKIPPED = "skipped"
FLAGGED = "flagged"

OUTCOMES = {
    IMPORTED: _("Importeret"),
    SKIPPED: _("Sprunget over"),
    FLAGGED: _("Importeret – markeret til kontrol"),
}

REASON_REVOKED = "revoked"
REASON_REVOKED_OTHER = "revoked_other"
REASON_ALREADY = "already"
REASON_DUPLICATE = "duplicate"
REASON_NO_RID = "no_rid"
REASON_LINKED = "linked"
REASON_NO_IDENTITY = "no_identity"

REASONS = {
    "": "",
    REASON_REVOKED: _("Signaturen er spærret i NemID (medarbejderen er fratrådt)"),
    REASON_REVOKED_OTHER: _(
        "Signaturen er slettet i NemID. Medarbejderen har en anden aktiv signatur, som "
        "importeres i stedet"
    ),
    REASON_ALREADY: _("Allerede importeret"),
    REASON_DUPLICATE: _(
        "Personen har flere NemID-signaturer og er importeret én gang pr. signatur – "
        "kontrollér, hvilken bruger der skal aktiveres"
    ),
    REASON_NO_RID: _(
        "Mangler RID-nummer i NemID: rettighederne (fx NemRefusion) hænger på RID-nummeret. "
        "Kontrollér brugerens rettigheder, før brugeren aktiveres"
    ),
    REASON_LINKED: _("Knyttet til den eksisterende bruger med samme CPR-nummer"),
    REASON_NO_IDENTITY: _("Mangler både CPR-nummer og fødselsdato"),
}


@dataclass(frozen=True)
class ReportRow:
    rid: str
    name: str
    outcome: str
    reason: str

    @property
    def outcome_label(self) -> str:
        return str(OUTCOMES.get(self.outcome, self.outcome))

    @property
    def reason_label(self) -> str:
        return str(REASONS.get(self.reason, self.reason))

    @property
    def needs_attention(self) -> bool:
        return self.outcome != IMPORTED


def report_rows(report: list) -> list[ReportRow]:
    return [ReportRow(*row) for row in report]


def import_report_csv(*, report: list) -> str:
    """Every row of an import report: RID, name, outcome, reason (in the reader's language)."""
    return csv_render(
        header=[gettext("RID-nummer"), gettext("Navn"), gettext("Resultat"), gettext("Årsag")],
        rows=(
            (row.rid, row.name, row.outcome_label, row.reason_label) for row in report_rows(report)
        ),
    )
