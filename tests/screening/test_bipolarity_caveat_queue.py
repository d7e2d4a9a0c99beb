"""Issue 20 item 2 where the clinician reads it: possible_trd's bipolarity caveat is in the
flag's summary (stored, on the case page, and on the queue's badge)."""

import pytest
from django.urls import reverse

from screening.models import Flag
from tests.conftest import login
from tests.factories import intake_payload
from tests.screening.conftest import new_case

pytestmark = pytest.mark.django_db

MDQ_NEGATIVE = {**{f"q1{x}": x in "ab" for x in "abcdefghijklm"}, "q2": False, "q3": 0}


def trd_summary(case) -> str:
    return Flag.objects.get(run__intake=case.intake, code="possible_trd").summary


def test_unscreened_bipolarity_reaches_the_queue_and_the_case_page(client, cleo):
    case = new_case(intake_payload())  # the contract example gives no MDQ
    summary = trd_summary(case)
    assert summary.endswith(" — bipolarity not screened")
    login(client, cleo)
    queue = client.get(reverse("admin:screening_case_changelist")).content.decode()
    assert f"high level: {summary}" in queue
    page = client.get(reverse("admin:screening_case_change", args=[case.pk])).content.decode()
    assert summary in page


def test_reported_diagnosis_is_in_the_summary(cleo):
    payload = intake_payload()
    payload["answers"]["mdq"] = {**MDQ_NEGATIVE, "q5": True}
    assert trd_summary(new_case(payload)).endswith(" — review: bipolar diagnosis reported")


def test_a_negative_mdq_without_a_diagnosis_is_plain(cleo):
    payload = intake_payload()
    payload["answers"]["mdq"] = {**MDQ_NEGATIVE, "q5": False}
    assert trd_summary(new_case(payload)).endswith("failed in the current episode")
