"""CSV for Danish Excel: UTF-8 with a byte-order mark, semicolons, and no formula injection."""

import csv
import io
from collections.abc import Iterable

from django.utils.translation import gettext as _

from users.report import report_rows

BOM = "\ufeff"
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_safe_cell(value) -> str:
    """A spreadsheet must not run a cell as a formula: a leading = + - @ tab or carriage return
    is neutralised with a single quote (OWASP, CSV injection)."""
    text = "" if value is None else str(value)
    if text.startswith(_FORMULA_START):
        return "'" + text
    return text


def csv_render(*, header: Iterable, rows: Iterable[Iterable]) -> str:
    buffer = io.StringIO()
    buffer.write(BOM)
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow([csv_safe_cell(cell) for cell in header])
    for row in rows:
        writer.writerow([csv_safe_cell(cell) for cell in row])
    return buffer.getvalue()


def import_report_csv(*, report: list) -> str:
    """Every row of an import report: RID, name, outcome, reason (in the reader's language)."""
    return csv_render(
        header=[_("RID-nummer"), _("Navn"), _("Resultat"), _("Årsag")],
        rows=(
            (row.rid, row.name, row.outcome_label, row.reason_label) for row in report_rows(report)
        ),
    )
