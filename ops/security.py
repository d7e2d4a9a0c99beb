"""Content Security Policy: strict everywhere, relaxed only where a third-party UI needs it.

Django 6's built-in CSP (``SECURE_CSP`` + ``ContentSecurityPolicyMiddleware``) applies the
strict policy to every response. Django's admin and the Swagger UI set inline ``style``
attributes, so their paths get ``RELAXED_CSP`` (inline styles only; scripts stay 'self').
"""

from django.conf import settings
from django.utils.csp import CSP

STRICT_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
RELAXED_CSP = {**STRICT_CSP, "style-src": [CSP.SELF, CSP.UNSAFE_INLINE]}
RELAXED_PREFIXES = ("/admin/", "/api/docs/", "/account/")


class RelaxedCSPForThirdPartyUIMiddleware:
    """Listed after ContentSecurityPolicyMiddleware, so it marks the response first."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.path.startswith(RELAXED_PREFIXES) and settings.SECURE_CSP:
            response._csp_config = RELAXED_CSP
        return response
