"""The outcomes report page in chromium: a clinician narrows the period, clicks "Show", then
"Export CSV", and the downloaded file holds the counts of the database's intakes (the
hand-computed fixtures of tests/screening/test_outcomes_report.py)."""

from datetime import date
from pathlib import Path

import pytest

from screening.outcomes import outcomes_report, report_csv
from tests.e2e.staff import log_in, submit_and_wait
from tests.screening import outcomes_data
from tests.screening.outcomes_data import REPORT


@pytest.fixture
def fixtures(cleo):
    outcomes_data.build(cleo)


pytestmark = pytest.mark.e2e


def test_show_a_period_and_export_it_as_csv(staff_page, live_server, transactional_db, fixtures):
    page = staff_page
    log_in(page, live_server, "cleo", REPORT)
    assert "2026-01" in page.locator("#by-month").inner_text()

    page.fill("#report-start", "2026-02-01")
    page.fill("#report-end", "2026-02-28")
    submit_and_wait(page, page.get_by_role("button", name="Show"))
    by_month = page.locator("#by-month tbody").inner_text()
    assert "2026-02" in by_month and "2026-01" not in by_month

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Export CSV").click()
    download = download_info.value
    assert download.suggested_filename == "outcomes-report.csv"
    content = Path(download.path()).read_text(encoding="utf-8")
    lines = content.splitlines()
    # Hand-computed: February's three index patients, one followed up, no response.
    assert lines[1] == "month,2026-02,3,1,0,0,0,33.3,0.0,0.0,0.0"
    assert lines[-1] == "total,all,3,1,0,0,0,33.3,0.0,0.0,0.0"
    # And exactly what the database gives for that period.
    assert content == report_csv(outcomes_report(start=date(2026, 2, 1), end=date(2026, 2, 28)))
    assert page.js_errors == []
