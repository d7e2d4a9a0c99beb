"""The case page's trial table for issue 20: "episode unknown", an unlisted drug with "verify
this trial", an unknown dose, weeks at or above the minimum, and olanzapine/fluoxetine's
fluoxetine course."""

import pytest

from tests.factories import intake_payload
from tests.screening.conftest import new_case, page_url

pytestmark = pytest.mark.django_db


def trial_table(client, case) -> str:
    page = client.get(page_url(case)).content.decode()
    start = page.index('id="trial-table"')
    return page[start : page.index("</table>", start)]


def rows(table: str) -> list[str]:
    return table.split("<tr")[2:]  # after the header row


def test_unknown_episode_unlisted_drug_and_unknown_dose(clinician):
    payload = intake_payload()
    payload["treatment_history"]["medication_trials"] = [
        {
            "medication": "sertraline",
            "max_daily_dose_mg": 150,
            "weeks_at_adequate_dose": 12,
            "adherence": "all",
            "outcome": "no_response",
        },
        {
            "medication": "Zuranolone",
            "unlisted": True,
            "max_daily_dose_mg": 50,
            "weeks_at_adequate_dose": 2,
            "adherence": "all",
            "outcome": "no_response",
            "current_episode": True,
        },
        {
            "medication": "escitalopram",
            "max_daily_dose_mg": None,
            "weeks_at_adequate_dose": 8,
            "adherence": "all",
            "outcome": "no_response",
            "current_episode": True,
        },
        {
            "medication": "olanzapine_fluoxetine",
            "max_daily_dose_mg": 6,
            "weeks_at_adequate_dose": 8,
            "adherence": "all",
            "outcome": "no_response",
            "current_episode": True,
        },
    ]
    sertraline, unlisted, unknown_dose, symbyax = rows(trial_table(clinician, new_case(payload)))
    assert "(episode unknown)" in sertraline
    assert "Not counted: episode unknown" in sertraline
    assert ">12<" in sertraline  # weeks at or above the minimum
    assert "Zuranolone" in unlisted and "verify this trial" in unlisted
    assert "Not counted: not in the catalogue" in unlisted
    assert "dose not known" in unknown_dose and "Not counted: not an adequate trial" in unknown_dose
    assert "Augmentation" in symbyax
    assert "also a course of fluoxetine (in olanzapine fluoxetine) at least 25 mg/day" in symbyax
    assert "counted: adequate trial, failed" in symbyax


def test_an_answered_earlier_episode_still_says_so(clinician):
    payload = intake_payload()
    payload["treatment_history"]["medication_trials"][2]["current_episode"] = False
    *_, aripiprazole = rows(trial_table(clinician, new_case(payload)))
    assert "(earlier episode)" in aripiprazole and "episode unknown" not in aripiprazole
