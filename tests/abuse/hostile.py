"""Hostile values thrown at URLs and forms, and the checks every answer must pass."""

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
RAW_ECHOES = (SCRIPT, "<img src=x onerror=alert(1)>")

LONG = "x" * 5000
HUGE_NUMBER = "9" * 30

# Every value, for a URL argument or a form field.
VALUES = [
    "",
    " ",
    LONG,
    "a\x00b",
    "\x1b[31m\r\n\t\x7f",
    SCRIPT,
    IMG,
    "' OR 1=1 --",
    '"; DROP TABLE users_user; --',
    "../../../etc/passwd",
    "..%2F..%2Fetc%2Fpasswd",
    "аdmin",  # Cyrillic а
    "１２３４５６７８",  # fullwidth digits
    "٠١٠١٩٠١٢٣٤",  # Arabic-Indic digits
    HUGE_NUMBER,
    "-1",
    "0",
    "1e308",
    "NaN",
    "😀" * 10,
    "\u202egnp.exe",  # right-to-left override
    '=HYPERLINK("http://evil.example","x")',
    "{{ 7*7 }}{% debug %}",
    "%s%s%n%x",
    "//evil.example/",
    "javascript:alert(1)",
]

# A few values for each field on its own (the others keep what the page proposed).
PER_FIELD = [SCRIPT, "a\x00b", LONG, HUGE_NUMBER, "аdmin"]


def assert_sane(response, where: str) -> None:
    """Never a server error; never a hostile snippet echoed without escaping."""
    assert response.status_code < 500, f"{response.status_code} at {where}"
    if getattr(response, "streaming", False):
        return
    body = response.content.decode("utf-8", "replace")
    for raw in RAW_ECHOES:
        assert raw not in body, f"unescaped echo of {raw!r} at {where}"
