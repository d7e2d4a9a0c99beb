from django.urls import path
from django.views.generic import RedirectView

from intake import views
from intake.wizard import DONE_STEP, IntakeWizard

app_name = "intake"

wizard = views.limit_anonymous_posts(
    IntakeWizard.as_view(url_name="intake:wizard_step", done_step_name=DONE_STEP)
)

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="intake:start", permanent=False)),
    path("intake/", views.start, name="start"),
    path("intake/questionnaire/", wizard, name="wizard"),
    path("intake/questionnaire/<slug:step>/", wizard, name="wizard_step"),
    path("intake/resume/<str:token>/", views.resume, name="resume"),
    path("intake/saved/", views.saved, name="saved"),
    path("intake/support/", views.crisis, name="crisis"),
    path("intake/support/now/", views.safety_check, name="safety_check"),
    path("intake/submitted/", views.confirmation, name="confirmation"),
]
