"""The product's URLs plus the bare endpoint (bench.settings only; never config.urls)."""

from django.urls import include, path

from bench.views import BareCreateView

urlpatterns = [
    path("bench/bare/", BareCreateView.as_view(), name="bench-bare"),
    path("", include("config.urls")),
]
