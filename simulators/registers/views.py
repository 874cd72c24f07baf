"""Pages of the simulated CPR and CVR registers: browse, search and add fictitious data."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from mitid_portal.errors import RuleError
from simulators.registers import selectors, services
from simulators.registers.forms import CompanyForm, PersonForm, RepresentativeForm

PAGE_SIZE = 50


def _search(request) -> str:
    return request.GET.get("q", "").strip()[:100]


def _add_rule_error(form, exc: RuleError) -> None:
    form.add_error(exc.field if exc.field in form.fields else None, str(exc.message))


@require_http_methods(["GET", "POST"])
def cpr_list(request):
    """The CPR register: everyone, searchable by name, and a form to add a fictitious person."""
    form = PersonForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            person = services.person_create(**form.cleaned_data)
        except RuleError as exc:
            _add_rule_error(form, exc)
        else:
            messages.success(
                request,
                _("%(name)s er oprettet i CPR-registret.") % {"name": person.full_name},
            )
            return redirect("registers:cpr_detail", pk=person.pk)
    search = _search(request)
    page = Paginator(selectors.persons_list(search=search), PAGE_SIZE).get_page(
        request.GET.get("side")
    )
    return render(
        request, "registers/cpr_list.html", {"page": page, "search": search, "form": form}
    )


@require_http_methods(["GET"])
def cpr_detail(request, pk):
    person = selectors.person_get(pk=pk)
    return render(
        request,
        "registers/cpr_detail.html",
        {
            "person": person,
            "representations": selectors.person_representations(person=person),
        },
    )


@require_http_methods(["GET", "POST"])
def cvr_list(request):
    """The CVR register: every company, searchable by name or CVR, and a form to add one."""
    form = CompanyForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            company = services.company_create(**form.cleaned_data)
        except RuleError as exc:
            _add_rule_error(form, exc)
        else:
            messages.success(
                request, _("%(name)s er oprettet i CVR-registret.") % {"name": company.name}
            )
            return redirect("registers:cvr_detail", cvr=company.cvr)
    search = _search(request)
    page = Paginator(selectors.companies_list(search=search), PAGE_SIZE).get_page(
        request.GET.get("side")
    )
    return render(
        request, "registers/cvr_list.html", {"page": page, "search": search, "form": form}
    )


@require_http_methods(["GET", "POST"])
def cvr_detail(request, cvr):
    """One company with its management representatives and a form to add one by CPR number."""
    company = selectors.company_get(cvr=cvr)
    form = RepresentativeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            representative = services.representative_add(
                company=company, person=form.person, role=form.cleaned_data["role"]
            )
        except RuleError as exc:
            _add_rule_error(form, exc)
        else:
            messages.success(
                request,
                _("%(name)s er tilføjet som %(role)s.")
                % {
                    "name": representative.person.full_name,
                    "role": representative.get_role_display().lower(),
                },
            )
            return redirect("registers:cvr_detail", cvr=company.cvr)
    return render(
        request,
        "registers/cvr_detail.html",
        {
            "company": company,
            "representatives": selectors.company_representatives(company=company),
            "form": form,
        },
    )
