"""Forms of the activation pages: they parse the choices; the services decide what is allowed."""

from django import forms
from django.utils.translation import gettext_lazy as _

from activation.models import BoundMeans
from mitid_portal.forms import PortalForm
from organisations.selectors import (
    PRIVATE,
    organisation_default_means,
    organisation_device_means,
    organisation_offered_means,
)

_LABELS = dict(BoundMeans.Kind.choices)
MAX_ID = 2**63 - 1  # the largest primary key the databases hold


class IdsField(forms.Field):
    """Repeated ids; whether they are the organisation's users is checked after."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value):
        if not value:
            return []
        try:
            ids = sorted({int(v) for v in value})
        except (TypeError, ValueError):
            raise forms.ValidationError(_("Ugyldigt valg af brugere."), code="invalid") from None
        if ids[0] < 1 or ids[-1] > MAX_ID:
            raise forms.ValidationError(_("Ugyldigt valg af brugere."), code="invalid")
        return ids


class SelectionForm(PortalForm):
    """The POST from *Importerede brugere* (G4.1–G4.2): marked ids, or all matching a search."""

    user = IdsField(required=False)
    all_matching = forms.BooleanField(required=False)
    q = forms.CharField(required=False, max_length=200)
    cpr = forms.RegexField(regex=r"^[0-9a-f]{64}$", required=False)  # the list's ?cpr=
    # The list's whole filter, its GET query string (activation.selection): "all matching" is
    # every user the list shows under it.
    filter = forms.CharField(required=False, max_length=2000)

    def clean(self):
        data = super().clean()
        if not data.get("all_matching") and not data.get("user"):
            raise forms.ValidationError(_("Markér mindst én bruger."), code="empty")
        return data


class BulkMeansForm(PortalForm):
    """*Vælg identifikationsmidler* (G4.3): only what the organisation allows, the preferred one
    pre-marked."""

    means = forms.MultipleChoiceField(
        label=_("Identifikationsmidler"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Vælg mindst ét identifikationsmiddel.")},
    )

    def __init__(self, *args, organisation, **kwargs):
        kwargs.setdefault("initial", {"means": organisation_default_means(organisation)})
        super().__init__(*args, **kwargs)
        self.fields["means"].choices = [
            (m, _LABELS[m]) for m in organisation_offered_means(organisation)
        ]


class SingleMeansForm(PortalForm):
    """G5.5: ask the user to use their private MitID (when allowed), or give them a separate
    MitID for work with the chosen device kinds."""

    SEPARATE = "separate"

    kind = forms.ChoiceField(
        label=_("Identifikationsmiddel"),
        widget=forms.RadioSelect,
        error_messages={"required": _("Vælg, hvordan brugeren skal logge ind.")},
    )
    devices = forms.MultipleChoiceField(
        label=_("Særskilt MitID til erhvervsbrug"),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    def __init__(self, *args, organisation, **kwargs):
        kinds = [(self.SEPARATE, _("Særskilt MitID til erhvervsbrug"))]
        if organisation.allow_private_mitid:
            kinds.insert(0, (PRIVATE, _("Spørg brugeren, om de vil bruge deres private MitID")))
        kwargs.setdefault(
            "initial",
            {"kind": self.SEPARATE, "devices": organisation_default_means(organisation)},
        )
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = kinds
        self.fields["devices"].choices = [
            (m, _LABELS[m]) for m in organisation_device_means(organisation)
        ]

    def clean(self):
        data = super().clean()
        if data.get("kind") == self.SEPARATE and not data.get("devices"):
            self.add_error("devices", _("Vælg mindst ét identifikationsmiddel."))
        return data

    @property
    def means(self) -> list[str]:
        if self.cleaned_data["kind"] == PRIVATE:
            return [PRIVATE]
        return list(self.cleaned_data["devices"])
