"""The operators' password login (the Django admin at ``OPERATOR_PATH``), throttled like every
other secret: a try is reserved for the user name and for the client address before the password
is checked (``mitid_portal.ratelimit``), and a successful login gives its try back."""

from django.contrib.admin.forms import AdminAuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from mitid_portal.clientip import client_address
from mitid_portal.ratelimit import account_key, address_key, rate_release, rate_reserve_all

LIMIT_PER_USERNAME = 5  # password tries per operator user name per window
LIMIT_PER_ADDRESS = 20  # password tries per client address per window
WINDOW = 15 * 60


class OperatorAuthenticationForm(AdminAuthenticationForm):
    """The admin's login form with the try reserved before ``authenticate`` runs."""

    error_messages = {
        **AdminAuthenticationForm.error_messages,
        "throttled": _("For mange forsøg. Vent et par minutter, og prøv igen."),
    }

    def _keys(self, username: str) -> list[tuple[str, int]]:
        address = client_address(self.request) if self.request is not None else ""
        return [
            (account_key("operator-login", username.strip().casefold()), LIMIT_PER_USERNAME),
            (address_key("operator-login", address), LIMIT_PER_ADDRESS),
        ]

    def clean(self):
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if not (username and password):
            return super().clean()
        keys = self._keys(username)
        if not rate_reserve_all(limits=keys, window=WINDOW):
            raise ValidationError(self.error_messages["throttled"], code="throttled")
        cleaned = super().clean()  # authenticate(): raises on a wrong password
        for key, _limit in keys:
            rate_release(key=key)
        return cleaned
