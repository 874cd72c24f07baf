"""``python manage.py activate_users --cvr CVR --all`` (or ``--rid RID ...``): the bulk
activation of *Aktivér brugere* from the command line, through the same service."""

from django.core.management.base import CommandError

from activation import services
from mitid_portal.errors import RuleError
from mitid_portal.sandbox import SandboxedCommand
from organisations.models import Organisation
from organisations.selectors import organisation_default_means
from users.models import User


class Command(SandboxedCommand):
    help = "Start the activation of an organisation's imported users (all, or by RID)."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--cvr", required=True)
        which = parser.add_mutually_exclusive_group(required=True)
        which.add_argument("--all", action="store_true", help="every imported user")
        which.add_argument("--rid", nargs="+", default=[], help="the users with these RIDs")
        parser.add_argument(
            "--means",
            default="",
            help="comma-separated, e.g. app,kodeviser (default: the organisation's preferred)",
        )

    def handle(self, *args, cvr, all, rid, means, **options):
        organisation = Organisation.objects.filter(cvr=cvr).first()
        if organisation is None:
            raise CommandError(f"Ingen organisation med CVR {cvr}.")
        chosen = [m.strip() for m in means.split(",") if m.strip()] or (
            organisation_default_means(organisation) or ["app"]
        )
        users = User.objects.filter(organisation=organisation, state=User.State.IMPORTED)
        if not all:
            wanted = set(rid)
            users = users.filter(rid__in=wanted)
            found = set(users.values_list("rid", flat=True))
            if wanted - found:
                missing = ", ".join(sorted(wanted - found))
                raise CommandError(f"Ingen importeret bruger med RID: {missing}")
        try:
            invitations = services.users_activation_start(
                organisation=organisation, users=users, means=chosen, actor=None
            )
        except RuleError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"Aktivering startet for {len(invitations)} brugere ({', '.join(chosen)})."
        )
