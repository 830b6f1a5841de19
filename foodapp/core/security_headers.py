"""Security headers Django does not set itself: a Content-Security-Policy and a Permissions-Policy.

Django's SecurityMiddleware and XFrameOptionsMiddleware set nosniff, Referrer-Policy,
Cross-Origin-Opener-Policy and X-Frame-Options from settings; this adds the rest. A view that
needs a different policy sets the header itself and it is kept.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

CSP_HEADER = "Content-Security-Policy"
PERMISSIONS_HEADER = "Permissions-Policy"


class SecurityHeadersMiddleware:
    """Add settings.CONTENT_SECURITY_POLICY and settings.PERMISSIONS_POLICY to every response."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.headers = {
            CSP_HEADER: str(getattr(settings, "CONTENT_SECURITY_POLICY", "")),
            PERMISSIONS_HEADER: str(getattr(settings, "PERMISSIONS_POLICY", "")),
        }

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        for name, value in self.headers.items():
            if value and name not in response.headers:
                response.headers[name] = value
        return response
