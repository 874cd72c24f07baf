from django import forms
from django.utils.translation import gettext_lazy as _

from mitid_portal.forms import PortalForm
from simulators.mitid.models import LoginRequest


class LoginStartForm(PortalForm):
    username = forms.CharField(
        label=_("Bruger-ID"),
        max_length=48,
        widget=forms.TextInput(attrs={"autocomplete": "username", "class": "form-input"}),
        error_messages={"required": _("Indtast dit bruger-ID.")},
    )
    method = forms.ChoiceField(
        label=_("Hvordan vil du godkende?"),
        choices=LoginRequest.Method.choices,
        initial=LoginRequest.Method.APP,
        widget=forms.RadioSelect,
        error_messages={"required": _("Vælg, hvordan du vil godkende.")},
    )


class CodeForm(PortalForm):
    code = forms.CharField(
        label=_("Kode fra din kodeviser eller kodeoplæser"),
        max_length=6,
        min_length=6,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "class": "form-input"}
        ),
        error_messages={
            "required": _("Indtast koden fra din kodeviser eller kodeoplæser."),
            "min_length": _("Koden består af 6 cifre."),
            "max_length": _("Koden består af 6 cifre."),
        },
    )

    def clean_code(self):
        code = self.cleaned_data["code"].strip()
        if not (code.isascii() and code.isdigit()):
            raise forms.ValidationError(_("Koden består af 6 cifre."))
        return code


class AppActivationCodeForm(PortalForm):
    """The simulated business MitID app's screen: *Indtast aktiveringskoden*."""

    code = forms.CharField(
        label=_("Aktiveringskode"),
        max_length=20,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "off", "class": "form-input"}
        ),
        error_messages={"required": _("Indtast aktiveringskoden.")},
    )

    def clean_code(self) -> str:
        code = (self.cleaned_data["code"] or "").strip().replace(" ", "")
        if not (code.isascii() and code.isdigit() and len(code) == 8):
            raise forms.ValidationError(_("Aktiveringskoden består af 8 cifre."))
        return code
