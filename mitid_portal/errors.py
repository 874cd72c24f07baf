"""The one error type for a broken business rule: a code for programs, a message for people."""

from django_stubs_ext import StrPromise


class RuleError(Exception):
    """A business rule refused the request. ``message`` is shown to the person (Danish first)."""

    def __init__(self, code: str, message: str | StrPromise, *, field: str | None = None) -> None:
        super().__init__(str(message))
        self.code = code
        self.message = message
        self.field = field

    def __str__(self) -> str:
        return str(self.message)
