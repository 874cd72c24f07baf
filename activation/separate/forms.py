"""Input of the separate-MitID journey and its login; every message in Danish."""

from typing import cast

from django import forms
from django.utils.translation import gettext_lazy as _

from activation.models import BoundMeans
from activation.separate import selectors
from mitid_portal.forms import PortalForm
from mitid_portal.validators import normalise_bruger_id, normalise_phone

_INPUT = {"class": "form-input"}
_SMS_CODE_ERRORS = {"required": _("Indtast verifikationskoden fra SMS'en.")}


def _digits(value: str, length: int, message) -> str:
    value = (value or "").strip().replace(" ", "")
    if not (value.isascii() and value.isdigit() and len(value) == length):
        raise forms.ValidationError(message)
    return value


class MeansForm(PortalForm):
    """*Aktivér identifikationsmidler* (G7.1): one of the means the administrator chose."""

    kind = forms.ChoiceField(
        label=_("Identifikationsmiddel"),
        widget=forms.RadioSelect,
        error_messages={"required": _("Vælg et identifikationsmiddel.")},
    )

    def __init__(self, *args, kinds: list[str], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        labels = dict(BoundMeans.Kind.choices)
        cast(forms.ChoiceField, self.fields["kind"]).choices = [(k, labels[k]) for k in kinds]
        if len(kinds) == 1:
            self.fields["kind"].initial = kinds[0]


class BrugerIdForm(PortalForm):
    """*Opret MitID Erhverv bruger-ID* (G7.3)."""

    bruger_id = forms.CharField(
        label=_("Bruger-ID"),
        help_text=_(
            "5 til 48 tegn: a-z, æøå, 0-9, mellemrum og {}!#$^,*()_+-=:;?.@ – ikke et CPR-nummer "
            "eller 10 cifre. Store og små bogstaver regnes for ens."
        ),
        max_length=100,
        strip=False,
        widget=forms.TextInput(attrs={**_INPUT, "autocomplete": "username"}),
        error_messages={"required": _("Indtast et bruger-ID.")},
    )

    def __init__(self, *args, user_id: int, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.user_id = user_id

    def clean_bruger_id(self) -> str:
        value = normalise_bruger_id(self.cleaned_data["bruger_id"])
        # The answer is the same whoever holds it: nothing about the other user is revealed.
        if selectors.bruger_id_taken(bruger_id=value, exclude_user_id=self.user_id):
            raise forms.ValidationError(_("Bruger-ID'et er optaget. Vælg et andet."))
        return value


class PhoneForm(PortalForm):
    """*Indtast mobilnummer* (G7.4)."""

    number = forms.CharField(
        label=_("Mobilnummer"),
        help_text=_("Et dansk mobilnummer på 8 cifre, evt. med +45 foran."),
        max_length=20,
        widget=forms.TextInput(
            attrs={
                **_INPUT,
                "inputmode": "tel",
                "autocomplete": "tel",
            }
        ),
        error_messages={"required": _("Indtast dit mobilnummer.")},
    )

    def clean_number(self) -> str:
        return normalise_phone(self.cleaned_data["number"])


class SmsCodeForm(PortalForm):
    """*Indtast verifikationskode* (G7.6)."""

    code = forms.CharField(
        label=_("Verifikationskode"),
        help_text=_("Koden på 6 cifre fra SMS'en."),
        max_length=20,
        widget=forms.TextInput(
            attrs={
                **_INPUT,
                "inputmode": "numeric",
                "autocomplete": "one-time-code",
            }
        ),
        error_messages=_SMS_CODE_ERRORS,
    )

    def clean_code(self) -> str:
        return _digits(self.cleaned_data["code"], 6, _("Verifikationskoden består af 6 cifre."))


class AppChoiceForm(PortalForm):
    """G7.8: the app the person has as a private person, or a new one."""

    choice = forms.ChoiceField(
        label=_("Hvilken MitID app vil du bruge?"),
        widget=forms.RadioSelect,
        error_messages={"required": _("Vælg, hvilken MitID app du vil bruge.")},
    )

    def __init__(self, *args, has_private: bool, has_shared: bool, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        choices = []
        if has_private:
            choices.append(("private", _("Brug den MitID app, du har som privatperson")))
        if has_shared:
            choices.append(
                (
                    "shared",
                    _("Brug din MitID app fra en anden organisation (delt identifikationsmiddel)"),
                )
            )
        choices.append(("new", _("Download og aktivér MitID App på en ny enhed")))
        cast(forms.ChoiceField, self.fields["choice"]).choices = choices
        self.fields["choice"].initial = choices[0][0]


class PhysicalChoiceForm(PortalForm):
    """G7.9: the device the organisation handed out, or a shared one from another organisation."""

    choice = forms.ChoiceField(
        label=_("Hvilket identifikationsmiddel vil du aktivere?"),
        widget=forms.RadioSelect,
        error_messages={"required": _("Vælg et identifikationsmiddel.")},
    )

    def __init__(self, *args, kind_label: str, has_shared: bool, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        choices = [
            (
                "new",
                # The means by its name, "MitID kodeviser" (never "mitid kodeviser").
                _("Du har fået en %(means)s fra din organisation") % {"means": kind_label},
            )
        ]
        if has_shared:
            choices.append(
                (
                    "shared",
                    _("Brug din %(means)s fra en anden organisation (delt identifikationsmiddel)")
                    % {"means": kind_label},
                )
            )
        cast(forms.ChoiceField, self.fields["choice"]).choices = choices
        self.fields["choice"].initial = "new"


class DeviceCodeForm(PortalForm):
    """The 6-digit code the kodeviser or kodeoplæser shows now."""

    code = forms.CharField(
        label=_("Koden, som enheden viser nu"),
        max_length=20,
        widget=forms.TextInput(
            attrs={**_INPUT, "inputmode": "numeric", "autocomplete": "one-time-code"}
        ),
        error_messages={"required": _("Indtast koden, som enheden viser nu.")},
    )

    def clean_code(self) -> str:
        return _digits(self.cleaned_data["code"], 6, _("Koden består af 6 cifre."))


class LoginForm(PortalForm):
    """*Log på MitID Erhverv* with bruger-ID: the method is chosen here, so the next page is the
    same for a known and an unknown bruger-ID."""

    bruger_id = forms.CharField(
        label=_("Bruger-ID"),
        max_length=48,
        widget=forms.TextInput(attrs={**_INPUT, "autocomplete": "username"}),
        error_messages={"required": _("Indtast dit bruger-ID.")},
    )
    method = forms.ChoiceField(
        label=_("Hvordan vil du godkende?"),
        # The app first and chosen, as at the real MitID: most users have it, and a code asked
        # of an app user only ends in "Forkert bruger-ID eller kode".
        choices=[
            ("app", _("MitID app")),
            ("code", _("MitID kodeviser eller kodeoplæser")),
            ("chip", _("MitID chip")),
        ],
        initial="app",
        widget=forms.RadioSelect,
        error_messages={"required": _("Vælg, hvordan du vil godkende.")},
    )


class OrganisationChoiceForm(PortalForm):
    user = forms.TypedChoiceField(
        label=_("Organisation"),
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": _("Vælg en organisation.")},
    )

    def __init__(self, *args, candidates, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["user"]).choices = [
            (u.pk, f"{u.organisation.name} (CVR {u.organisation.cvr})") for u in candidates
        ]
