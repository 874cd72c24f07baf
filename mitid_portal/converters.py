"""Path converters shared by the apps' URL patterns, and the same rule for ids in text."""

import re


class IdConverter:
    """A primary key: 1 to 18 digits, so that an absurd number is a 404 at the URL and never
    reaches a query (SQLite overflows beyond 64 bits on a foreign-key lookup)."""

    regex = "[1-9][0-9]{0,17}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)


_ID = re.compile(IdConverter.regex)


def id_from_text(text: str) -> int | None:
    """The primary key written as ``text`` (an API's id), or None when it cannot be one: only
    ASCII digits without sign, space or underscore, and no more than 18 of them."""
    return int(text) if _ID.fullmatch(text) else None
