"""The simulated NemID medarbejdersignatur self-service (medarbejdersignatur.dk).

The owner or another management representative logs in with private MitID and cleans up the
CVR's employee signatures before the move to MitID Erhverv (the guide's step 1, G1.1–G1.6).
"""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from mitid_portal.errors import RuleError
from mitid_portal.identity import identity_cpr, identity_get
from mitid_portal.outside import CvrRecord, cvr_register
from simulators.nemid import selectors, services
from simulators.nemid.forms import CprForm, EmailForm, NameForm
from simulators.nemid.models import NemIDEmployee
from simulators.nemid.readiness import employee_problems, readiness_report

PAGE_SIZE = 50


def _actor_name(request) -> str:
    identity = identity_get(request)
    return f"{identity['first_name']} {identity['last_name']}" if identity else ""


def _companies(request) -> list[CvrRecord]:
    """The companies the signed-in person represents; none for a visitor not signed in."""
    cpr = identity_cpr(request)
    return cvr_register().companies_represented_by(cpr=cpr) if cpr else []


def signed_in_required(view):
    """Every page needs the person signed in with private MitID; otherwise to the login and back
    (a POST comes back to the start page, since a GET of its address may not exist)."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if identity_get(request) is None:
            back = request.get_full_path() if request.method == "GET" else reverse("nemid:index")
            return redirect_to_login(back, login_url=reverse("login:start"))
        return view(request, *args, **kwargs)

    return wrapper


def representative_required(view):
    """The CVR in the URL must be one the signed-in person represents in the CVR register; any
    other is a 404, and the attempt is the only thing recorded (in the self-service's own log)."""

    @signed_in_required
    @wraps(view)
    def wrapper(request, cvr, *args, **kwargs):
        company = next((c for c in _companies(request) if c.cvr == cvr), None)
        if company is None:
            services.nemid_access_refusal_record(
                cvr=cvr,
                actor_name=_actor_name(request),
                method=request.method,
                path=request.path,
            )
            raise Http404
        return view(request, company, *args, **kwargs)

    return wrapper


def _employee(company: CvrRecord, pk: int) -> NemIDEmployee:
    return get_object_or_404(selectors.nemid_employees_for_cvr(cvr=company.cvr), pk=pk)


def _back_to_list(company: CvrRecord):
    return redirect("nemid:employees", cvr=company.cvr)


@require_GET
@signed_in_required
def index(request):
    """*Log på selvbetjening* (G1.1): the CVRs the person may act for; with one, straight to it."""
    companies = _companies(request)
    if len(companies) == 1:
        return redirect("nemid:employees", cvr=companies[0].cvr)
    return render(request, "nemid/index.html", {"companies": companies})


@require_GET
@representative_required
def employees(request, company):
    """*Medarbejdere* with the readiness report on top (G1.1–G1.6)."""
    search = request.GET.get("q", "").strip()[:100]
    page = Paginator(
        selectors.nemid_employees_list(cvr=company.cvr, search=search), PAGE_SIZE
    ).get_page(request.GET.get("side"))
    return render(
        request,
        "nemid/employees.html",
        {
            "company": company,
            "page": page,
            "search": search,
            "report": readiness_report(cvr=company.cvr),
        },
    )


@require_GET
@representative_required
def employee(request, company, pk):
    """One employee: the data, what to fix, and every change made in the self-service."""
    employee = _employee(company, pk)
    return render(
        request,
        "nemid/employee.html",
        {
            "company": company,
            "employee": employee,
            "rights": employee.rights.order_by("service_name"),
            "problems": employee_problems(employee=employee),
            "changes": selectors.nemid_employee_changes(employee=employee),
        },
    )


@require_http_methods(["GET", "POST"])
@representative_required
def employee_revoke(request, company, pk):
    """*Slet medarbejder* with "Er du sikker?" first (G1.2)."""
    employee = _employee(company, pk)
    if employee.status != NemIDEmployee.Status.ACTIVE:
        messages.info(request, _("%(name)s er allerede slettet.") % {"name": employee.full_name})
        return redirect("nemid:employee", cvr=company.cvr, pk=employee.pk)
    if request.method == "POST":
        try:
            services.nemid_employee_revoke(
                cvr=company.cvr,
                employee_id=employee.pk,
                actor_name=_actor_name(request),
            )
        except RuleError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request,
                _("%(name)s er slettet og flyttes ikke med til MitID Erhverv.")
                % {"name": employee.full_name},
            )
        return _back_to_list(company)
    return render(request, "nemid/employee_revoke.html", {"company": company, "employee": employee})


def _edit(request, company, pk, *, form_class, initial, save, template, success):
    employee = _employee(company, pk)
    if employee.status != NemIDEmployee.Status.ACTIVE:
        messages.error(request, _("Medarbejderen er slettet og kan ikke længere ændres."))
        return redirect("nemid:employee", cvr=company.cvr, pk=employee.pk)
    form = form_class(request.POST if request.method == "POST" else None, initial=initial(employee))
    if request.method == "POST" and form.is_valid():
        try:
            saved = save(employee, form.cleaned_data)
        except RuleError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, success % {"name": saved.full_name})
            return _back_to_list(company)
    return render(request, template, {"company": company, "employee": employee, "form": form})


@require_http_methods(["GET", "POST"])
@representative_required
def employee_email(request, company, pk):
    """Add or correct the email: "tjek at alle har tilknyttet en mailadresse" (G1.3)."""
    return _edit(
        request,
        company,
        pk,
        form_class=EmailForm,
        initial=lambda e: {"email": e.email},
        save=lambda e, data: services.nemid_employee_email_change(
            cvr=company.cvr,
            employee_id=e.pk,
            email=data["email"],
            actor_name=_actor_name(request),
        ),
        template="nemid/employee_email.html",
        success=_("E-mailen for %(name)s er gemt."),
    )


@require_http_methods(["GET", "POST"])
@representative_required
def employee_cpr(request, company, pk):
    """Link or correct the CPR number (G1.4); the birth date follows from it."""
    return _edit(
        request,
        company,
        pk,
        form_class=CprForm,
        initial=lambda e: {},
        save=lambda e, data: services.nemid_employee_cpr_link(
            cvr=company.cvr,
            employee_id=e.pk,
            cpr=data["cpr"],
            actor_name=_actor_name(request),
        ),
        template="nemid/employee_cpr.html",
        success=_("CPR-nummeret for %(name)s er tilknyttet."),
    )


@require_http_methods(["GET", "POST"])
@representative_required
def employee_name(request, company, pk):
    """Correct the name to the health card's (G1.5)."""
    return _edit(
        request,
        company,
        pk,
        form_class=NameForm,
        initial=lambda e: {"first_name": e.first_name, "last_name": e.last_name},
        save=lambda e, data: services.nemid_employee_name_change(
            cvr=company.cvr,
            employee_id=e.pk,
            first_name=data["first_name"],
            last_name=data["last_name"],
            actor_name=_actor_name(request),
        ),
        template="nemid/employee_name.html",
        success=_("Navnet på %(name)s er rettet."),
    )


@require_POST
@representative_required
def employee_name_from_register(request, company, pk):
    """*Brug navnet fra CPR-registret* in one click (G1.5)."""
    employee = _employee(company, pk)
    try:
        employee = services.nemid_employee_name_from_register(
            cvr=company.cvr,
            employee_id=employee.pk,
            actor_name=_actor_name(request),
        )
    except RuleError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("Navnet er rettet til %(name)s, som i CPR-registret.") % {"name": employee.full_name},
        )
    return _back_to_list(company)
