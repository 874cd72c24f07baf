"""Pages of the simulated SMS phones: every number that received texts, and each phone's inbox."""

from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from simulators.sms import selectors
from simulators.sms.forms import PhoneForm

PAGE_SIZE = 50


@require_GET
def index(request):
    """The phones; the small form opens a phone by number (a GET: it only navigates)."""
    form = PhoneForm(request.GET if "number" in request.GET else None)
    if form.is_bound and form.is_valid():
        return redirect("sms:phone", number=form.cleaned_data["number"])
    search = request.GET.get("q", "").strip()[:20]
    page = Paginator(selectors.phones_list(search=search), PAGE_SIZE).get_page(
        request.GET.get("side")
    )
    return render(request, "sms/index.html", {"page": page, "search": search, "form": form})


@require_GET
def phone(request, number):
    """One simulated phone's texts, newest first; htmx reloads the list every five seconds."""
    page = Paginator(selectors.phone_messages(number=number), PAGE_SIZE).get_page(
        request.GET.get("side")
    )
    context = {"page": page, "number": number}
    if request.headers.get("HX-Request"):
        return render(request, "sms/_inbox.html", context)
    return render(request, "sms/phone.html", context)
