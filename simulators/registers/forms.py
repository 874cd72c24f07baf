"""Input of the simulated CPR and CVR registers: cleaned and validated here, saved by services."""

from django import forms
from django.utils.translation import gettext_lazy as _

from mitid_portal.forms import PortalForm
from mitid_portal.validators import normalise_cpr, normalise_cvr
from simulators.registers import selectors
from simulators.registers.models import ManagementRepresentative


def _input(**attrs) -> forms.TextInput:
    return forms.TextInput(attrs={"class": "form-input", "autocomplete": "off", **attrs})


def _cpr_field(help_text) -> forms.CharField:
    return forms.CharField(
        label=_("CPR-nummer"),
        help_text=help_text,
        max_length=20,
        widget=_input(inputmode="numeric"),
        error_messages={"required": _("Indtast et CPR-nummer.")},
    )


class PersonForm(PortalForm):
    cpr = _cpr_field(_("10 cifre, fx 010190-1234. Fødselsdatoen skal findes."))
    first_name = forms.CharField(
        label=_("Fornavn(e)"),
        help_text=_("Alle fornavne og mellemnavne, som på sundhedskortet."),
        max_length=100,
        widget=_input(),
        error_messages={"required": _("Indtast personens fornavn(e).")},
    )
    last_name = forms.CharField(
        label=_("Efternavn"),
        max_length=100,
        widget=_input(),
        error_messages={"required": _("Indtast personens efternavn.")},
    )

    def clean_cpr(self) -> str:
        return normalise_cpr(self.cleaned_data["cpr"])


class CompanyForm(PortalForm):
    cvr = forms.CharField(
        label=_("CVR-nummer"),
        help_text=_("8 cifre. Det sidste ciffer er et kontrolciffer (modulus 11)."),
        max_length=12,
        widget=_input(inputmode="numeric"),
        error_messages={"required": _("Indtast et CVR-nummer.")},
    )
    name = forms.CharField(
        label=_("Virksomhedens navn"),
        max_length=200,
        widget=_input(),
        error_messages={"required": _("Indtast virksomhedens navn.")},
    )
    legal_form = forms.CharField(
        label=_("Virksomhedsform (valgfri)"),
        help_text=_("Fx ApS, A/S, I/S eller enkeltmandsvirksomhed."),
        max_length=100,
        required=False,
        widget=_input(),
    )
    is_public = forms.BooleanField(
        label=_("Offentlig myndighed"),
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-checkbox"}),
    )

    def clean_cvr(self) -> str:
        return normalise_cvr(self.cleaned_data["cvr"])


class RepresentativeForm(PortalForm):
    cpr = _cpr_field(_("Personen skal findes i CPR-registret."))
    role = forms.ChoiceField(
        label=_("Rolle"),
        choices=ManagementRepresentative.Role.choices,
        initial=ManagementRepresentative.Role.OWNER,
        widget=forms.Select(attrs={"class": "form-select"}),
        error_messages={"required": _("Vælg en rolle."), "invalid_choice": _("Vælg en rolle.")},
    )

    def clean_cpr(self) -> str:
        cpr = normalise_cpr(self.cleaned_data["cpr"])
        if selectors.person_find_by_cpr(cpr=cpr) is None:
            raise forms.ValidationError(
                _("Der er ingen person med dette CPR-nummer i CPR-registret."), code="cpr_unknown"
            )
        return cpr

    @property
    def person(self):
        """The person the valid CPR number names (only after ``is_valid()``)."""
        return selectors.person_find_by_cpr(cpr=self.cleaned_data["cpr"])
