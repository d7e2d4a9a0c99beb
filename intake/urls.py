from django.urls import path
from django.views.generic import RedirectView

from intake import views

app_name = "intake"

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="intake:start", permanent=False)),
    path("intake/", views.start, name="start"),
]
