"""Input of the employee's activation with private MitID; every message in Danish."""

from django import forms
from django.utils.translation import gettext_lazy as _

from activation.employee.services import CODE_LENGTH
from mitid_portal.forms import PortalForm

YES = "yes"
NO = "no"


class PrivateChoiceForm(PortalForm):
    """*Vil du bruge dit private MitID* (G6.4–G6.5)."""

    use_private = forms.ChoiceField(
        label=_("Vil du bruge dit private MitID, når du logger på MitID Erhverv fremover?"),
        choices=[
            (YES, _("Ja, jeg vil bruge mit private MitID")),
            (NO, _("Nej, jeg vil have et særskilt MitID til erhvervsbrug")),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": _("Vælg, om du vil bruge dit private MitID.")},
    )


class ActivationCodeForm(PortalForm):
    """*Indtast aktiveringskoden på 8 cifre* (G6.6). Malformed input costs no try."""

    code = forms.CharField(
        label=_("Aktiveringskode"),
        help_text=_("Koden på 8 cifre, du har fået af din brugeradministrator."),
        max_length=40,
        strip=True,
        error_messages={"required": _("Indtast aktiveringskoden.")},
        widget=forms.TextInput(
            attrs={
                "class": "form-input input-width-xs",
                "inputmode": "numeric",
                "autocomplete": "one-time-code",
            }
        ),
    )

    def clean_code(self) -> str:
        code = self.cleaned_data["code"].replace(" ", "").replace("-", "")
        if not (code.isascii() and code.isdigit() and len(code) == CODE_LENGTH):
            raise forms.ValidationError(_("Aktiveringskoden skal være 8 cifre."))
        return code
