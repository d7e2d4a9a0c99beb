"""The case page's TRD panel (issue 20 item 7): the label-dose count (R-LABEL) beside the
MGH-ATRQ count when they differ, and the trial notes ("verify dose", "too early")."""

import pytest
from django.urls import reverse

from tests.conftest import login
from tests.factories import intake_payload
from tests.screening.conftest import new_case

pytestmark = pytest.mark.django_db


def trial(medication, dose, weeks=8, outcome="no_response", **more):
    return {
        "medication": medication,
        "max_daily_dose_mg": dose,
        "weeks_at_max_dose": weeks,
        "adherence": "all",
        "outcome": outcome,
        "current_episode": True,
        **more,
    }


def case_with(*trials):
    return new_case(intake_payload(treatment_history={"medication_trials": list(trials)}))


def case_html(client, cleo, case) -> str:
    page = login(client, cleo).get(reverse("admin:screening_case_change", args=[case.pk]))
    assert page.status_code == 200
    return page.content.decode()


def trd_panel(client, cleo, case) -> str:
    html = case_html(client, cleo, case)
    return html[html.index('id="trd"') : html.index('id="maudsley-table"')]


def test_r_label_is_shown_beside_the_mgh_atrq_count_when_they_differ(client, cleo):
    case = case_with(trial("venlafaxine", 75), trial("sertraline", 100))
    html = case_html(client, cleo, case)
    panel = html[html.index('id="trd"') : html.index('id="maudsley-table"')]
    assert 'id="trd-label-dose"' in panel
    assert "at label doses (R-LABEL" in panel and "the MGH-ATRQ count above is 1" in panel
    # The pseudo-resistance flag's evidence says the label dose was reached.
    assert "adequate at the label dose of 75 mg/day, R-LABEL" in html


def test_r_label_is_not_shown_when_it_agrees(client, cleo):
    case = case_with(trial("venlafaxine", 150), trial("sertraline", 100))
    assert 'id="trd-label-dose"' not in trd_panel(client, cleo, case)


def test_verify_dose_and_too_early_notes_are_on_the_trial_rows(client, cleo):
    case = case_with(
        trial("mirtazapine", 60),
        trial("sertraline", 100, 3, ongoing=True),
        trial("fluoxetine", 20, 3),
    )
    panel = trd_panel(client, cleo, case)
    assert "verify dose: 60 mg/day is above the label maximum of 45 mg/day" in panel
    assert "too early: still being taken, 3 weeks at an adequate dose" in panel
    assert panel.count("rq-trial-note") == 2  # the stopped 3-week course gets no note
