"""The case page's "Confirm psychotic features" button (issue 20 item 1), clicked in chromium:
the intake's source becomes clinician-confirmed, by whom, and the case's screening is re-staged
(Maudsley severity 5, the possible_psychotic_features review flag gone)."""

import pytest

from intake.models import Intake
from screening.models import Flag, ScreeningRun
from tests.e2e.staff import log_in, submit_and_wait
from tests.screening.conftest import new_case, psychotic_payload

pytestmark = pytest.mark.e2e


@pytest.fixture
def case(transactional_db):
    return new_case(
        psychotic_payload(),
        given_name="Rui",
        family_name="Okafor",
        external_id="MRN-P1",
        email="p1@example.org",
    )


def test_confirm_psychotic_features_restages_the_case(staff_page, live_server, case, cleo):
    page = staff_page
    run = ScreeningRun.objects.get(intake=case.intake)
    assert run.result["trd"]["maudsley"]["components"]["severity"] == 3
    log_in(page, live_server, "cleo", f"/admin/screening/case/{case.pk}/change/")
    flags = page.locator("#flags")
    assert flags.locator('[data-flag="possible_psychotic_features"]').count() == 1
    assert "patient self-report" in page.get_by_test_id("psychotic-features").inner_text()

    submit_and_wait(page, page.get_by_role("button", name="Confirm psychotic features"))

    intake = Intake.objects.get(pk=case.intake_id)
    assert intake.psychotic_features_source == "clinician"
    assert intake.psychotic_features_confirmed_by == cleo
    run.refresh_from_db()
    assert run.result["trd"]["maudsley"]["components"]["severity"] == 5
    assert not Flag.objects.filter(run=run, code="possible_psychotic_features").exists()
    assert "re-staged" in page.locator(".messagelist").inner_text()
    assert "clinician-confirmed" in page.get_by_test_id("psychotic-features").inner_text()
    assert flags.locator('[data-flag="possible_psychotic_features"]').count() == 0
    assert page.get_by_role("button", name="Confirm psychotic features").count() == 0
    assert page.js_errors == []
