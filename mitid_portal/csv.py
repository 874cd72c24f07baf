"""CSV for Danish Excel: UTF-8 with a byte-order mark, semicolons, and no formula injection.

The one CSV writer of the portal (import reports, Masseopret results, the Revisionslog export)."""

import csv
import io
from collections.abc import Iterable

from django.http import StreamingHttpResponse

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


class _Echo:
    """A file-like object whose ``write`` hands back what it was given (for ``csv.writer``)."""

    def write(self, value: str) -> str:
        return value


def csv_stream(*, header: Iterable, rows: Iterable[Iterable]) -> Iterable[str]:
    """The same CSV as ``csv_render``, one line at a time, for a ``StreamingHttpResponse``: rows
    are read as they are written, so that 100,000 of them take flat memory (pass an iterator,
    e.g. ``queryset.values_list(...).iterator(chunk_size=2000)``)."""
    writer = csv.writer(_Echo(), delimiter=";", lineterminator="\r\n")
    yield BOM + writer.writerow([csv_safe_cell(cell) for cell in header])
    for row in rows:
        yield writer.writerow([csv_safe_cell(cell) for cell in row])


def csv_response(*, filename: str, header: Iterable, rows: Iterable[Iterable]):
    """A streamed CSV download named ``filename`` (see ``csv_stream``)."""
    response = StreamingHttpResponse(
        csv_stream(header=header, rows=rows), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
