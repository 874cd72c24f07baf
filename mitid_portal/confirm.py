"""Confirmation of a destructive or power-granting act.

The act's button opens a DKFDS modal (templates/includes/confirm_modal.html) whose own button sends
the form with ``confirmed``. A POST without it (no JavaScript, or a hand-made request) does not act:
the view answers with a page that asks the same question and sends the same fields again with
``confirmed``. Views call :func:`unconfirmed` after their access checks and before the act."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django_stubs_ext import StrPromise

CONFIRMED_FIELD = "confirmed"
_NOT_REPOSTED = {"csrfmiddlewaretoken", CONFIRMED_FIELD}


def is_confirmed(request: HttpRequest) -> bool:
    return bool(request.POST.get(CONFIRMED_FIELD))


def unconfirmed(
    request: HttpRequest,
    *,
    heading: str | StrPromise,
    confirm_label: str | StrPromise,
    cancel_url: str,
    text: str | StrPromise = "",
) -> HttpResponse | None:
    """None when the POST is confirmed; otherwise the confirmation page (200) that posts the same
    fields back to the same address with ``confirmed``."""
    if is_confirmed(request):
        return None
    fields = [
        (name, value)
        for name, values in request.POST.lists()
        if name not in _NOT_REPOSTED
        for value in values
    ]
    return render(
        request,
        "includes/confirm_page.html",
        {
            "heading": heading,
            "text": text,
            "confirm_label": confirm_label,
            "cancel_url": cancel_url,
            "fields": fields,
            "action": request.get_full_path(),
        },
    )
