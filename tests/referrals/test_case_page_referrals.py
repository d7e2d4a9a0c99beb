"""The case page lists the case's referrals and their follow-up flags."""

import pytest
from django.utils import timezone

from referrals.models import Referral
from tests.referrals.conftest import case_of, make_provider


@pytest.mark.django_db
def test_case_page_shows_referrals_flagged_for_follow_up(ada, clinician, cleo):
    provider = make_provider(name="Maya Chen")
    Referral.objects.create(
        intake=ada,
        provider=provider,
        created_by=cleo,
        status="sent",
        follow_up_reason="Sent 3 business days ago and not yet accepted",
        follow_up_flagged_at=timezone.now(),
    )
    page = clinician.get(f"/admin/screening/case/{case_of(ada).pk}/change/").content.decode()
    assert "Maya Chen" in page
    assert "Follow up: Sent 3 business days ago and not yet accepted" in page
