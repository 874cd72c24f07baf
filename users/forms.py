"""Forms of the users app: the NemID import's role choice and the edit on *Brugerinformation*."""

from collections.abc import Iterable
from typing import cast

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from mitid_portal.forms import PortalForm
from mitid_portal.outside import NemIDAdministrator
from mitid_portal.validators import normalise_phone
from organisations.models import RoleGrant

NO_ROLE = ""


class ImportForm(PortalForm):
    """One choice per NemID administrator: which administrator role they come across with
    (G3.5: "importere administratorer … tildele roller til administratorer")."""

    def __init__(self, *args, admins: Iterable[NemIDAdministrator] = (), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.admins = list(admins)
        choices = [
            (NO_ROLE, _("Ingen administratorrolle (almindelig bruger)")),
            *RoleGrant.Role.choices,
        ]
        for admin in self.admins:
            self.fields[f"role_{admin.id}"] = forms.ChoiceField(
                label=_("%(name)s (RID %(rid)s)")
                % {"name": admin.full_name, "rid": admin.rid or "–"},
                choices=choices,
                required=False,
                initial=NO_ROLE,
                widget=forms.Select(attrs={"class": "form-select"}),
            )

    def admin_roles(self) -> dict[int, str]:
        return {
            admin.id: self.cleaned_data[f"role_{admin.id}"]
            for admin in self.admins
            if self.cleaned_data.get(f"role_{admin.id}")
        }

    def role_fields(self):
        return [self[f"role_{admin.id}"] for admin in self.admins]


class UserEditForm(PortalForm):
    """*Redigér* (``users:edit``): the data the administrator checks before activation (G5.5)
    and corrects later, with the version of the user the administrator saw (optimistic
    concurrency: ``users.services.lifecycle.user_edit`` refuses a stale one)."""

    version = forms.CharField(widget=forms.HiddenInput, max_length=64)

    first_name = forms.CharField(
        label=_("Fornavn(e)"),
        max_length=100,
        widget=forms.TextInput(attrs={"class": "form-input"}),
        error_messages={"required": _("Indtast brugerens fornavn(e).")},
    )
    last_name = forms.CharField(
        label=_("Efternavn"),
        max_length=100,
        widget=forms.TextInput(attrs={"class": "form-input"}),
        error_messages={"required": _("Indtast brugerens efternavn.")},
    )
    email = forms.EmailField(
        label=_("E-mail"),
        required=False,
        widget=forms.EmailInput(attrs={"class": "form-input", "autocomplete": "off"}),
    )
    phone = forms.CharField(
        label=_("Mobilnummer"),
        required=False,
        help_text=_("Dansk mobilnummer på 8 cifre, evt. med +45 foran."),
        widget=forms.TextInput(attrs={"class": "form-input", "inputmode": "tel"}),
    )

    def clean_first_name(self) -> str:
        return self._name("first_name")

    def clean_last_name(self) -> str:
        return self._name("last_name")

    def _name(self, field: str) -> str:
        value = " ".join(self.cleaned_data[field].split())
        if not value:
            raise ValidationError(self.fields[field].error_messages["required"], code="required")
        return value

    def clean_email(self) -> str:
        return self.cleaned_data["email"].strip().lower()

    def clean_phone(self) -> str:
        value = self.cleaned_data["phone"].strip()
        return normalise_phone(value) if value else ""


class UserListFilterForm(PortalForm):
    """The search and the state filter of *Brugere* (``?q=…&state=…``); the migration overview
    links to the list with a state. An unknown state is an error the view turns into a notice."""

    q = forms.CharField(required=False)
    state = forms.ChoiceField(
        label=_("Status"),
        required=False,
        widget=forms.Select(attrs={"class": "form-select"}),
    )

    def __init__(self, *args, states=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["state"]).choices = [
            ("", _("Alle")),
            *((s.value, s.label) for s in states),
        ]
