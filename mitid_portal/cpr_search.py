"""A CPR number typed into a list's search, kept out of addresses (issue 14).

A search for a CPR number (10 digits, or ddmmyy-xxxx) is answered with a redirect to
``?cpr=<token>``: the number's keyed hash, encrypted (Fernet, a fresh token each time), so that
the address, the browser's history, the kept links, an export's URL and a bulk selection's filter
hold neither the number nor a value that could be compared with the hash of a guessed number.
The lists decrypt the token back to the keyed hash (``users.cpr_hash``) and filter by it.

Paths handed on elsewhere (the login's ``next``, the language switch's return address) drop a
CPR-shaped search: ``path_without_cpr``.
"""

import re

from django.http import HttpRequest
from django.utils.http import urlencode

from mitid_portal import crypto

CPR_SEARCH = re.compile(r"^\d{6}-?\d{4}$")
SEARCH_PARAMETER = "q"


def normalised(search: str) -> str:
    return " ".join((search or "").split())


def is_cpr(search: str) -> bool:
    return bool(CPR_SEARCH.match(normalised(search)))


def cpr_hash_of(search: str) -> str:
    """The keyed hash of the CPR number ``search`` (with or without its dash)."""
    return crypto.cpr_hash(normalised(search).replace("-", ""))


def cpr_token(search: str) -> str:
    """The ``?cpr=`` token of ``search`` when it is a CPR number, else ""."""
    return crypto.encrypt(cpr_hash_of(search)) if is_cpr(search) else ""


def cpr_hash_of_token(token: str) -> str | None:
    """The keyed hash a ``?cpr=`` token holds; None when it is not one of this portal's."""
    try:
        value = crypto.decrypt(token)
    except (ValueError, TypeError):
        return None
    return value if re.fullmatch(r"[0-9a-f]{64}", value) else None


def path_without_cpr(request: HttpRequest) -> str:
    """``request.get_full_path()`` without a search for a CPR number."""
    search = request.GET.get(SEARCH_PARAMETER, "")
    if not is_cpr(search):
        return request.get_full_path()
    kept = [(k, v) for k, values in request.GET.lists() if k != SEARCH_PARAMETER for v in values]
    return f"{request.path}?{urlencode(kept)}" if kept else request.path
