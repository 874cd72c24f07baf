"""``python manage.py import_nemid --cvr CVR``: the NemID import of a connected organisation, the
same service as the page *Start import*, printing the report."""

from collections import Counter

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError

from mitid_portal.errors import RuleError
from mitid_portal.outside import nemid_source
from mitid_portal.sandbox import SandboxedCommand
from mitid_portal.validators import normalise_cvr
from organisations.models import Organisation, RoleGrant
from users import report, selectors
from users.services import users_import_from_nemid


class Command(SandboxedCommand):
    help = "Importér NemID-medarbejdersignaturer som brugere i en tilsluttet organisation."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--cvr", required=True, help="organisationens CVR-nummer")
        parser.add_argument(
            "--admin",
            action="append",
            default=[],
            metavar="RID=ROLLE",
            help=f"en NemID-administrator og rollen ({', '.join(RoleGrant.Role.values)}); kan gentages",
        )

    def handle(self, *args, cvr: str, admin: list[str], **options):
        try:
            cvr = normalise_cvr(cvr)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        organisation = Organisation.objects.filter(cvr=cvr).first()
        if organisation is None:
            raise CommandError(
                f"CVR {cvr} er ikke tilsluttet MitID Erhverv (ukendt eller ikke tilsluttet)."
            )
        admin_roles = self._admin_roles(cvr, admin)
        try:
            run = users_import_from_nemid(
                organisation=organisation,
                started_by_name="Kommandolinje (import_nemid)",
                admin_roles=admin_roles,
            )
        except RuleError as exc:
            raise CommandError(str(exc.message)) from exc
        self._print(run)

    def _admin_roles(self, cvr: str, pairs: list[str]) -> dict[int, str]:
        source = nemid_source()
        roles: dict[int, str] = {}
        for pair in pairs:
            rid, _, role = pair.partition("=")
            signature_id = source.signature_id(cvr=cvr, rid=rid.strip())
            if signature_id is None or role not in RoleGrant.Role.values:
                raise CommandError(f"Ugyldig --admin {pair!r}: brug RID=ROLLE.")
            roles[signature_id] = role
        return roles

    def _print(self, run) -> None:
        out = self.stdout
        out.write(f"Import {run.pk} for {run.organisation}: {run.get_state_display()}")
        out.write(f"  Medarbejdersignaturer: {run.total}")
        out.write(f"  Importeret:            {run.imported}")
        out.write(f"  Sprunget over:         {run.skipped}")
        out.write(f"  Markeret (flere signaturer): {run.flagged}")
        rows = report.report_rows(selectors.import_report_attention_rows(run=run))
        for reason, count in Counter(row.reason_label for row in rows).most_common():
            out.write(f"    {count} × {reason}")
        for row in rows:
            out.write(
                f"  {row.rid or '–':>10}  {row.name}: {row.outcome_label} – {row.reason_label}"
            )
