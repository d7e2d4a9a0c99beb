from django.contrib import admin
from django.http import HttpResponsePermanentRedirect
from django.templatetags.static import static
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from two_factor.urls import urlpatterns as two_factor_urls

from ops.admin import StaffAdminSite
from ops.health import HealthView, LiveView

# Two-factor staff login, required when DJANGO_ENV=production (decided per request, so tests
# can switch it with override_settings); the demo keeps it optional. See ops.admin.
admin.site.__class__ = StaffAdminSite
admin.site.site_header = "TRD intake screening — clinician review"
admin.site.site_title = "TRD screening admin"
admin.site.index_title = "Decision support for clinicians"

urlpatterns = [
    path("", include("intake.urls")),
    path("", include("followups.urls")),
    path("admin/", admin.site.urls),
    path("", include(two_factor_urls)),  # /account/login/ (production) and 2FA setup
    path("api/v1/", include("config.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
    path("health/", HealthView.as_view(), name="health"),
    path("health/live/", LiveView.as_view(), name="health-live"),
    # Browsers ask for /favicon.ico on every page: the static file (its hashed name in
    # production, cached for a year by WhiteNoise), instead of a 404 in every log.
    path("favicon.ico", lambda request: HttpResponsePermanentRedirect(static("favicon.ico"))),
]

# Staff see which role can open a page they may not (ops.forbidden), not a bare "403 Forbidden".
handler403 = "ops.forbidden.permission_denied"
