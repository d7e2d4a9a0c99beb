"""The case page and the workflow through the admin (a clinician's clicks as POSTs)."""

import json
import re

import pytest
from auditlog.models import LogEntry
from django.urls import NoReverseMatch, reverse

from screening import review, services
from screening.extensions import CASE_LINKS
from screening.models import Case, CaseNote, CaseStatus
from tests.conftest import login, submit
from tests.factories import intake_payload
from tests.screening.conftest import fresh, new_case, urgent_case


def page_url(case) -> str:
    return reverse("admin:screening_case_change", args=[case.pk])


def action_url(case, action) -> str:
    return reverse("admin:screening_case_review", args=[case.pk, action])


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


@pytest.fixture
def clinician(client, cleo):
    return login(client, cleo)


@pytest.fixture
def contract_case():
    """The contract's example intake (Ada Rivera): possible TRD, Thase-Rush I, Maudsley."""
    return new_case(
        intake_payload(),
        external_id="MRN-00042",
        email="ada@example.org",
        given_name="Ada",
        family_name="Rivera",
    )


@pytest.mark.django_db
class TestCasePage:
    def test_patient_summary(self, clinician, contract_case):
        page = clinician.get(page_url(contract_case)).content.decode()
        for text in (
            "Ada Rivera",
            "MRN-00042",
            "ada@example.org",
            "+1 212 555 0100",
            "NY",
            "10027",
            "Aetna",
            "14 months",
        ):
            assert text in page, text

    def test_scores_with_item_answers(self, clinician, contract_case):
        page = clinician.get(page_url(contract_case)).content.decode()
        assert "PHQ-9" in page or "Patient Health Questionnaire" in page
        assert '<span class="rq-score">15</span>' in page  # PHQ-9 total
        assert '<span class="rq-score">7</span>' in page  # GAD-7 total
        assert "moderately severe" in page
        assert "3 · Nearly every day" in page  # PHQ-9 q2 answered 3, with its label

    def test_every_flag_with_its_evidence(self, clinician, contract_case):
        page = clinician.get(page_url(contract_case)).content.decode()
        assert 'data-flag="possible_trd"' in page
        assert "sertraline 150 mg/day for 8 weeks" in page.lower()

    def test_trd_panel(self, clinician, contract_case):
        response = clinician.get(page_url(contract_case))
        page = response.content.decode()
        table = page[
            page.index('id="trial-table"') : page.index("</table>", page.index('id="trial-table"'))
        ]
        assert "Sertraline" in table and "Escitalopram" in table and "Aripiprazole" in table
        assert "(min 50 ✓)" in table  # sertraline 150 against 50
        assert table.count("Counted: adequate trial, failed") == 2
        assert "Augmentation" in table
        assert "under the 4-week rule" in page and "MGH-S" in page
        assert "Thase–Rush stage" in page
        assert 'id="maudsley-table"' in page
        trd = response.context["page"].trd
        assert trd["thase_rush_stage"] == "I" and trd["maudsley"]["band"] in page

    def test_inadequate_trial_shows_its_reasons(self, clinician):
        payload = intake_payload()
        payload["treatment_history"]["medication_trials"].append(
            {
                "medication": "fluoxetine",
                "max_daily_dose_mg": 10,
                "weeks_at_max_dose": 3,
                "adherence": "rarely",
                "outcome": "no_response",
                "current_episode": True,
            }
        )
        page = clinician.get(page_url(new_case(payload))).content.decode()
        assert "dose below the minimum" in page
        assert "under 6 weeks at that dose" in page
        assert "(min 20: below)" in page

    def test_trend_across_intakes_by_json_script_and_static_chart(self, clinician, cora):
        first = intake_payload(
            answers={
                "phq9": {
                    "q1": 3,
                    "q2": 3,
                    "q3": 2,
                    "q4": 3,
                    "q5": 2,
                    "q6": 2,
                    "q7": 2,
                    "q8": 1,
                    "q9": 0,
                },
                "gad7": {"q1": 2, "q2": 2, "q3": 2, "q4": 1, "q5": 1, "q6": 1, "q7": 1},
            }
        )
        better = intake_payload(
            answers={
                "phq9": {
                    "q1": 1,
                    "q2": 1,
                    "q3": 1,
                    "q4": 1,
                    "q5": 1,
                    "q6": 1,
                    "q7": 1,
                    "q8": 0,
                    "q9": 0,
                },
                "gad7": {"q1": 1, "q2": 0, "q3": 1, "q4": 0, "q5": 0, "q6": 0, "q7": 0},
            }
        )
        remitted = intake_payload(
            answers={
                "phq9": {f"q{i}": 0 for i in range(1, 10)} | {"q1": 1, "q2": 1},
                "gad7": {f"q{i}": 0 for i in range(1, 8)},
            }
        )
        # The same partner, external id (MRN-00042) and birth date: one patient each time.
        submit(first, by=cora), submit(better, by=cora)
        # One patient, one open case: the later intakes joined the first's case.
        case = Case.objects.get(intakes=submit(remitted, by=cora))
        response = clinician.get(page_url(case))
        page = response.content.decode()
        data = json.loads(
            re.search(
                r'<script id="trend-data" type="application/json">(.*?)</script>', page, re.S
            ).group(1)
        )
        assert data["phq9"] == [18, 7, 2]
        assert data["response"] == [False, True, True]
        assert data["remission"] == [False, False, True]
        assert "screening/vendor/chart-4.6.1.umd.min.js" in page
        assert "screening/case_trend.js" in page
        # No inline script anywhere on the page: every <script> has a src or is JSON data.
        for tag in re.findall(r"<script\b[^>]*>", page):
            assert "src=" in tag or 'type="application/json"' in tag, tag

    def test_a_page_view_is_in_the_access_log(self, clinician, cleo, contract_case):
        clinician.get(page_url(contract_case))
        clinician.get(page_url(contract_case))
        views = LogEntry.objects.filter(
            action=LogEntry.Action.ACCESS, object_pk=str(contract_case.pk)
        )
        assert views.count() == 2
        assert {v.actor for v in views} == {cleo}
        assert views.first().additional_data == {"view": "case page"}
        page = clinician.get(page_url(contract_case)).content.decode()
        access = page[page.index('id="access"') :]
        assert access.count("<td>cleo</td>") == 3

    def test_find_providers_link_only_when_referrals_provides_it(
        self, clinician, contract_case, monkeypatch
    ):
        try:
            url = reverse("admin:referrals_case_matches", kwargs={"case_id": contract_case.pk})
        except NoReverseMatch:
            url = None
        page = clinician.get(page_url(contract_case)).content.decode()
        if url:
            assert f'href="{url}">Find providers</a>' in page
        else:
            assert "Find providers" not in page

        # Without the referrals app's registration (screening.extensions) there is no link.
        monkeypatch.delitem(CASE_LINKS, "find_providers")
        assert "Find providers" not in clinician.get(page_url(contract_case)).content.decode()

    def test_a_failed_screening_still_shows_the_answers(self, clinician, monkeypatch):
        def broken(_):
            raise ZeroDivisionError

        monkeypatch.setattr(services, "evaluate", broken)
        case = new_case()
        page = clinician.get(page_url(case)).content.decode()
        assert "The automatic screening failed (ZeroDivisionError)" in page
        assert "3 · Nearly every day" in page  # the answers are still there
        assert "rq-score" not in page  # no scores without a run
        queue = clinician.get("/admin/screening/case/").content.decode()
        assert "screening failed" in queue

    def test_unknown_case(self, clinician):
        response = clinician.get(
            reverse("admin:screening_case_change", args=["00000000-0000-0000-0000-000000000000"])
        )
        assert response.status_code == 302
        assert clinician.get("/admin/screening/case/not-a-uuid/change/").status_code == 302


@pytest.mark.django_db
class TestWorkflowThroughTheAdmin:
    def test_acknowledge_note_start_refer(self, clinician, cleo):
        case = urgent_case()
        page = clinician.get(page_url(case)).content.decode()
        assert "Acknowledge urgent case" in page and "not yet acknowledged" in page

        response = clinician.post(action_url(case, "acknowledge"), follow=True)
        assert "Urgent case acknowledged: escalation stopped." in messages_of(response)
        assert fresh(case).acknowledged_by == cleo

        response = clinician.post(
            action_url(case, "note"), {"text": "Spoke to the patient."}, follow=True
        )
        assert "Note added." in messages_of(response)
        assert "Spoke to the patient." in response.content.decode()

        clinician.post(action_url(case, "start_review"), {"expected_status": "new"})
        response = clinician.post(
            action_url(case, "refer"), {"expected_status": "in_review"}, follow=True
        )
        # Decided: the next open case would open; there is none, so the queue does.
        assert "Case referred. The queue has no other open case." in messages_of(response)
        assert response.redirect_chain[-1][0] == "/admin/screening/case/"
        case = fresh(case)
        assert case.status == CaseStatus.REFERRED and case.assigned_to == cleo
        history = clinician.get(page_url(case)).content.decode()
        history = history[history.index('id="history"') : history.index('id="access"')]
        for line in (
            "Acknowledged the urgent case",
            "Added a note",
            "Started the review",
            "Referred",
            "status: new → in review",
            "status: in review → referred",
        ):
            assert line in history, line

    def test_a_move_the_state_does_not_allow_changes_nothing(self, clinician):
        case = new_case()
        response = clinician.post(
            action_url(case, "refer"), {"expected_status": "new"}, follow=True
        )
        assert messages_of(response) == [
            "A case that is new cannot be referred. Possible now: start review. "
            "Nothing was changed."
        ]
        assert fresh(case).status == CaseStatus.NEW

    def test_dismiss_without_a_reason_changes_nothing(self, clinician):
        case = new_case()
        clinician.post(action_url(case, "start_review"), {"expected_status": "new"})
        response = clinician.post(
            action_url(case, "dismiss"), {"expected_status": "in_review", "reason": ""}, follow=True
        )
        assert "Give a reason to dismiss the case. Nothing was changed." in messages_of(response)
        assert fresh(case).status == CaseStatus.IN_REVIEW
        response = clinician.post(
            action_url(case, "dismiss"),
            {"expected_status": "in_review", "reason": "Duplicate"},
            follow=True,
        )
        assert messages_of(response) == ["Case dismissed. The queue has no other open case."]
        assert fresh(case).status == CaseStatus.DISMISSED
        page = clinician.get(page_url(case)).content.decode()
        assert "Reason (dismissed): Duplicate" in page

    def test_two_reviewers_one_wins(self, client, cleo, cleo2, django_user_model):
        from django.test import Client

        case = new_case()
        first, second = login(Client(), cleo), login(Client(), cleo2)
        first.get(page_url(case)), second.get(page_url(case))  # both see a new case
        ok = first.post(action_url(case, "start_review"), {"expected_status": "new"}, follow=True)
        late = second.post(
            action_url(case, "start_review"), {"expected_status": "new"}, follow=True
        )
        assert "Review started." in messages_of(ok)
        (message,) = messages_of(late)
        assert message.startswith("cleo already moved this case at ")
        assert message.endswith("it is now in review. Nothing was changed.")
        case = fresh(case)
        assert case.assigned_to == cleo and case.status_changed_by == cleo
        moves = LogEntry.objects.filter(
            object_pk=str(case.pk), additional_data__event="start_review"
        )
        assert moves.count() == 1

    def test_assign_to_me_and_take_over(self, clinician, cleo, cleo2):
        case = new_case()
        review.case_assign_to_me(case=case, by=cleo2)
        page = clinician.get(page_url(case)).content.decode()
        assert "Take over from cleo2" in page
        response = clinician.post(
            action_url(case, "assign_to_me"), {"expected_assignee": str(cleo2.pk)}, follow=True
        )
        assert "Case assigned to you." in messages_of(response)
        assert fresh(case).assigned_to == cleo

    def test_get_on_an_action_is_not_allowed(self, clinician):
        case = new_case()
        assert clinician.get(action_url(case, "refer")).status_code == 405
        assert fresh(case).status == CaseStatus.NEW

    def test_notes_are_kept_after_the_case_is_decided(self, clinician, cleo):
        case = new_case()
        review.case_start_review(case=case, by=cleo)
        review.case_close(case=fresh(case), by=cleo, reason="In care elsewhere")
        clinician.post(action_url(case, "note"), {"text": "Letter sent to GP."})
        assert CaseNote.objects.filter(case=case).count() == 1
