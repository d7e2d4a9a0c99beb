"""The v1 API router: every app registers its endpoints here."""

from django.urls import include, path
from rest_framework.routers import DefaultRouter

from followups.api import FollowUpPlanView
from intake.api import InstrumentListView, IntakeViewSet, MedicationListView
from referrals.api import (
    ProviderMatchesView,
    ProviderViewSet,
    ReferralViewSet,
    SupportResourceListView,
)

router = DefaultRouter()
router.register("intakes", IntakeViewSet, basename="intake")
router.register("providers", ProviderViewSet, basename="provider")
router.register("referrals", ReferralViewSet, basename="referral")

urlpatterns = [
    path("instruments/", InstrumentListView.as_view(), name="instrument-list"),
    path("medications/", MedicationListView.as_view(), name="medication-list"),
    path("support-resources/", SupportResourceListView.as_view(), name="support-resource-list"),
    path(
        "intakes/<uuid:intake_id>/provider-matches/",
        ProviderMatchesView.as_view(),
        name="intake-provider-matches",
    ),
    path(
        "intakes/<uuid:intake_id>/follow-up-plan/",
        FollowUpPlanView.as_view(),
        name="intake-follow-up-plan",
    ),
    path("", include("interop.api")),  # FHIR paths, before the router so they win
    path("", include(router.urls)),
]
