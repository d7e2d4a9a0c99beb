"""Shared helpers of the follow-up tests: a baseline intake submitted at a known time."""

from datetime import datetime
from zoneinfo import ZoneInfo

import time_machine
from django.conf import settings

from intake.models import Intake
from intake.serializers import IntakeSubmissionSerializer
from intake.services import intake_submit
from tests.factories import follow_up_phq9 as phq9
from tests.factories import intake_payload

#: Day 0 of every walk: the baseline's submission, 10:00 local time.
DAY0 = datetime(2026, 3, 2, 10, 0, tzinfo=ZoneInfo(settings.TIME_ZONE))


def baseline_intake(user=None, *, phq9_total=18, **patient) -> Intake:
    payload = intake_payload()
    payload["answers"] = {**payload.get("answers", {}), "phq9": phq9(phq9_total)}
    payload["patient"] = {**payload["patient"], **patient}
    serializer = IntakeSubmissionSerializer(data=payload)
    serializer.is_valid(raise_exception=True)
    with time_machine.travel(DAY0, tick=False):
        return intake_submit(data=serializer.validated_data, source="api", submitted_by=user).intake
