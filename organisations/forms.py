from typing import cast

from django import forms
from django.utils.translation import gettext_lazy as _

from mitid_portal.audit import AuditAction, audit_action_label
from mitid_portal.forms import DateField, PortalForm
from mitid_portal.validators import (
    cpr_birth_date,
    normalise_cpr,
    normalise_cvr,
    normalise_ean,
    normalise_phone,
)
from organisations.models import ConnectionRequest, PowerOfAttorney, PublicService
from organisations.selectors import RIGHT_DIRECT, RIGHT_GROUP

_INPUT = {"class": "form-input"}


class ManualCvrForm(PortalForm):
    cvr = forms.CharField(
        label=_("CVR-nummer"),
        max_length=20,
        widget=forms.TextInput(attrs={**_INPUT, "inputmode": "numeric"}),
        error_messages={"required": _("Indtast organisationens CVR-nummer.")},
    )

    def clean_cvr(self):
        return normalise_cvr(self.cleaned_data["cvr"])


class TermsForm(PortalForm):
    accept = forms.BooleanField(
        label=_("Jeg har læst og accepterer vilkårene for MitID Erhverv"),
        error_messages={"required": _("Du skal acceptere vilkårene for at fortsætte.")},
        widget=forms.CheckboxInput(attrs={"class": "form-checkbox"}),
    )


class AdminForm(PortalForm):
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
        error_messages={
            "required": _("Indtast din e-mailadresse."),
            "invalid": _("Indtast en gyldig e-mailadresse, fx navn@firma.dk."),
        },
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
    birth_date = DateField(
        label=_("Fødselsdato"),
        required=False,
        help_text=_("Skrives dd-mm-åååå, fx 24-12-1980."),
        widget=forms.DateInput(attrs=_INPUT, format="%d-%m-%Y"),
        error_messages={"invalid": _("Skriv fødselsdatoen som dd-mm-åååå, fx 24-12-1980.")},
    )

    OTHER_REQUIRED = {
        "first_name": _("Indtast den anden administrators fornavn(e)."),
        "last_name": _("Indtast den anden administrators efternavn."),
        "email": _("Indtast den anden administrators e-mailadresse."),
    }

    def clean_cpr(self):
        value = self.cleaned_data["cpr"].strip()
        return normalise_cpr(value) if value else ""

    def clean(self):
        data = super().clean()
        if data.get("choice") == ConnectionRequest.AdminChoice.SELF:
            # The other person's fields, hidden under "Mig selv" (shown without JavaScript), are
            # ignored whatever they hold.
            for field in ("first_name", "last_name", "email", "cpr", "birth_date"):
                self.errors.pop(field, None)
                data[field] = None if field == "birth_date" else ""
        if data.get("choice") in (
            ConnectionRequest.AdminChoice.OTHER,
            ConnectionRequest.AdminChoice.BOTH,
        ):
            for field, message in self.OTHER_REQUIRED.items():
                if not data.get(field) and field not in self.errors:
                    self.add_error(field, message)
            cpr, birth_date = data.get("cpr"), data.get("birth_date")
            if (
                not cpr
                and not birth_date
                and "cpr" not in self.errors
                and "birth_date" not in self.errors
            ):
                self.add_error(
                    "cpr", _("Indtast den anden administrators CPR-nummer eller fødselsdato.")
                )
            if cpr and birth_date and cpr_birth_date(cpr) != birth_date:
                self.add_error("birth_date", _("Fødselsdatoen passer ikke med CPR-nummeret."))
        return data


class DocumentForm(PortalForm):
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


MEANS_CHOICES = [
    ("app", _("MitID app")),
    ("kodeviser", _("MitID kodeviser")),
    ("kodeoplaeser", _("MitID kodeoplæser")),
    ("chip", _("MitID chip")),
]
YES_NO = [("yes", _("Ja")), ("no", _("Nej"))]


class MeansForm(PortalForm):
    """*Vælg hvordan brugerne skal logge ind* (G3.8)."""

    allowed_means = forms.MultipleChoiceField(
        label=_("Vælg hvordan brugerne skal logge ind"),
        choices=MEANS_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Vælg mindst ét identifikationsmiddel.")},
    )


class PolicyForm(PortalForm):
    """*Vælg om brugerne skal anvende deres private MitID eller have et særskilt MitID* (G3.9)."""

    allow_private_mitid = forms.ChoiceField(
        label=_("Må brugerne anvende deres private MitID på arbejdet?"),
        choices=[
            ("yes", _("Ja – brugerne må vælge at anvende deres private MitID")),
            ("no", _("Nej – brugerne skal have et særskilt MitID til erhvervsbrug")),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": _("Vælg, om brugerne må anvende deres private MitID.")},
    )
    allow_shared_means = forms.BooleanField(
        label=_("Tillad delt identifikationsmiddel"),
        required=False,
        help_text=_(
            "Hvis flere CVR numre deler personale skal du vælge et særskilt MitID fx en kodeviser. "
            "En bruger med et særskilt MitID til erhvervsbrug kan benytte det samme brugernavn i to "
            "eller flere organisationer, hvis begge eller samtlige organisationer tillader det. Det "
            "kaldes et delt identifikationsmiddel. Husk at vinge tilladelse til delt "
            "identifikationsmiddel af."
        ),
        widget=forms.CheckboxInput(attrs={"class": "form-checkbox"}),
    )

    def clean_allow_private_mitid(self):
        return self.cleaned_data["allow_private_mitid"] == "yes"


class BillingForm(PortalForm):
    """*Øvrig opsætning … kontaktinformation til fakturering* (G3.10)."""

    billing_method = forms.ChoiceField(
        label=_("Hvordan skal fakturaen sendes?"),
        choices=[
            ("email", _("Faktura på e-mail")),
            ("digital_post", _("Faktura i Digital Post")),
            ("ean", _("Elektronisk faktura (EAN)")),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": _("Vælg, hvordan fakturaen skal sendes.")},
    )
    billing_email = forms.EmailField(
        label=_("E-mail til faktura"),
        required=False,
        widget=forms.EmailInput(attrs=_INPUT),
        error_messages={"invalid": _("Indtast en gyldig e-mailadresse, fx navn@firma.dk.")},
    )
    ean = forms.CharField(
        label=_("EAN-nummer"),
        required=False,
        max_length=20,
        help_text=_("13 cifre. Offentlige myndigheder faktureres altid via EAN."),
        widget=forms.TextInput(attrs={**_INPUT, "inputmode": "numeric"}),
    )
    contact_name = forms.CharField(
        label=_("Kontaktperson"),
        max_length=200,
        widget=forms.TextInput(attrs=_INPUT),
        error_messages={"required": _("Indtast kontaktpersonens navn.")},
    )
    contact_email = forms.EmailField(
        label=_("Kontaktpersonens e-mail"),
        widget=forms.EmailInput(attrs=_INPUT),
        error_messages={
            "required": _("Indtast kontaktpersonens e-mailadresse."),
            "invalid": _("Indtast en gyldig e-mailadresse, fx navn@firma.dk."),
        },
    )
    contact_phone = forms.CharField(
        label=_("Kontaktpersonens telefonnummer (valgfrit)"),
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={**_INPUT, "inputmode": "tel"}),
    )

    def __init__(self, *args, is_public: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.is_public = is_public
        if is_public:
            billing_method = cast(forms.ChoiceField, self.fields["billing_method"])
            billing_method.choices = [("ean", _("Elektronisk faktura (EAN)"))]
            billing_method.error_messages["invalid_choice"] = _(
                "Offentlige myndigheder faktureres altid via EAN."
            )

    def clean_ean(self):
        value = self.cleaned_data["ean"].strip()
        return normalise_ean(value) if value else ""

    def clean_contact_phone(self):
        value = self.cleaned_data["contact_phone"].strip()
        return normalise_phone(value) if value else ""

    def clean(self):
        data = super().clean()
        method = data.get("billing_method")
        # The field of another way of invoicing is hidden (shown without JavaScript) and ignored.
        for field, used_by in (("billing_email", "email"), ("ean", "ean")):
            if method and method != used_by:
                self.errors.pop(field, None)
                data[field] = ""
        if (
            method == "email"
            and not data.get("billing_email")
            and "billing_email" not in self.errors
        ):
            self.add_error(
                "billing_email", _("Indtast den e-mailadresse, fakturaen skal sendes til.")
            )
        if method == "ean" and not data.get("ean") and "ean" not in self.errors:
            self.add_error("ean", _("Indtast organisationens EAN-nummer."))
        return data


class SettingsForm(PortalForm):
    """*Indstillinger* (G3.12): the allowed means with the preferred one marked by a star."""

    allowed_means = MeansForm.base_fields["allowed_means"]
    preferred_means = forms.ChoiceField(
        label=_("Foretrukket identifikationsmiddel (stjerne)"),
        choices=MEANS_CHOICES,
        widget=forms.RadioSelect,
        error_messages={"required": _("Vælg jeres foretrukne identifikationsmiddel med stjernen.")},
    )
    allow_private_mitid = PolicyForm.base_fields["allow_private_mitid"]
    allow_shared_means = PolicyForm.base_fields["allow_shared_means"]

    def clean_allow_private_mitid(self):
        return self.cleaned_data["allow_private_mitid"] == "yes"

    def clean(self):
        data = super().clean()
        allowed, preferred = data.get("allowed_means"), data.get("preferred_means")
        if preferred and allowed is not None and preferred not in allowed:
            self.add_error(
                "preferred_means",
                _("Det foretrukne identifikationsmiddel skal være et af de tilladte."),
            )
        return data


# --- The GET forms of the lists (Revisionslog, Tildelte rettigheder, Fuldmagter) ---------------


class ListForm(PortalForm):
    """A list's GET filter form, with its search ``q``. ``query()`` is the filter as the list's
    links keep it (mitid_portal.listing adds the sort, the page size and the page)."""

    search_label = _("Søg")

    q = forms.CharField(
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={**_INPUT, "type": "search"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["q"].label = self.search_label

    def search(self) -> str:
        if not self.is_bound or not self.is_valid():
            return ""
        return self.cleaned_data["q"].strip()

    def query(self) -> dict[str, str]:
        """The filter's fields that are filled in, as given."""
        if not self.is_bound:
            return {}
        return {
            name: self.data[name].strip()
            for name in self.fields
            if isinstance(self.data.get(name), str) and self.data[name].strip()
        }


class AuditFilterForm(ListForm):
    """*Revisionslog*'s filter: a search, the person, the act and the period."""

    search_label = _("Søg på udført af, vedrører eller handling")

    person = forms.CharField(
        label=_("Udført af"),
        required=False,
        max_length=200,
        help_text=_("Hele eller en del af navnet"),
        widget=forms.TextInput(attrs=_INPUT),
    )
    action = forms.ChoiceField(
        label=_("Handling"), required=False, widget=forms.Select(attrs={"class": "form-select"})
    )
    date_from = forms.DateField(
        label=_("Fra dato"),
        required=False,
        widget=forms.DateInput(attrs={**_INPUT, "type": "date"}, format="%Y-%m-%d"),
    )
    date_to = forms.DateField(
        label=_("Til dato"),
        required=False,
        widget=forms.DateInput(attrs={**_INPUT, "type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, *args, actions: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        codes = sorted(set(AuditAction.values) | set(actions), key=audit_action_label)
        cast(forms.ChoiceField, self.fields["action"]).choices = [("", _("Alle handlinger"))] + [
            (code, audit_action_label(code)) for code in codes
        ]

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error(
                "date_to", _("Til-datoen skal være samme dag som eller efter fra-datoen.")
            )
        return data

    def filters(self) -> dict:
        if not self.is_bound or not self.is_valid():
            return {}
        data = self.cleaned_data
        return {
            "search": self.search(),
            "actor": data["person"].strip(),
            "action": data["action"],
            "date_from": data["date_from"],
            "date_to": data["date_to"],
        }


class RightsFilterForm(ListForm):
    """*Tildelte rettigheder*'s filter: a search, the service, direct or through a group."""

    search_label = _("Søg på tjeneste, navn, e-mail, bruger-ID eller RID-nummer")

    service = forms.ModelChoiceField(
        label=_("Tjeneste"),
        required=False,
        queryset=PublicService.objects.order_by("name"),
        empty_label=_("Alle tjenester"),
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    source = forms.ChoiceField(
        label=_("Tildelt"),
        required=False,
        choices=[
            ("", _("Direkte eller gennem en gruppe")),
            (RIGHT_DIRECT, _("Direkte")),
            (RIGHT_GROUP, _("Gennem en brugergruppe")),
        ],
        widget=forms.Select(attrs={"class": "form-select"}),
    )

    def filters(self) -> dict:
        if not self.is_bound or not self.is_valid():
            return {}
        data = self.cleaned_data
        return {"search": self.search(), "service": data["service"], "source": data["source"]}


POWER_EXPIRED = "expired"


class PowersFilterForm(ListForm):
    """*Fuldmagter*'s filter: a search, given or received, and the state."""

    search_label = _("Søg på organisationens navn eller CVR-nummer eller på en bruger")

    direction = forms.ChoiceField(
        label=_("Retning"),
        required=False,
        choices=[
            ("", _("Givne og modtagne")),
            ("given", _("Givne fuldmagter")),
            ("received", _("Modtagne fuldmagter")),
        ],
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    state = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[
            ("", _("Alle")),
            (PowerOfAttorney.State.REQUESTED, PowerOfAttorney.State.REQUESTED.label),
            (PowerOfAttorney.State.ACTIVE, PowerOfAttorney.State.ACTIVE.label),
            (POWER_EXPIRED, _("Udløbet")),
            (PowerOfAttorney.State.REJECTED, PowerOfAttorney.State.REJECTED.label),
            (PowerOfAttorney.State.REVOKED, PowerOfAttorney.State.REVOKED.label),
        ],
        widget=forms.Select(attrs={"class": "form-select"}),
    )

    def filters(self) -> dict:
        if not self.is_bound or not self.is_valid():
            return {}
        data = self.cleaned_data
        return {"search": self.search(), "direction": data["direction"], "state": data["state"]}
