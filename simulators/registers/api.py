"""The simulated CPR and CVR registers behind the interfaces in ``mitid_portal.outside``."""

from mitid_portal import crypto
from mitid_portal.outside import CprRecord, CvrRecord, Representative
from simulators.registers.models import Company, ManagementRepresentative, Person


def _cpr_record(person: Person) -> CprRecord:
    return CprRecord(
        cpr=person.cpr,
        first_name=person.first_name,
        last_name=person.last_name,
        birth_date=person.birth_date,
    )


def _cvr_record(company: Company) -> CvrRecord:
    return CvrRecord(
        cvr=company.cvr,
        name=company.name,
        legal_form=company.legal_form,
        is_public=company.is_public,
    )


class SimulatedCprRegister:
    def lookup(self, *, cpr: str) -> CprRecord | None:
        person = Person.objects.filter(cpr_hash=crypto.cpr_hash(cpr)).first()
        return _cpr_record(person) if person else None


class SimulatedCvrRegister:
    def lookup(self, *, cvr: str) -> CvrRecord | None:
        company = Company.objects.filter(cvr=cvr).first()
        return _cvr_record(company) if company else None

    def representatives(self, *, cvr: str) -> list[Representative]:
        reps = ManagementRepresentative.objects.filter(company__cvr=cvr).select_related(
            "person", "company"
        )
        return [
            Representative(
                cvr=rep.company.cvr,
                cpr=rep.person.cpr,
                full_name=rep.person.full_name,
                role=rep.role,
            )
            for rep in reps
        ]

    def companies_represented_by(self, *, cpr: str) -> list[CvrRecord]:
        companies = Company.objects.filter(
            representatives__person__cpr_hash=crypto.cpr_hash(cpr)
        ).order_by("name")
        return [_cvr_record(company) for company in companies]
