"""The outcomes report (HEDIS depression remission-or-response shape) over hand-built fixtures.

Six linked patients, index dates and later PHQ-9s placed by hand (day N after the index):

====  ===========  =====  ====================================  ===============================
 pt   index date   PHQ-9  later PHQ-9s (day: total)             result (most recent in 120-240)
====  ===========  =====  ====================================  ===============================
 P1   2026-01-10     18   60: 4 (outside), 150: 8               followed, response (8 <= 9)
 P2   2026-01-20     20   130: 12, 200: 4                       followed, response + remission
 P3   2026-02-05     15   100: 3, 250: 3 (both outside)         not followed up
 P4   2026-02-14     12   240: 7 (last day of the window)       followed, neither (7 > 6)
 P5   2026-03-01     14   (first intake 2026-01-05 PHQ-9 8:     not followed up
                          not elevated, so not the index)
 P6   2026-02-20     16   119: 2 (a day too early)              not followed up
====  ===========  =====  ====================================  ===============================

P1's and P3's cases are assigned to the clinician cleo; the others are unassigned.
By month: 2026-01 -> 2 patients, 2 followed, 2 responses, 1 remission;
2026-02 -> 3, 1, 0, 0; 2026-03 -> 1, 0, 0, 0. All: 6, 3, 2, 1 (33.3 %, 16.7 %).
By clinician: cleo -> 2, 1, 1, 0; unassigned -> 4, 2, 1, 1.
"""

from datetime import date

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command

from ops import roles
from screening.models import MeasurementSettings
from screening.outcomes import outcomes_report, report_csv
from tests.conftest import login
from tests.screening import outcomes_data
from tests.screening.outcomes_data import REPORT


@pytest.fixture
def fixtures(cleo):
    outcomes_data.build(cleo)


def counts(row):
    return (row.group, row.patients, row.followed_up, row.response, row.remission)


@pytest.mark.django_db
class TestCounts:
    def test_by_month_by_clinician_and_total(self, fixtures):
        report = outcomes_report()
        assert [counts(r) for r in report.by_month] == [
            ("2026-01", 2, 2, 2, 1),
            ("2026-02", 3, 1, 0, 0),
            ("2026-03", 1, 0, 0, 0),
        ]
        assert [counts(r) for r in report.by_clinician] == [
            ("cleo", 2, 1, 1, 0),
            ("unassigned", 4, 2, 1, 1),
        ]
        assert counts(report.total) == ("all", 6, 3, 2, 1)
        assert report.total.response_or_remission == 2
        assert (report.total.response_rate, report.total.remission_rate) == (33.3, 16.7)
        assert report.total.follow_up_rate == 50.0

    def test_a_period_takes_index_dates_inside_it_only(self, fixtures):
        report = outcomes_report(start=date(2026, 2, 1), end=date(2026, 2, 28))
        assert [counts(r) for r in report.by_month] == [("2026-02", 3, 1, 0, 0)]
        assert counts(report.total) == ("all", 3, 1, 0, 0)

    def test_csv_and_the_command(self, fixtures, capsys):
        expected = [
            "grouping,group,patients_phq9_over_9,followed_up_4_to_8_months,response,remission,"
            "response_or_remission,follow_up_rate_pct,response_rate_pct,remission_rate_pct,"
            "response_or_remission_rate_pct",
            "month,2026-01,2,2,2,1,2,100.0,100.0,50.0,100.0",
            "month,2026-02,3,1,0,0,0,33.3,0.0,0.0,0.0",
            "month,2026-03,1,0,0,0,0,0.0,0.0,0.0,0.0",
            "clinician,cleo,2,1,1,0,1,50.0,50.0,0.0,50.0",
            "clinician,unassigned,4,2,1,1,1,50.0,25.0,25.0,25.0",
            "total,all,6,3,2,1,2,50.0,33.3,16.7,33.3",
        ]
        assert report_csv(outcomes_report()).splitlines() == expected
        call_command("outcomes_report", "--csv")
        assert capsys.readouterr().out.splitlines() == expected
        call_command("outcomes_report", "--from", "2026-03-01")
        text = capsys.readouterr().out
        assert "2026-03" in text and "2026-01" not in text


@pytest.mark.django_db
class TestAdminPage:
    def test_a_clinician_reads_it_and_exports_csv(self, client, cleo, fixtures):
        login(client, cleo)
        page = client.get(REPORT)
        assert page.status_code == 200
        html = page.content.decode()
        assert '<th scope="row">2026-01</th><td>2</td><td>2</td><td>2</td><td>1</td>' in html
        assert '<th scope="row">cleo</th><td>2</td><td>1</td><td>1</td><td>0</td>' in html
        export = client.get(REPORT, {"start": "2026-02-01", "export": "csv"})
        assert export["Content-Type"].startswith("text/csv")
        assert "attachment" in export["Content-Disposition"]
        lines = export.content.decode().splitlines()
        assert lines[1] == "month,2026-02,3,1,0,0,0,33.3,0.0,0.0,0.0"

    def test_a_bad_date_is_said_not_a_500(self, client, cleo):
        login(client, cleo)
        page = client.get(REPORT, {"start": "01/02/2026"})
        assert page.status_code == 200
        assert "The from date must be YYYY-MM-DD." in page.content.decode()

    def test_a_coordinator_may_not(self, client, cora):
        login(client, cora)
        assert client.get(REPORT).status_code == 403


@pytest.mark.django_db
class TestClinicalLeadSetting:
    @pytest.fixture
    def lead(self, django_user_model):
        user = django_user_model.objects.create_user(
            username="lena", password="pw-lena", is_staff=True
        )
        user.groups.add(Group.objects.get(name=roles.CLINICAL_LEAD))
        return user

    def test_the_clinical_lead_changes_the_weeks(self, client, lead):
        login(client, lead)
        assert client.get(REPORT).status_code == 200  # a clinician's rights too
        listing = client.get("/admin/screening/measurementsettings/")
        assert listing.status_code == 302
        url = listing["Location"]
        response = client.post(url, {"not_improving_after_weeks": "6"})
        assert response.status_code == 302, response.content.decode()[:2000]
        current = MeasurementSettings.current()
        assert current.not_improving_after_weeks == 6
        assert current.updated_by == lead

    def test_out_of_range_weeks_are_refused(self, client, lead):
        login(client, lead)
        url = client.get("/admin/screening/measurementsettings/")["Location"]
        response = client.post(url, {"not_improving_after_weeks": "1"})
        assert response.status_code == 200
        assert MeasurementSettings.current().not_improving_after_weeks == 8

    def test_a_clinician_cannot_change_it(self, client, cleo):
        login(client, cleo)
        assert client.get("/admin/screening/measurementsettings/1/change/").status_code == 403
        assert client.post(
            "/admin/screening/measurementsettings/1/change/", {"not_improving_after_weeks": "3"}
        ).status_code in (302, 403)
        assert MeasurementSettings.current().not_improving_after_weeks == 8
