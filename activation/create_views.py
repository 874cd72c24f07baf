"""*Opret bruger* and *Masseopret* (DESIGN.md "Administration"), for organisation and user
administrators. The views parse with a form, call one service and render or redirect.

Between the *Masseopret* preview and *Opret brugere* the checked rows wait in the session
(database sessions, so any web process finds them), not in a second upload: the administrator
confirms exactly the rows they saw, and cannot swap the file in between. Only a clean file is
kept, each CPR number encrypted with ``mitid_portal.crypto.encrypt`` (never in clear in the
session table), under a random batch id. The confirm takes the rows out of the session and the
service refuses a batch already created, so a double click or a second tab creates nothing twice.
"""

import datetime
import secrets

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from activation.create_forms import BulkUploadForm, UserCreateForm
from activation.models import BoundMeans
from activation.services import create as services
from activation.services.create import (
    MAX_FILE_BYTES,
    MAX_ROWS,
    NewUser,
    bulk_means,
)
from mitid_portal import crypto
from mitid_portal.csv import csv_render
from mitid_portal.errors import RuleError
from organisations.access import organisation_view
from organisations.models import RoleGrant

ORG_ADMIN = RoleGrant.Role.ORGANISATION_ADMIN
USER_ADMIN = RoleGrant.Role.USER_ADMIN
PENDING_KEY = "users_bulk_create_pending"
RECEIPT_KEY = "users_bulk_create_receipt"
_LABELS = dict(BoundMeans.Kind.choices)


@never_cache
@require_http_methods(["GET", "POST"])
@organisation_view(ORG_ADMIN, USER_ADMIN)
def user_create(request):
    """*Opret bruger*: on success to *Brugerinformation* with a message; on bad input the form
    again with the reasons and what was typed."""
    organisation = request.organisation
    form = UserCreateForm(
        request.POST if request.method == "POST" else None, organisation=organisation
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = services.user_create(
                organisation=organisation,
                first_name=data["first_name"],
                last_name=data["last_name"],
                email=data["email"],
                phone=data["phone"],
                cpr=data["cpr"],
                birth_date=data["birth_date"],
                language=data["language"] or "da",
                anonymous=data["anonymous"],
                means=data["means"],
                services=list(data["services"]),
                form_id=data["form_id"],
                actor=request.user,
                request=request,
            )
        except RuleError as exc:
            if exc.code == "already_created":  # the same form sent twice
                messages.info(request, exc.message)
                return redirect("users:list")
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            if user.cpr:
                messages.success(
                    request,
                    _("Brugeren %(name)s er oprettet og har fået en e-mail med et aktiveringslink.")
                    % {"name": user.full_name},
                )
            else:
                messages.success(
                    request,
                    _(
                        "Brugeren %(name)s er oprettet og har fået en e-mail med et "
                        "aktiveringslink. Brugeren er oprettet med fødselsdato og skal "
                        "aktiveres med midlertidig aktiveringskode: vis koden under "
                        "Afventer aktivering."
                    )
                    % {"name": user.full_name},
                )
            return redirect("users:detail", pk=user.pk)
    return render(
        request,
        "activation/create/create.html",
        {"form": form},
    )


@require_GET
@organisation_view(ORG_ADMIN, USER_ADMIN)
def bulk_create_template(request):
    """The template for *Masseopret*: the header and one example row, for Danish Excel."""
    header, example = services.users_bulk_template_rows()
    response = HttpResponse(
        csv_render(header=header, rows=[example]), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="masseopret-skabelon.csv"'
    return response


def _stash(request, parsed) -> str:
    batch = secrets.token_urlsafe(16)
    request.session[PENDING_KEY] = {
        "batch": batch,
        "organisation": request.organisation.pk,
        "filename": parsed.filename[:200],
        "rows": [
            [
                u.first_name,
                u.last_name,
                crypto.encrypt(u.cpr) if u.cpr else "",
                u.birth_date.isoformat() if u.birth_date else "",
                u.email,
                u.phone,
                u.language,
            ]
            for u in parsed.new_users()
        ],
    }
    return batch


def _unstash(request) -> tuple[str, list[NewUser]] | None:
    pending = request.session.get(PENDING_KEY)
    if not isinstance(pending, dict) or pending.get("organisation") != request.organisation.pk:
        return None
    try:
        return pending["batch"], _rows_to_users(pending["rows"])
    except (KeyError, TypeError, ValueError):  # a key retired since, or a damaged session
        request.session.pop(PENDING_KEY, None)
        return None


def _rows_to_users(rows) -> list[NewUser]:
    return [
        NewUser(
            first_name=first,
            last_name=last,
            cpr=crypto.decrypt(cpr) if cpr else "",
            birth_date=datetime.date.fromisoformat(birth) if birth else None,
            email=email,
            phone=phone,
            language=language[0] if language else "da",  # a preview stashed before the column
        )
        for first, last, cpr, birth, email, phone, *language in rows
    ]


def _means_labels(organisation) -> list[str]:
    return [str(_LABELS.get(m, m)) for m in bulk_means(organisation)]


@never_cache
@require_http_methods(["GET", "POST"])
@organisation_view(ORG_ADMIN, USER_ADMIN)
def bulk_create(request):
    """*Masseopret*: upload the file; a file that cannot be read gets one clear reason, a file
    that can be read a preview of every row with the reasons of the bad ones. Only a clean file
    offers *Opret brugere*; nothing is saved here."""
    form = BulkUploadForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
    )
    if request.method == "POST" and form.is_valid():
        request.session.pop(PENDING_KEY, None)
        request.session.pop(RECEIPT_KEY, None)
        try:
            parsed = services.users_bulk_file_read(
                organisation=request.organisation, upload=form.cleaned_data["file"]
            )
        except RuleError as exc:
            form.add_error("file", exc.message)
        else:
            batch = _stash(request, parsed) if parsed.is_clean else ""
            return render(
                request,
                "activation/create/bulk_preview.html",
                {
                    "parsed": parsed,
                    "bad_count": len(parsed.bad_rows),
                    "batch": batch,
                    "means": _means_labels(request.organisation),
                },
            )
    return render(
        request,
        "activation/create/bulk_upload.html",
        {"form": form, "max_rows": MAX_ROWS, "max_mb": MAX_FILE_BYTES // (1024 * 1024)},
    )


@never_cache
@require_POST
@organisation_view(ORG_ADMIN, USER_ADMIN)
def bulk_create_confirm(request):
    """*Opret brugere*: create the checked rows from the session, then the receipt."""
    pending = _unstash(request)
    if pending is None:
        if request.session.get(RECEIPT_KEY):  # a double click: the first one created them
            return redirect("activation:bulk_create_done")
        messages.error(request, _("Der er ingen kontrolleret fil at oprette brugere fra."))
        return redirect("activation:bulk_create")
    batch, users = pending
    if not secrets.compare_digest(request.POST.get("batch", ""), batch):
        # The session holds a newer file than the preview this button was on (two tabs).
        messages.error(
            request,
            _("Filen er udskiftet med en nyere fil. Kontrollér den seneste fil og prøv igen."),
        )
        return redirect("activation:bulk_create")
    try:
        created = services.users_bulk_create(
            organisation=request.organisation,
            users=users,
            batch=batch,
            actor=request.user,
            request=request,
        )
    except RuleError as exc:
        request.session.pop(PENDING_KEY, None)
        if exc.code == "already_created":
            return redirect("activation:bulk_create_done")
        messages.error(request, exc.message)
        return redirect("activation:bulk_create")
    request.session.pop(PENDING_KEY, None)
    request.session[RECEIPT_KEY] = {
        "count": len(created),
        "with_code": sum(1 for u in users if not u.cpr),
        "means": _means_labels(request.organisation),
    }
    return redirect("activation:bulk_create_done")


@require_GET
@organisation_view(ORG_ADMIN, USER_ADMIN)
def bulk_create_done(request):
    """The receipt of *Masseopret*: how many were created, and where they wait."""
    receipt = request.session.get(RECEIPT_KEY)
    if not isinstance(receipt, dict):
        return redirect("activation:bulk_create")
    return render(request, "activation/create/bulk_done.html", receipt)
