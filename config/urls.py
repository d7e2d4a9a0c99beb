from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from ops.health import HealthView

admin.site.site_header = "TRD intake screening — clinician review"
admin.site.site_title = "TRD screening admin"
admin.site.index_title = "Decision support for clinicians"

urlpatterns = [
    path("", include("intake.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include("config.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("health/", HealthView.as_view(), name="health"),
]
