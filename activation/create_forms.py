"""Forms of *Opret bruger* and *Masseopret*: they parse and normalise what was typed; the
services in ``activation.services.create`` decide the rules that need the database."""

import datetime
import secrets
from typing import cast

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from activation.models import BoundMeans
from activation.services.create import IDENTITY_MISMATCH, IDENTITY_MISSING
from mitid_portal.forms import DateField, PortalForm
from mitid_portal.validators import cpr_birth_date, normalise_cpr, normalise_phone
from organisations.models import PublicService
from organisations.selectors import organisation_default_means, organisation_offered_means
from users.models import Language

_INPUT = {"class": "form-input"}
_MEANS_LABELS = dict(BoundMeans.Kind.choices)


class UserCreateForm(PortalForm):
    """*Opret bruger*: name, CPR number or birth date, email, mobile number, anonymous, the
    means the organisation allows (the preferred one pre-marked) and rights."""

    # A random id per form shown: the service refuses the same form twice (a double click).
    form_id = forms.CharField(widget=forms.HiddenInput, max_length=64, required=False)
    first_name = forms.CharField(
        label=_("Fornavn(e)"),
        max_length=100,
        widget=forms.TextInput(attrs={**_INPUT, "autocomplete": "off"}),
        error_messages={"required": _("Indtast medarbejderens fornavn(e).")},
    )
    last_name = forms.CharField(
        label=_("Efternavn"),
        max_length=100,
        widget=forms.TextInput(attrs={**_INPUT, "autocomplete": "off"}),
        error_messages={"required": _("Indtast medarbejderens efternavn.")},
    )
    cpr = forms.CharField(
        label=_("CPR-nummer (valgfrit)"),
        required=False,
        max_length=20,
        help_text=_("Udfyld CPR-nummer eller fødselsdato."),
        widget=forms.TextInput(attrs={**_INPUT, "autocomplete": "off", "inputmode": "numeric"}),
    )
    birth_date = DateField(
        label=_("Fødselsdato"),
        required=False,
        help_text=_(
            "Skrives dd-mm-åååå, fx 24-12-1980. Behøves ikke, når CPR-nummeret er udfyldt."
        ),
        widget=forms.DateInput(attrs={**_INPUT, "autocomplete": "off"}, format="%d-%m-%Y"),
        error_messages={"invalid": _("Skriv fødselsdatoen som dd-mm-åååå, fx 24-12-1980.")},
    )
    email = forms.EmailField(
        label=_("E-mail"),
        max_length=254,
        help_text=_("Brugeren får aktiveringslinket på denne adresse."),
        widget=forms.EmailInput(attrs={**_INPUT, "autocomplete": "off"}),
        error_messages={
            "required": _("Indtast medarbejderens e-mailadresse."),
            "invalid": _("Indtast en gyldig e-mailadresse, fx navn@firma.dk."),
        },
    )
    phone = forms.CharField(
        label=_("Mobilnummer (valgfrit)"),
        required=False,
        max_length=30,
        help_text=_("Dansk mobilnummer på 8 cifre, evt. med +45 foran."),
        widget=forms.TextInput(attrs={**_INPUT, "inputmode": "tel", "autocomplete": "off"}),
    )
    language = forms.ChoiceField(
        label=_("Sprog i e-mail og SMS"),
        choices=Language.choices,
        initial=Language.DA,
        required=False,  # Danish unless English is chosen
        widget=forms.RadioSelect,
    )
    anonymous = forms.BooleanField(
        label=_("Anonym bruger"),
        required=False,
        help_text=_(
            "Brugerens navn vises ikke for offentlige selvbetjeninger. Kan kun vælges, når "
            "brugeren oprettes."
        ),
        widget=forms.CheckboxInput(attrs={"class": "form-checkbox"}),
    )
    means = forms.MultipleChoiceField(
        label=_("Identifikationsmidler"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": _("Vælg mindst ét identifikationsmiddel."),
            "invalid_choice": _("Organisationen tillader ikke det valgte identifikationsmiddel."),
        },
    )
    services = forms.ModelMultipleChoiceField(
        label=_("Rettigheder (valgfrit)"),
        queryset=PublicService.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "invalid_choice": _("Vælg kun tjenester fra listen."),
            "invalid_pk_value": _("Vælg kun tjenester fra listen."),
        },
    )

    def __init__(self, *args, organisation, **kwargs) -> None:
        kwargs.setdefault(
            "initial",
            {
                "means": organisation_default_means(organisation),
                "form_id": secrets.token_urlsafe(16),
            },
        )
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["means"]).choices = [
            (m, _MEANS_LABELS.get(m, m)) for m in organisation_offered_means(organisation)
        ]
        # Every new user gets the Basispakke (rights_grant_basic_package); the form offers the rest.
        services = cast(forms.ModelMultipleChoiceField, self.fields["services"])
        services.help_text = _(
            "Brugeren får automatisk Basispakken. Markér de tjenester, brugeren også skal "
            "have adgang til."
        )
        services.queryset = PublicService.objects.exclude(in_basic_package=True).order_by("name")

    def _name(self, field: str) -> str:
        value = " ".join(self.cleaned_data[field].split())
        if not value:
            raise ValidationError(self.fields[field].error_messages["required"], code="required")
        return value

    def clean_first_name(self) -> str:
        return self._name("first_name")

    def clean_last_name(self) -> str:
        return self._name("last_name")

    def clean_cpr(self) -> str:
        value = self.cleaned_data["cpr"].strip()
        return normalise_cpr(value) if value else ""

    def clean_birth_date(self) -> datetime.date | None:
        value = self.cleaned_data["birth_date"]
        if value is not None and (value > datetime.date.today() or value.year < 1900):
            raise ValidationError(_("Fødselsdatoen er ikke en gyldig fødselsdato."), code="range")
        return value

    def clean_email(self) -> str:
        return self.cleaned_data["email"].strip().lower()

    def clean_phone(self) -> str:
        value = self.cleaned_data["phone"].strip()
        return normalise_phone(value) if value else ""

    def clean(self):
        data = super().clean()
        cpr, birth_date = data.get("cpr"), data.get("birth_date")
        if not cpr and not birth_date and not {"cpr", "birth_date"} & set(self.errors):
            self.add_error("cpr", IDENTITY_MISSING)
        if cpr and birth_date and cpr_birth_date(cpr) != birth_date:
            self.add_error("birth_date", IDENTITY_MISMATCH)
        return data


class BulkUploadForm(PortalForm):
    """*Masseopret*: the CSV file; what is in it is checked by ``users_bulk_file_read``."""

    file = forms.FileField(
        label=_("CSV-fil med brugere"),
        help_text=_("UTF-8, semikolon eller komma, højst 2 MB og 5.000 brugere."),
        widget=forms.ClearableFileInput(attrs={**_INPUT, "accept": ".csv,text/csv"}),
        error_messages={
            "required": _("Vælg en fil."),
            "empty": _("Filen er tom."),
            "invalid": _("Vælg en fil."),
            "missing": _("Vælg en fil."),
        },
    )
