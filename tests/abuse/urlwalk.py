"""Every URL pattern of the project, as a template whose arguments a test fills in.

``url_templates()`` walks ``django.urls.get_resolver()`` and returns one ``UrlTemplate`` per
pattern: the literal parts and the named arguments (with the converter of a ``path()`` route or
the regular expression of a ``re_path()`` group), so a test can build a matching URL with
plausible values or a non-matching one with hostile values.
"""

import re
import uuid
from dataclasses import dataclass
from urllib.parse import quote

from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RegexPattern, RoutePattern

_ROUTE_ARG = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>")


@dataclass(frozen=True)
class Arg:
    name: str
    converter: str | None  # a path() converter, or None for a regex group
    regex: str | None  # a regex group's own expression


@dataclass(frozen=True)
class UrlTemplate:
    parts: tuple  # str literals and Arg placeholders
    name: str  # namespace:name, or the pattern text when unnamed
    callback: object

    @property
    def args(self) -> list[Arg]:
        return [p for p in self.parts if isinstance(p, Arg)]

    def build(self, values: dict[str, str], *, quote_values: bool = True) -> str:
        out = []
        for part in self.parts:
            if isinstance(part, Arg):
                value = values[part.name]
                out.append(quote(value, safe="+") if quote_values else value)
            else:
                out.append(part)
        return "/" + "".join(out)

    def __str__(self) -> str:
        return self.name


def _group_end(regex: str, start: int) -> int:
    """The index just after the parenthesised group that opens at ``start``."""
    depth, i = 0, start
    while i < len(regex):
        ch = regex[i]
        if ch == "\\":
            i += 2
            continue
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    raise ValueError(regex)


def _regex_parts(regex: str) -> list:
    regex = regex.removeprefix("^").removesuffix("$").removesuffix("\\Z")
    parts: list = []
    i = 0
    literal = ""
    while i < len(regex):
        if regex.startswith("(?P<", i):
            end = _group_end(regex, i)
            name_end = regex.index(">", i)
            if literal:
                parts.append(literal)
                literal = ""
            parts.append(Arg(regex[i + 4 : name_end], None, regex[name_end + 1 : end - 1]))
            i = end
        elif regex[i] == "\\":
            literal += regex[i + 1]
            i += 2
        elif regex[i] in "^$":
            i += 1
        else:
            literal += regex[i]
            i += 1
    if literal:
        parts.append(literal)
    return parts


def _route_parts(route: str) -> list:
    parts: list = []
    pos = 0
    for match in _ROUTE_ARG.finditer(route):
        if match.start() > pos:
            parts.append(route[pos : match.start()])
        parts.append(Arg(match["name"], match["converter"] or "str", None))
        pos = match.end()
    if pos < len(route):
        parts.append(route[pos:])
    return parts


def _parts(pattern) -> list:
    if isinstance(pattern, RoutePattern):
        return _route_parts(pattern._route)
    if isinstance(pattern, RegexPattern):
        return _regex_parts(pattern._regex)
    return [str(pattern)]


def _text(parts) -> str:
    return "".join(p if isinstance(p, str) else f"<{p.name}>" for p in parts)


def url_templates() -> list[UrlTemplate]:
    found: list[UrlTemplate] = []

    def walk(patterns, prefix: list, namespace: str) -> None:
        for entry in patterns:
            parts = prefix + _parts(entry.pattern)
            if isinstance(entry, URLResolver):
                ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
                walk(entry.url_patterns, parts, ns)
            elif isinstance(entry, URLPattern):
                name = f"{namespace}{entry.name}" if entry.name else _text(parts)
                found.append(UrlTemplate(tuple(parts), name, entry.callback))

    walk(get_resolver().url_patterns, [], "")
    return found


# Values that satisfy the usual arguments, tried in order against a regex group.
_CANDIDATES = [
    "1",
    "12345674",
    "+4522334455",
    "users",
    "user",
    "abc",
    "x",
]


def plausible_value(arg: Arg) -> str:
    if arg.converter in ("int", "id"):
        return "1"
    if arg.converter == "uuid":
        return str(uuid.UUID(int=1))
    if arg.converter in ("str", "slug", "path"):
        return "abc"
    for candidate in _CANDIDATES:
        if re.fullmatch(arg.regex, candidate):
            return candidate
    alternatives = re.fullmatch(r"[\w|]+", arg.regex or "")
    if alternatives:
        return arg.regex.split("|")[0]
    return "1"


def plausible_url(template: UrlTemplate) -> str:
    return template.build({a.name: plausible_value(a) for a in template.args})
