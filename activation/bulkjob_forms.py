"""Forms of the bulk actions: the selection a list posts (``BulkSelectionForm``, the contract in
``activation.bulkjob_views.bulk_action``) and the confirm page's extra fields
(``BulkConfirmForm``: a reason, a role, a group or a right, as the action needs)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from activation.forms import IdsField
from activation.selection import SOURCES
from mitid_portal.forms import PortalForm
from organisations.models import PublicService, RoleGrant, UserGroup

MAX_FILTER_LENGTH = 2000


class BulkSelectionForm(PortalForm):
    """The POST of a list's bulk form: ``source``, ``action``, and the marked ``user`` ids or
    ``all_matching`` with the list's ``filter`` (its urlencoded query string)."""

    source = forms.ChoiceField(choices=[(s, s) for s in SOURCES])
    action = forms.CharField(max_length=40)
    user = IdsField(required=False)
    all_matching = forms.BooleanField(required=False)
    filter = forms.CharField(required=False, max_length=MAX_FILTER_LENGTH)

    def clean(self):
        data = super().clean()
        if not data.get("all_matching") and not data.get("user"):
            raise forms.ValidationError(_("Markér mindst én bruger."), code="empty")
        return data


class BulkConfirmForm(PortalForm):
    """The confirm page: the one extra field the action needs, or none."""

    reason = forms.CharField(
        label=_("Begrundelse"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3, "class": "form-input"}),
        help_text=_("Begrundelsen gemmes i revisionsloggen for hver bruger."),
    )
    role = forms.ChoiceField(label=_("Rolle"), choices=RoleGrant.Role.choices)
    group = forms.ModelChoiceField(
        label=_("Brugergruppe"), queryset=UserGroup.objects.none(), empty_label=None
    )
    service = forms.ModelChoiceField(
        label=_("Rettighed"), queryset=PublicService.objects.none(), empty_label=None
    )

    def __init__(self, *args, extra: str, organisation, **kwargs):
        super().__init__(*args, **kwargs)
        for name in list(self.fields):
            if name != extra:
                del self.fields[name]
        if "group" in self.fields:
            self.fields["group"].queryset = UserGroup.objects.filter(  # type: ignore[attr-defined]
                organisation=organisation
            ).order_by("name")
        if "service" in self.fields:
            self.fields["service"].queryset = PublicService.objects.order_by(  # type: ignore[attr-defined]
                "name"
            )
        for field in self.fields.values():
            if isinstance(field.widget, forms.Select):
                field.widget.attrs.setdefault("class", "form-select")

    def parameters(self) -> dict:
        """The choice as the job keeps it (JSON: ids, codes, text)."""
        data = self.cleaned_data
        if "reason" in data:
            return {"reason": data["reason"].strip()}
        if "role" in data:
            return {"role": data["role"]}
        if "group" in data:
            return {"group": data["group"].pk, "group_name": data["group"].name}
        if "service" in data:
            return {"service": data["service"].pk, "service_name": data["service"].name}
        return {}
