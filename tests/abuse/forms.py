"""The forms of a rendered page, read from its HTML, so a test can post them back with hostile
values in every field."""

from dataclasses import dataclass, field
from html.parser import HTMLParser

SKIP_TYPES = {"submit", "button", "image", "reset"}


@dataclass
class Field:
    name: str
    kind: str  # text, hidden, radio, checkbox, select, textarea, file, ...
    value: str = ""
    options: list[str] = field(default_factory=list)
    checked: bool = False


@dataclass
class Form:
    action: str
    method: str
    fields: list[Field] = field(default_factory=list)

    @property
    def editable(self) -> list[str]:
        names = []
        for f in self.fields:
            if (
                f.kind not in ("hidden",)
                and f.name != "csrfmiddlewaretoken"
                and f.name not in names
            ):
                names.append(f.name)
        return names

    def defaults(self) -> dict[str, list[str]]:
        """What a browser would send without touching anything (first option of a select)."""
        data: dict[str, list[str]] = {}
        for f in self.fields:
            if f.kind in ("radio", "checkbox"):
                if f.checked:
                    data.setdefault(f.name, []).append(f.value or "on")
            elif f.kind == "select":
                data.setdefault(f.name, []).append(f.value or (f.options[0] if f.options else ""))
            elif f.kind != "file":
                data.setdefault(f.name, []).append(f.value)
        return data


class _Parser(HTMLParser):
    def __init__(self, page_url: str) -> None:
        super().__init__(convert_charrefs=True)
        self.page_url = page_url
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._select: Field | None = None
        self._textarea: Field | None = None

    def handle_starttag(self, tag, attrs):
        a = {k: (v or "") for k, v in attrs}
        if tag == "form":
            self._form = Form(a.get("action") or self.page_url, (a.get("method") or "get").lower())
            self.forms.append(self._form)
        if self._form is None or "name" not in a and tag in ("input", "select", "textarea"):
            return
        if tag == "input":
            kind = a.get("type", "text").lower()
            if kind in SKIP_TYPES:
                return
            self._form.fields.append(Field(a["name"], kind, a.get("value", ""), [], "checked" in a))
        elif tag == "select":
            self._select = Field(a["name"], "select")
            self._form.fields.append(self._select)
        elif tag == "option" and self._select is not None:
            self._select.options.append(a.get("value", ""))
            if "selected" in a:
                self._select.value = a.get("value", "")
        elif tag == "textarea":
            self._textarea = Field(a["name"], "textarea")
            self._form.fields.append(self._textarea)

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea.value += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def forms_of(html: str, page_url: str) -> list[Form]:
    parser = _Parser(page_url)
    parser.feed(html)
    return parser.forms
