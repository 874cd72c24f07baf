"""CSV for Danish Excel: UTF-8 with a byte-order mark, semicolons, and no formula injection.

The one CSV writer of the portal (import reports, Masseopret results, the Revisionslog export)."""

import csv
import io
from collections.abc import Iterable

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
    """The header and rows as one CSV text, every cell passed through ``csv_safe_cell``."""
    buffer = io.StringIO()
    buffer.write(BOM)
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow([csv_safe_cell(cell) for cell in header])
    for row in rows:
        writer.writerow([csv_safe_cell(cell) for cell in row])
    return buffer.getvalue()
