"""The portal's form base: every field says what to do in the design system's words ("Indtast …",
"Vælg …") instead of Django's generic "Dette felt er påkrævet.", and a date that does not exist is
told apart from one written in the wrong format."""

import re
from typing import Any

from django import forms
from django.utils.functional import lazy
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

DATE_FORMATS = ["%d-%m-%Y", "%d.%m.%Y", "%d/%m/%Y", "%Y-%m-%d"]
# Digits in the shape of a date (dd-mm-åååå with - . or /, or åååå-mm-dd): if such a value is not a
# date, the date does not exist (31-02-1980), whatever the format.
_DATE_SHAPE = re.compile(r"^\s*(\d{1,2}[-./]\d{1,2}[-./]\d{4}|\d{4}-\d{1,2}-\d{1,2})\s*$")
# A trailing note in brackets, "(valgfrit)" or "(PDF eller billede, højst 5 MB)", is no part of the
# name a message uses; "Fornavn(e)" keeps its brackets.
_LABEL_NOTE = re.compile(r"\s+\([^)]*\)\s*$")

_CHOICE_WIDGETS = (forms.Select, forms.RadioSelect, forms.CheckboxSelectMultiple, forms.FileInput)


def _label_in_sentence(label: Any) -> str:
    """The label as a word inside a sentence: without its note, lower-case unless it starts with
    an abbreviation (CPR-nummer, EAN-nummer)."""
    text = _LABEL_NOTE.sub("", str(label or "")).strip().rstrip("?:")
    if len(text) > 1 and text[1].isupper():
        return text
    return text[:1].lower() + text[1:]


def _label_alone(label: Any) -> str:
    return _LABEL_NOTE.sub("", str(label or "")).strip().rstrip("?:")


label_in_sentence = lazy(_label_in_sentence, str)
label_alone = lazy(_label_alone, str)


def _defaults(field: forms.Field) -> dict[str, Any]:
    messages: dict[str, Any] = {}
    for cls in reversed(type(field).__mro__):
        messages.update(getattr(cls, "default_error_messages", {}))
    return messages


def field_messages_set(field: forms.Field) -> None:
    """Replace each of Django's generic messages the field still has with one that names the
    field; a message the form gave the field itself stays."""
    defaults = _defaults(field)
    label = field.label
    name, word = label_alone(label), label_in_sentence(label)
    widget = field.widget
    if isinstance(widget, forms.CheckboxInput):
        required = format_lazy(_("Sæt kryds ved »{label}«."), label=name)
    elif isinstance(widget, _CHOICE_WIDGETS):
        required = format_lazy(_("Vælg {label}."), label=word)
    else:
        required = format_lazy(_("Indtast {label}."), label=word)
    ours: dict[str, Any] = {
        "required": required,
        "invalid_choice": _("Vælg en af mulighederne på listen."),
        "invalid_list": _("Vælg en af mulighederne på listen."),
        "invalid_pk_value": _("Vælg en af mulighederne på listen."),
        "max_length": format_lazy(
            _("{label} må højst være %(limit_value)d tegn (du har skrevet %(show_value)d)."),
            label=name,
        ),
        "min_length": format_lazy(
            _("{label} skal være mindst %(limit_value)d tegn (du har skrevet %(show_value)d)."),
            label=name,
        ),
    }
    if isinstance(field, forms.EmailField):
        ours["invalid"] = _("Indtast en gyldig e-mailadresse, fx navn@firma.dk.")
    elif isinstance(field, forms.DateField):
        ours["invalid"] = _("Skriv datoen som dd-mm-åååå, fx 24-12-1980.")
    elif isinstance(field, forms.IntegerField):
        ours["invalid"] = format_lazy(_("{label} skal være et tal."), label=name)
    elif isinstance(field, forms.FileField):
        ours.update(
            invalid=_("Vælg en fil."),
            missing=_("Vælg en fil."),
            empty=_("Filen er tom."),
            contradiction=_("Vælg enten en ny fil eller at fjerne den gamle, ikke begge dele."),
        )
    for key, message in ours.items():
        current = field.error_messages.get(key)
        if current is None or current is defaults.get(key):
            field.error_messages[key] = message


class PortalForm(forms.Form):
    """A form whose fields' messages say what to do (see ``field_messages_set``)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field_messages_set(field)


class DateField(forms.DateField):
    """A date written dd-mm-åååå (or with . or /, or åååå-mm-dd). Digits in that shape that make
    no date (31-02-1980) get "Datoen findes ikke", not a request for the format already used."""

    default_error_messages = {
        "invalid": _("Skriv datoen som dd-mm-åååå, fx 24-12-1980."),
        "nonexistent": _("Datoen findes ikke. Tjek dag og måned."),
    }

    def __init__(self, *, input_formats=None, **kwargs: Any) -> None:
        super().__init__(input_formats=input_formats or DATE_FORMATS, **kwargs)

    def to_python(self, value):
        try:
            return super().to_python(value)
        except forms.ValidationError as exc:
            if exc.code == "invalid" and isinstance(value, str) and _DATE_SHAPE.match(value):
                raise forms.ValidationError(
                    self.error_messages["nonexistent"], code="nonexistent"
                ) from None
            raise
