"""The simulated CPR and CVR registers behind the interfaces in ``mitid_portal.outside``."""

from mitid_portal.outside import CprRecord, CvrRecord, Representative
from simulators.registers import selectors
from simulators.registers.models import Company, Person


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


def _compact(value: str) -> str:
    return "".join(ch for ch in (value or "") if ch not in " -")


class SimulatedCprRegister:
    def lookup(self, *, cpr: str) -> CprRecord | None:
        """The person with this CPR number (with or without the dash); None if there is none."""
        person = selectors.person_find_by_cpr(cpr=_compact(cpr))
        return _cpr_record(person) if person else None


class SimulatedCvrRegister:
    def lookup(self, *, cvr: str) -> CvrRecord | None:
        company = Company.objects.filter(cvr=_compact(cvr)).first()
        return _cvr_record(company) if company else None

    def representatives(self, *, cvr: str) -> list[Representative]:
        company = Company.objects.filter(cvr=_compact(cvr)).first()
        if company is None:
            return []
        return [
            Representative(
                cvr=company.cvr,
                cpr=rep.person.cpr,
                full_name=rep.person.full_name,
                role=rep.role,
            )
            for rep in selectors.company_representatives(company=company)
        ]

    def companies_represented_by(self, *, cpr: str) -> list[CvrRecord]:
        person = selectors.person_find_by_cpr(cpr=_compact(cpr))
        if person is None:
            return []
        return [_cvr_record(rep.company) for rep in selectors.person_representations(person=person)]
