from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.shortcuts import render
from django.utils.cache import add_never_cache_headers


class ContentSecurityPolicyMiddleware:
    """Adds the portal's Content-Security-Policy (no inline script or style anywhere)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", settings.CONTENT_SECURITY_POLICY)
        return response


NUL = "\x00"


def _has_nul(request) -> bool:
    """Whether the path, the query string or a cookie holds a NUL. Form fields are left to the
    forms (Django's form fields refuse a NUL with a message beside the field)."""
    return (
        NUL in request.path_info
        or any(NUL in key or any(NUL in v for v in values) for key, values in request.GET.lists())
        or any(NUL in key or NUL in value for key, value in request.COOKIES.items())
    )


class RejectNulCharactersMiddleware:
    """Answers 400 with a clear page when the path, the query string or a cookie holds a NUL
    character. No URL of the portal takes one, and PostgreSQL refuses it in a string literal,
    so it must never reach a query (issue 7, "Abuse and bad input")."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if _has_nul(request):
            # This runs before sessions and authentication: the page is for an anonymous visitor.
            request.user = AnonymousUser()
            return render(request, "400.html", status=400)
        return self.get_response(request)


class NoStoreMiddleware:
    """``Cache-Control: no-store`` (Django's never-cache set) on every response that does not say
    how it may be cached: the portal's pages show personal data or secrets (user lists, a user's
    page, the Revisionslog, activation codes), and no browser or proxy may keep a copy. Static
    files (served before this in production by whitenoise) keep their own caching."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if "Cache-Control" not in response.headers and not request.path.startswith(
            settings.STATIC_URL
        ):
            add_never_cache_headers(response)
        return response
