"""Input of the simulated SMS phones."""

from django import forms
from django.utils.translation import gettext_lazy as _

from mitid_portal.forms import PortalForm
from mitid_portal.validators import normalise_phone


class PhoneForm(PortalForm):
    number = forms.CharField(
        label=_("Åbn telefonen med mobilnummer"),
        help_text=_("8 cifre, evt. med +45 foran."),
        max_length=20,
        widget=forms.TextInput(
            attrs={
                "class": "form-input",
                "inputmode": "tel",
                "autocomplete": "off",
            }
        ),
        error_messages={"required": _("Indtast et mobilnummer.")},
    )

    def clean_number(self) -> str:
        return normalise_phone(self.cleaned_data["number"])
