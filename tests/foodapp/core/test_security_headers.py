"""Every answer carries the security headers: CSP without inline script, frames refused."""

from __future__ import annotations

import pytest

from foodapp.core.security_headers import CSP_HEADER


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/", "/dishes/", "/search/?q=x", "/dishes/nothing/", "/healthz"])
def test_pages_carry_the_security_headers(client, url):
    response = client.get(url)
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert "camera=()" in response["Permissions-Policy"]


@pytest.mark.django_db
def test_a_view_that_sets_its_own_policy_keeps_it(client, settings):
    from django.http import HttpResponse
    from django.test import RequestFactory

    from foodapp.core.security_headers import SecurityHeadersMiddleware

    def view(request):
        response = HttpResponse("ok")
        response[CSP_HEADER] = "default-src 'none'"
        return response

    response = SecurityHeadersMiddleware(view)(RequestFactory().get("/"))
    assert response[CSP_HEADER] == "default-src 'none'"
    assert response["Permissions-Policy"] == settings.PERMISSIONS_POLICY


@pytest.mark.django_db
def test_the_api_docs_may_apply_inline_styles_but_never_run_inline_scripts(client, settings):
    docs = client.get("/api/docs/")[CSP_HEADER]
    page = client.get("/")[CSP_HEADER]
    assert "style-src 'self' 'unsafe-inline'" in docs and "script-src 'self';" in docs
    assert "unsafe-inline" not in page
