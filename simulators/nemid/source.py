"""The simulated NemID self-service as the source of the NemID import (``mitid_portal.outside``).

Each stream is one queryset read through a database cursor and handed on ``chunk_size`` rows at a
time, so an import of 50,000 signatures costs a handful of queries. The CPR is handed on as the
ciphertext the self-service stores (the simulator and the portal share the keys of
``mitid_portal.crypto``): it is never decrypted on the way.
"""

from collections.abc import Iterable, Iterator
from itertools import islice
from typing import TypeVar

from django.db.models import Count, Q, TextField
from django.db.models.functions import Cast

from mitid_portal.outside import NemIDAdministrator, NemIDSignature, NemIDSignatureRight
from simulators.nemid.models import NemIDEmployee, NemIDRight

Row = TypeVar("Row")

ACTIVE = NemIDEmployee.Status.ACTIVE


def _chunked(rows: Iterable[Row], size: int) -> Iterator[list[Row]]:
    rows = iter(rows)
    while chunk := list(islice(rows, size)):
        yield chunk


class SimulatedNemIDSource:
    def signature_count(self, *, cvr: str) -> int:
        return NemIDEmployee.objects.filter(cvr=cvr).count()

    def signatures(self, *, cvr: str, chunk_size: int) -> Iterator[list[NemIDSignature]]:
        rows = (
            NemIDEmployee.objects.filter(cvr=cvr)
            .order_by("pk")
            # The stored ciphertext as text: reading the field itself would decrypt it.
            .annotate(cpr_ciphertext=Cast("cpr", TextField()))
            .values_list(
                "pk",
                "rid",
                "first_name",
                "last_name",
                "email",
                "cpr_ciphertext",
                "cpr_hash",
                "birth_date",
                "status",
                "is_nemid_admin",
            )
            .iterator(chunk_size=chunk_size)
        )
        make = NemIDSignature._make
        for chunk in _chunked(rows, chunk_size):
            yield [
                make(
                    (
                        pk,
                        rid,
                        first,
                        last,
                        email,
                        cpr or "",
                        cpr_hash,
                        birth,
                        status == ACTIVE,
                        admin,
                    )
                )
                for pk, rid, first, last, email, cpr, cpr_hash, birth, status, admin in chunk
            ]

    def rights(self, *, cvr: str, chunk_size: int) -> Iterator[list[NemIDSignatureRight]]:
        rows = (
            NemIDRight.objects.filter(employee__cvr=cvr, employee__status=ACTIVE)
            .order_by()
            .values_list("employee_id", "service_code", "service_name")
            .iterator(chunk_size=chunk_size)
        )
        make = NemIDSignatureRight._make
        for chunk in _chunked(rows, chunk_size):
            yield list(map(make, chunk))

    def rights_between(self, *, cvr: str, first_id: int, last_id: int) -> list[NemIDSignatureRight]:
        make = NemIDSignatureRight._make
        return list(
            map(
                make,
                # The range on the signatures' own key (a subquery), so that the database reads
                # only this chunk's signatures, not all of the CVR's for every chunk.
                NemIDRight.objects.filter(
                    employee__in=NemIDEmployee.objects.filter(
                        pk__gte=first_id, pk__lte=last_id, cvr=cvr, status=ACTIVE
                    ).values("pk")
                )
                .order_by()
                .values_list("employee_id", "service_code", "service_name"),
            )
        )

    def replaced_cpr_hashes(self, *, cvr: str) -> set[str]:
        # One grouped scan of the CVR's signatures, as shared_cpr_hashes.
        return set(
            NemIDEmployee.objects.filter(cvr=cvr)
            .exclude(cpr_hash="")
            .values("cpr_hash")
            .annotate(
                active=Count("pk", filter=Q(status=ACTIVE)),
                revoked=Count("pk", filter=~Q(status=ACTIVE)),
            )
            .filter(active__gt=0, revoked__gt=0)
            .values_list("cpr_hash", flat=True)
        )

    def shared_cpr_hashes(self, *, cvr: str) -> set[str]:
        return set(
            NemIDEmployee.objects.filter(cvr=cvr, status=ACTIVE)
            .exclude(cpr_hash="")
            .values("cpr_hash")
            .annotate(signatures=Count("pk"))
            .filter(signatures__gt=1)
            .values_list("cpr_hash", flat=True)
        )

    def administrators(self, *, cvr: str) -> list[NemIDAdministrator]:
        return [
            NemIDAdministrator(id=pk, rid=rid, first_name=first, last_name=last)
            for pk, rid, first, last in NemIDEmployee.objects.filter(
                cvr=cvr, status=ACTIVE, is_nemid_admin=True
            )
            .order_by("last_name", "first_name", "pk")
            .values_list("pk", "rid", "first_name", "last_name")
        ]

    def signature_id(self, *, cvr: str, rid: str) -> int | None:
        return NemIDEmployee.objects.filter(cvr=cvr, rid=rid).values_list("pk", flat=True).first()
