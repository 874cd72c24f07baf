import os

from django.core.exceptions import ImproperlyConfigured
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mitid_portal.settings")
application = get_wsgi_application()

# gunicorn runs no system checks: the one that keeps a simulated world off a production server
# without sandboxes (mitid_portal.checks, E001) refuses to start the server here too.
from mitid_portal.checks import production_simulators_check  # noqa: E402  after setup

_errors = production_simulators_check()
if _errors:
    raise ImproperlyConfigured(f"{_errors[0].msg} {_errors[0].hint}")
