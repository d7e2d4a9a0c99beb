"""The demo data: a patient with a plan and three follow-ups (response, remission, not
improving), measured against the baseline as a clinician will see them."""

import pytest

from demo.followups import ensure_demo_follow_ups
from followups.models import FollowUpPlan
from screening.measurement import measurement_of
from screening.models import Flag

pytestmark = pytest.mark.django_db(transaction=True)


def test_demo_plan_with_response_remission_and_not_improving():
    assert ensure_demo_follow_ups() == 3
    assert ensure_demo_follow_ups() == 0  # idempotent
    plan = FollowUpPlan.objects.get()
    states = list(plan.occurrence_set.values_list("state", flat=True))
    assert states == ["completed", "completed", "completed", "scheduled"]
    follow_ups = [o.follow_up for o in plan.occurrence_set.all()[:3]]
    outcomes = [measurement_of(f).outcome for f in follow_ups]
    assert outcomes == ["response", "remission", "no_response"]
    flagged = Flag.objects.filter(code="not_improving").values_list("run__intake", flat=True)
    assert list(flagged) == [follow_ups[2].pk]
