"""The simulated broker behind ``mitid_portal.outside.MitIDBroker``."""

from urllib.parse import urlencode

from django.urls import reverse

from mitid_portal.outside import Identity
from simulators.mitid import services


class SimulatedMitIDBroker:
    def login_url(self, *, client: str, return_url: str, state: str) -> str:
        query = urlencode({"client": client, "return_url": return_url, "state": state})
        return f"{reverse('mitid:login')}?{query}"

    def exchange(self, *, code: str) -> Identity | None:
        return services.login_result_exchange(code=code)
