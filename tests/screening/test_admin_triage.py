"""One-step triage in the admin (issue 19), without a browser: the Take action's URL and who may
use it, the queue's Take buttons and row links, the next and previous case in the queue's
order, and the case page's order (flags, scores and TRD before the demographics)."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone

from screening import review, selectors
from screening.admin import CaseAdmin
from screening.models import Case, CaseStatus
from tests.conftest import login
from tests.screening.conftest import QUEUE, fresh, moderate_case, new_case, urgent_case


def page_url(case) -> str:
    return f"/admin/screening/case/{case.pk}/change/"


def take_url(case) -> str:
    return f"/admin/screening/case/{case.pk}/review/take/"


@pytest.fixture
def ordered(db):
    """Open cases in queue order: urgent (older, newer), high (possible TRD), moderate."""
    cases = [urgent_case(), urgent_case(), new_case(), moderate_case()]
    now = timezone.now()
    for hours, case in zip((4, 3, 2, 1), cases, strict=True):
        Case.objects.filter(pk=case.pk).update(opened_at=now - timedelta(hours=hours))
    return [fresh(c) for c in cases]


@pytest.mark.django_db
class TestTakeAction:
    def test_take_from_the_queue_opens_the_taken_case(self, client, cleo, ordered):
        login(client, cleo)
        response = client.post(take_url(ordered[0]), {"expected_assignee": ""})
        assert response.status_code == 302 and response.url == page_url(ordered[0])
        case = fresh(ordered[0])
        assert case.status == CaseStatus.IN_REVIEW and case.assigned_to == cleo
        assert case.acknowledged_by == cleo
        page = client.get(response.url).content.decode()
        history = page[page.index('id="history"') : page.index('id="access"')]
        assert "Took the case" in history and "status: new → in review" in history

    def test_taking_what_someone_else_took_since_is_refused(self, client, cleo, cleo2, ordered):
        review.case_take(case=ordered[1], by=cleo2)
        login(client, cleo)
        response = client.post(take_url(ordered[1]), {"expected_assignee": ""}, follow=True)
        text = [str(m) for m in response.context["messages"]]
        assert text == [
            "The case changed while you looked at it: it is now assigned to cleo2 and in "
            "review. Nothing was changed."
        ]
        assert fresh(ordered[1]).assigned_to == cleo2

    def test_a_coordinator_cannot_take(self, client, cora, ordered):
        login(client, cora)
        assert client.post(take_url(ordered[0])).status_code == 403
        case = fresh(ordered[0])
        assert case.status == CaseStatus.NEW and case.assigned_to is None

    def test_a_reader_sees_no_take_button_and_cannot_take(self, client, django_user_model, ordered):
        reader = django_user_model.objects.create_user(
            username="reader", password="pw-reader", is_staff=True
        )
        reader.user_permissions.add(
            Permission.objects.get(codename="view_case", content_type__app_label="screening")
        )
        login(client, reader)
        queue = client.get(QUEUE).content.decode()
        assert "Patient" in queue and 'data-action="take"' not in queue
        page = client.get(page_url(ordered[0])).content.decode()
        assert 'data-action="take"' not in page
        assert client.post(take_url(ordered[0])).status_code == 403
        assert fresh(ordered[0]).assigned_to is None


@pytest.mark.django_db
class TestQueueRows:
    def test_take_buttons_belong_to_the_take_form_outside_the_changelist_form(
        self, client, cleo, cleo2, ordered
    ):
        review.case_take(case=ordered[2], by=cleo)  # mine, in review: nothing left to take
        review.case_take(case=ordered[3], by=cleo2)  # someone else's: can be taken over
        login(client, cleo)
        html = client.get(QUEUE).content.decode()
        assert html.count('data-action="take"') == 3
        assert html.count('form="rq-take-form"') == 3
        assert f'formaction="{take_url(ordered[0])}"' in html
        assert f'formaction="{take_url(ordered[2])}"' not in html
        assert (
            f'formaction="{take_url(ordered[3])}" name="expected_assignee" value="{cleo2.pk}"'
            in (html)
        )
        take_form = html.index('<form id="rq-take-form"')
        assert take_form < html.index('<form id="changelist-form"')

    def test_the_patient_name_is_the_row_link(self, client, cleo, ordered):
        login(client, cleo)
        html = client.get(QUEUE).content.decode()
        patient = ordered[0].intake.patient
        assert f'<th class="field-patient"><a href="{page_url(ordered[0])}' in html
        assert patient.display_name in html


@pytest.mark.django_db
class TestNextAndPrevious:
    def test_the_default_ordering_is_the_queue_admins(self):
        assert tuple(CaseAdmin.ordering) == selectors.QUEUE_ORDERING

    def test_neighbours_follow_the_queue_order(self, ordered):
        ids = [c.pk for c in ordered]
        assert [selectors.next_open_case_id(c) for c in ordered] == [*ids[1:], ids[0]]
        assert [selectors.previous_open_case_id(c) for c in ordered] == [None, *ids[:-1]]

    def test_decided_cases_are_skipped(self, cleo, ordered):
        review.case_take(case=ordered[1], by=cleo)
        review.case_close(case=fresh(ordered[1]), by=cleo, reason="Known to the team")
        assert selectors.next_open_case_id(ordered[0]) == ordered[2].pk
        assert selectors.previous_open_case_id(ordered[2]) == ordered[0].pk

    def test_closing_opens_the_next_case_with_its_links(self, client, cleo, ordered):
        review.case_take(case=ordered[1], by=cleo)
        login(client, cleo)
        response = client.post(
            f"/admin/screening/case/{ordered[1].pk}/review/close/",
            {"expected_status": "in_review", "reason": "Seen yesterday"},
        )
        assert response.status_code == 302 and response.url == page_url(ordered[2])
        assert fresh(ordered[1]).status == CaseStatus.CLOSED
        page = client.get(response.url).content.decode()
        assert "Case closed. This is the next case in the queue." in page
        assert f'href="{page_url(ordered[3])}" id="next-case"' in page
        assert f'href="{page_url(ordered[0])}" id="previous-case"' in page
        assert 'id="back-to-queue"' in page


@pytest.mark.django_db
def test_case_page_puts_flags_scores_and_trd_before_the_patient(client, cleo, ordered):
    login(client, cleo)
    html = client.get(page_url(ordered[2])).content.decode()
    positions = [html.index(f'id="{section}"') for section in ("flags", "trd", "answers")]
    assert positions == sorted(positions)
    assert max(positions) < html.index('id="patient"')
    assert 'id="shortcuts"' in html and "case_keys.js" in html
