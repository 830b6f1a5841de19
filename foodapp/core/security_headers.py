"""Security headers Django does not set itself: a Content-Security-Policy and a Permissions-Policy.

Django's SecurityMiddleware and XFrameOptionsMiddleware set nosniff, Referrer-Policy,
Cross-Origin-Opener-Policy and X-Frame-Options from settings; this adds the rest. A view that
needs a different policy sets the header itself and it is kept; a path prefix can have its own
policy in settings.CONTENT_SECURITY_POLICY_BY_PATH (Swagger UI applies inline styles).
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

CSP_HEADER = "Content-Security-Policy"
PERMISSIONS_HEADER = "Permissions-Policy"


class SecurityHeadersMiddleware:
    """Add the Content-Security-Policy (by path) and the Permissions-Policy to every response."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.policy = str(getattr(settings, "CONTENT_SECURITY_POLICY", ""))
        by_path = dict(getattr(settings, "CONTENT_SECURITY_POLICY_BY_PATH", {}))
        # Longest prefix first, so the most specific one wins.
        self.by_path = sorted(by_path.items(), key=lambda item: -len(item[0]))
        self.permissions = str(getattr(settings, "PERMISSIONS_POLICY", ""))

    def policy_for(self, path: str) -> str:
        """The CSP of a path: its prefix's own, else the site's."""
        return next(
            (policy for prefix, policy in self.by_path if path.startswith(prefix)), self.policy
        )

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        headers = {CSP_HEADER: self.policy_for(request.path), PERMISSIONS_HEADER: self.permissions}
        for name, value in headers.items():
            if value and name not in response.headers:
                response.headers[name] = value
        return response
