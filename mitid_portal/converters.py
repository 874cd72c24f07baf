"""Path converters shared by the apps' URL patterns."""


class IdConverter:
    """A primary key: 1 to 18 digits, so that an absurd number is a 404 at the URL and never
    reaches a query (SQLite overflows beyond 64 bits on a foreign-key lookup)."""

    regex = "[1-9][0-9]{0,17}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)
