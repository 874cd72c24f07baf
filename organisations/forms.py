from django import forms
from django.utils.translation import gettext_lazy as _

from mitid_portal.validators import cpr_birth_date, normalise_cpr, normalise_cvr
from organisations.models import ConnectionRequest

_INPUT = {"class": "form-input"}


class ManualCvrForm(forms.Form):
    cvr = forms.CharField(
        label=_("CVR-nummer"),
        max_length=20,
        widget=forms.TextInput(attrs={**_INPUT, "inputmode": "numeric"}),
    )

    def clean_cvr(self):
        return normalise_cvr(self.cleaned_data["cvr"])


class TermsForm(forms.Form):
    accept = forms.BooleanField(
        label=_("Jeg har læst og accepterer vilkårene for MitID Erhverv"),
        error_messages={"required": _("Du skal acceptere vilkårene for at fortsætte.")},
        widget=forms.CheckboxInput(attrs={"class": "form-checkbox"}),
    )


class AdminForm(forms.Form):
    """*Vælg en organisationsadministrator* (G2.5)."""

    choice = forms.ChoiceField(
        label=_("Hvem skal være organisationsadministrator?"),
        choices=ConnectionRequest.AdminChoice.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Vælg, hvem der skal være organisationsadministrator.")},
    )
    requester_email = forms.EmailField(
        label=_("Din e-mail (til kvitteringen)"),
        widget=forms.EmailInput(attrs={**_INPUT, "autocomplete": "email"}),
        error_messages={"invalid": _("Indtast en gyldig e-mailadresse, fx navn@firma.dk.")},
    )
    first_name = forms.CharField(
        label=_("Fornavn(e)"), max_length=100, required=False, widget=forms.TextInput(attrs=_INPUT)
    )
    last_name = forms.CharField(
        label=_("Efternavn"), max_length=100, required=False, widget=forms.TextInput(attrs=_INPUT)
    )
    email = forms.EmailField(
        label=_("E-mail"),
        required=False,
        widget=forms.EmailInput(attrs=_INPUT),
        error_messages={"invalid": _("Indtast en gyldig e-mailadresse, fx navn@firma.dk.")},
    )
    cpr = forms.CharField(
        label=_("CPR-nummer"),
        required=False,
        max_length=20,
        help_text=_("Udfyld CPR-nummer eller fødselsdato."),
        widget=forms.TextInput(attrs={**_INPUT, "autocomplete": "off"}),
    )
    birth_date = forms.DateField(
        label=_("Fødselsdato"),
        required=False,
        help_text=_("Skrives dd-mm-åååå, fx 24-12-1980."),
        input_formats=["%d-%m-%Y", "%d.%m.%Y", "%d/%m/%Y", "%Y-%m-%d"],
        widget=forms.DateInput(attrs=_INPUT, format="%d-%m-%Y"),
        error_messages={"invalid": _("Skriv fødselsdatoen som dd-mm-åååå, fx 24-12-1980.")},
    )

    def clean_cpr(self):
        value = self.cleaned_data["cpr"].strip()
        return normalise_cpr(value) if value else ""

    def clean(self):
        data = super().clean()
        if data.get("choice") in (
            ConnectionRequest.AdminChoice.OTHER,
            ConnectionRequest.AdminChoice.BOTH,
        ):
            for field in ("first_name", "last_name", "email"):
                if not data.get(field) and field not in self.errors:
                    self.add_error(field, _("Udfyld feltet for den anden administrator."))
            cpr, birth_date = data.get("cpr"), data.get("birth_date")
            if (
                not cpr
                and not birth_date
                and "cpr" not in self.errors
                and "birth_date" not in self.errors
            ):
                self.add_error("cpr", _("Udfyld CPR-nummer eller fødselsdato."))
            if cpr and birth_date and cpr_birth_date(cpr) != birth_date:
                self.add_error("birth_date", _("Fødselsdatoen passer ikke med CPR-nummeret."))
        return data


class DocumentForm(forms.Form):
    document = forms.FileField(
        label=_("Dokumentation (PDF eller billede, højst 5 MB)"),
        help_text=_(
            "Fx årsrapport, referat fra generalforsamling eller en kontrakt, der viser, at du må handle for organisationen."
        ),
        widget=forms.ClearableFileInput(
            attrs={"class": "form-input", "accept": ".pdf,.png,.jpg,.jpeg"}
        ),
        error_messages={"required": _("Vælg en fil.")},
    )
