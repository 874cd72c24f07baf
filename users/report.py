"""The rows of a NemID import report and their Danish labels.

A run's report is one ``ImportReportRow`` per NemID signature considered: RID, name, outcome and
reason (codes, not text, so that the report is shown in the reader's language), and whether it
needs attention. Every row is kept – imported, skipped and flagged – so the CSV download is the
whole report (streamed); the screen shows the counts and, a page at a time, the rows that need
attention (skipped and flagged).
"""

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

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


def report_rows(rows: Iterable[Sequence[str]]) -> list[ReportRow]:
    """Rows ``(rid, name, outcome, reason)`` as ``ReportRow`` (their labels for the page)."""
    return [ReportRow(*row) for row in rows]


def report_csv_header() -> list[str]:
    return [gettext("RID-nummer"), gettext("Navn"), gettext("Resultat"), gettext("Årsag")]


def report_csv_rows(rows: Iterable[Sequence[str]]) -> Iterator[tuple[str, str, str, str]]:
    """Rows ``(rid, name, outcome, reason)`` with the outcome and reason in the reader's language,
    one at a time (the labels are translated once, not once per row)."""
    outcomes = {code: str(label) for code, label in OUTCOMES.items()}
    reasons = {code: str(label) for code, label in REASONS.items()}
    for rid, name, outcome, reason in rows:
        yield rid, name, outcomes.get(outcome, outcome), reasons.get(reason, reason)
