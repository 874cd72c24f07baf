"""Forms of the users app: the NemID import's role choice and the edit on *Brugerinformation*."""

from collections.abc import Iterable, Mapping
from typing import cast

from django import forms
from django.core.exceptions import ValidationError
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from mitid_portal import cpr_search
from mitid_portal.audit import MEANS_LABELS
from mitid_portal.forms import PortalForm
from mitid_portal.outside import NemIDAdministrator
from mitid_portal.validators import normalise_phone
from organisations.models import Organisation, PublicService, RoleGrant, UserGroup
from users.selectors import ORIGIN_CREATED, ORIGIN_IMPORTED, UserFilter

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
    """The search and filters of the user lists, a GET form (``?q=…&state=…&means=…``): kept
    through the pages, the sort, the page size and the CSV export. The migration overview links to
    *Brugere* with a state. An invalid value is an error the view turns into a notice and ignores
    (a stale bookmark must not break the list)."""

    q = forms.CharField(
        label=_("Søg på navn, e-mail, bruger-ID, RID- eller CPR-nummer"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"class": "form-input", "type": "search"}),
    )
    state = forms.ChoiceField(
        label=_("Status"),
        required=False,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    means = forms.ChoiceField(
        label=_("Identifikationsmiddel"),
        required=False,
        choices=[("", _("Alle")), *MEANS_LABELS.items()],
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    role = forms.ChoiceField(
        label=_("Rolle"),
        required=False,
        choices=[("", _("Alle")), *RoleGrant.Role.choices],
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    group = forms.TypedChoiceField(
        label=_("Brugergruppe"),
        required=False,
        coerce=int,
        empty_value=None,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    right = forms.TypedChoiceField(
        label=_("Rettighed"),
        required=False,
        coerce=int,
        empty_value=None,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    origin = forms.ChoiceField(
        label=_("Oprindelse"),
        required=False,
        choices=[
            ("", _("Alle")),
            (ORIGIN_IMPORTED, _("Importeret fra NemID")),
            (ORIGIN_CREATED, _("Oprettet i portalen")),
        ],
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    login_before = forms.DateField(
        label=_("Sidste login før"),
        required=False,
        help_text=_("Fx 01-06-2026. Brugere, der aldrig har logget ind, kommer også med."),
        widget=forms.DateInput(attrs={"class": "form-input", "type": "date"}),
    )
    # A CPR number searched for, as a token (its keyed hash, encrypted): a search for the number
    # itself is redirected here (``cpr_moved``), so that the number is not in the address
    # (``mitid_portal.cpr_search``).
    cpr = forms.CharField(required=False, max_length=500, widget=forms.HiddenInput)
    # *Afventer aktivering*: the links that expire within this many days (the overview links
    # to ?udloeber=7).
    udloeber = forms.IntegerField(
        label=_("Linket udløber inden for (dage)"),
        required=False,
        min_value=1,
        max_value=365,
        widget=forms.NumberInput(
            attrs={"class": "form-input input-width-xs", "inputmode": "numeric"}
        ),
    )

    # The fields each list offers (the others are removed).
    FIELDS_BRUGERE = (
        "q",
        "cpr",
        "state",
        "means",
        "role",
        "group",
        "right",
        "origin",
        "login_before",
    )
    # Importerede brugere: what imported users differ by (the roles, groups and rights they
    # brought from NemID); its "Aktivér brugere" (activation:bulk_start) selects all matching by
    # the same filter (activation.selection).
    FIELDS_IMPORTEREDE = ("q", "cpr", "role", "group", "right")

    def __init__(
        self,
        *args,
        states=(),
        organisation: Organisation | None = None,
        fields: Iterable[str] = FIELDS_BRUGERE,
        **kwargs,
    ) -> None:
        super().__init__(*args, **kwargs)
        kept = set(fields)
        for name in list(self.fields):
            if name not in kept:
                del self.fields[name]
        if "state" in self.fields:
            cast(forms.ChoiceField, self.fields["state"]).choices = [
                ("", _("Alle")),
                *((s.value, s.label) for s in states),
            ]
        if "group" in self.fields:
            groups = (
                UserGroup.objects.filter(organisation=organisation).values_list("pk", "name")
                if organisation is not None
                else []
            )
            cast(forms.ChoiceField, self.fields["group"]).choices = [("", _("Alle")), *groups]
        if "right" in self.fields:
            services = PublicService.objects.order_by("name").values_list("pk", "name")
            cast(forms.ChoiceField, self.fields["right"]).choices = [("", _("Alle")), *services]

    def user_filter(self) -> UserFilter:
        """The valid part of the filter (an invalid field filters nothing); call after
        ``is_valid()``."""
        data = getattr(self, "cleaned_data", {})
        return UserFilter(
            search=(data.get("q") or "").strip(),
            state=data.get("state") or "",
            means=data.get("means") or "",
            role=data.get("role") or "",
            group=data.get("group"),
            right=data.get("right"),
            origin=data.get("origin") or "",
            login_before=data.get("login_before"),
            cpr_hash=cpr_search.cpr_hash_of_token(data["cpr"]) or "" if data.get("cpr") else "",
        )

    def clean_cpr(self) -> str:
        token = self.cleaned_data["cpr"]
        if token and cpr_search.cpr_hash_of_token(token) is None:
            raise ValidationError(_("Søgningen på CPR-nummer er ikke gyldig."), code="invalid")
        return token

    def cpr_moved(self, params: Mapping[str, str]) -> str | None:
        """When the search is a CPR number: the list's GET query string with the number replaced
        by its token (``?cpr=``) and the first page, for a redirect; else None."""
        token = cpr_search.cpr_token(getattr(self, "cleaned_data", {}).get("q") or "")
        if not token:
            return None
        moved = {k: v for k, v in params.items() if k not in ("q", "side")}
        return urlencode({**moved, "cpr": token})

    def query_without_cpr(self) -> str:
        """The filter without the CPR search, encoded (*Ryd søgningen*)."""
        return urlencode({k: v for k, v in self.query().items() if k != "cpr"})

    def query(self) -> dict[str, str]:
        """The valid, non-empty filter values as GET parameters (for the links that keep them)."""
        data = getattr(self, "cleaned_data", {})
        params: dict[str, str] = {}
        for name in self.fields:
            value = data.get(name)
            if value in (None, ""):
                continue
            params[name] = value.isoformat() if hasattr(value, "isoformat") else str(value)
        return params

    def is_filtered(self) -> bool:
        return bool(self.query())
