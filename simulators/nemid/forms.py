"""Input of the NemID self-service: cleaned and validated here, saved by services."""

from django import forms
from django.utils.translation import gettext_lazy as _

from mitid_portal.forms import PortalForm
from mitid_portal.validators import normalise_cpr


def _input(**attrs) -> forms.TextInput:
    return forms.TextInput(attrs={"class": "form-input", **attrs})


class EmailForm(PortalForm):
    email = forms.EmailField(
        label=_("E-mail"),
        max_length=254,
        widget=forms.EmailInput(attrs={"class": "form-input", "autocomplete": "off"}),
        error_messages={
            "required": _("Indtast medarbejderens e-mailadresse."),
            "invalid": _("Indtast en gyldig e-mailadresse, fx navn@virksomhed.dk."),
        },
    )


class CprForm(PortalForm):
    cpr = forms.CharField(
        label=_("CPR-nummer"),
        help_text=_("10 cifre, fx 010190-1234. Tjek nummeret på medarbejderens sundhedskort."),
        max_length=20,
        widget=_input(inputmode="numeric", autocomplete="off"),
        error_messages={"required": _("Indtast medarbejderens CPR-nummer.")},
    )

    def clean_cpr(self) -> str:
        return normalise_cpr(self.cleaned_data["cpr"])


class NameForm(PortalForm):
    first_name = forms.CharField(
        label=_("Fornavn(e)"),
        help_text=_("Alle fornavne og mellemnavne, som på sundhedskortet."),
        max_length=100,
        widget=_input(autocomplete="off"),
        error_messages={"required": _("Indtast medarbejderens fornavn(e).")},
    )
    last_name = forms.CharField(
        label=_("Efternavn"),
        max_length=100,
        widget=_input(autocomplete="off"),
        error_messages={"required": _("Indtast medarbejderens efternavn.")},
    )
