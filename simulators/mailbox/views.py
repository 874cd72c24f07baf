"""Pages of the simulated mailbox: every address that received mail, its inbox, each message."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from simulators.mailbox import selectors, services

PAGE_SIZE = 50

# The stored HTML is whatever the portal rendered; shown on its own origin-less, script-less page.
_HTML_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox"


@require_GET
def index(request):
    search = request.GET.get("q", "").strip()[:254]
    page = Paginator(selectors.mailbox_addresses(search=search), PAGE_SIZE).get_page(
        request.GET.get("side")
    )
    return render(request, "mailbox/index.html", {"page": page, "search": search})


@require_GET
def inbox(request, address):
    """One address's inbox, newest first; an address without mail shows an empty inbox."""
    address = address.lower()
    page = Paginator(selectors.inbox(address=address), PAGE_SIZE).get_page(request.GET.get("side"))
    return render(request, "mailbox/inbox.html", {"page": page, "address": address})


@require_GET
def message(request, address, pk):
    delivery = selectors.inbox_message(address=address, message_id=pk)
    return render(
        request,
        "mailbox/message.html",
        {"delivery": delivery, "message": delivery.message, "address": delivery.address},
    )


@require_GET
def message_html(request, address, pk):
    """The HTML version exactly as sent, under a policy that allows no script, no frame, no
    request anywhere: a sandboxed page of its own."""
    delivery = selectors.inbox_message(address=address, message_id=pk)
    response = HttpResponse(delivery.message.body_html, content_type="text/html; charset=utf-8")
    response["Content-Security-Policy"] = _HTML_POLICY
    response["X-Frame-Options"] = "DENY"
    response["Referrer-Policy"] = "no-referrer"
    return response


@require_POST
def mark_read(request, address, pk):
    delivery = selectors.inbox_message(address=address, message_id=pk)
    services.mail_recipient_mark_read(recipient=delivery)
    messages.success(request, _("Beskeden er markeret som læst."))
    return redirect("mailbox:message", address=delivery.address, pk=delivery.message_id)


@require_POST
def clear(request):
    count = services.mailbox_clear()
    messages.success(
        request, _("Postkassen er tømt (%(count)s e-mails slettet).") % {"count": count}
    )
    return redirect("mailbox:index")
