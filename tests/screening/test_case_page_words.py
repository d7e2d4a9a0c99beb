"""Human words on the case page and queue (issue 19 polish): labels instead of raw codes, a
true safety line when the C-SSRS was not needed and a case opened by its short id."""

import copy

import pytest
from django.urls import reverse

from ops.text import short_id
from screening.models import Case, CaseIntake
from screening.selectors import safety_words
from tests.conftest import login
from tests.factories import intake_payload, urgent_payload
from tests.screening.conftest import new_case

QUEUE = "/admin/screening/case/"


def page_url(case) -> str:
    return reverse("admin:screening_case_change", args=[case.pk])


def between(page: str, start: str, end: str) -> str:
    return page[page.index(start) : page.index(end, page.index(start))]


@pytest.fixture
def clinician(client, cleo):
    return login(client, cleo)


@pytest.mark.parametrize(
    "risk_level,item9,words",
    [
        ("not_assessed", 0, "No risk answer (PHQ-9 item 9 = 0; C-SSRS not needed)"),
        ("not_assessed", None, "Not assessed (PHQ-9 item 9 not answered; no C-SSRS screen)"),
        ("not_assessed", 2, "PHQ-9 item 9 = 2; C-SSRS screen not answered"),
        ("none", 1, "C-SSRS screen: no risk; PHQ-9 item 9 = 1"),
        ("high", 3, "C-SSRS screen: high risk; PHQ-9 item 9 = 3"),
    ],
)
def test_safety_words(risk_level, item9, words):
    assert safety_words(risk_level, item9) == words


@pytest.mark.django_db
class TestCasePageWords:
    def test_no_risk_answer_when_the_cssrs_was_not_needed(self, clinician):
        page = clinician.get(page_url(new_case())).content.decode()  # PHQ-9 item 9 = 0
        line = between(page, 'data-testid="safety-at-submission"', "</dd>")
        assert "No risk answer (PHQ-9 item 9 = 0; C-SSRS not needed)" in line
        assert "not assessed" not in line.lower() and "urgent" not in line

    def test_item9_answered_without_a_cssrs_says_so_and_is_urgent(self, clinician):
        page = clinician.get(page_url(new_case(urgent_payload(item9=2)))).content.decode()
        line = between(page, 'data-testid="safety-at-submission"', "</dd>")
        assert "PHQ-9 item 9 = 2; C-SSRS screen not answered · urgent" in line

    def test_languages_payer_therapy_and_status_in_words(self, clinician):
        payload = copy.deepcopy(intake_payload())
        payload["patient"]["preferred_languages"] = ["en", "es"]
        page = clinician.get(page_url(new_case(payload))).content.decode()
        assert ">English, Spanish</dd>" in page
        assert between(page, 'data-testid="insurance"', "</dd>").endswith(">Aetna")
        therapy = between(page, 'data-testid="psychotherapy"', "</li>")
        assert "CBT (cognitive behavioural therapy), 12 sessions" in therapy
        assert "Cbt" not in page
        assert between(page, 'data-testid="case-status"', "</span>").endswith(">New")

    def test_queue_status_in_words(self, clinician):
        case = new_case()
        page = clinician.get(QUEUE).content.decode()
        assert f'<span class="rq-status rq-status--{case.status}">New</span>' in page


@pytest.mark.django_db
class TestShortId:
    def test_a_unique_short_id_opens_the_case(self, clinician):
        case = new_case()
        response = clinician.get(f"{QUEUE}{short_id(case.pk)}/change/")
        assert response.status_code == 302
        assert response["Location"] == page_url(case)
        assert clinician.get(response["Location"]).status_code == 200

    def test_an_unknown_short_id_shows_the_queue_with_a_message(self, clinician):
        case = new_case()
        unknown = next(h * 8 for h in "0123456789abcdef" if not str(case.pk).startswith(h))
        response = clinician.get(f"{QUEUE}{unknown}/change/", follow=True)
        assert response.redirect_chain[0][0] == f"{QUEUE}?status=all&q={unknown}"
        assert f"No case starts with {unknown}." in [str(m) for m in response.context["messages"]]

    def test_an_ambiguous_short_id_shows_the_matching_cases(self, clinician):
        first, second = new_case(), new_case()
        # Give the second case an id sharing the first's 8 characters (the only way to collide).
        twin = short_id(first.pk) + str(second.pk)[8:]
        CaseIntake.objects.filter(case=second).delete()  # its membership follows it below
        Case.objects.filter(pk=second.pk).update(id=twin)
        CaseIntake.objects.create(case_id=twin, intake_id=second.intake_id)
        response = clinician.get(f"{QUEUE}{short_id(first.pk)}/change/", follow=True)
        assert response.redirect_chain[0][0] == f"{QUEUE}?status=all&q={short_id(first.pk)}"
        assert f"More than one case starts with {short_id(first.pk)}: choose one." in [
            str(m) for m in response.context["messages"]
        ]
        assert response.content.decode().count(f"<code>{short_id(first.pk)}</code>") == 2

    def test_a_short_id_is_not_opened_for_someone_without_the_role(self, client, cora):
        case = new_case()
        login(client, cora)
        response = client.get(f"{QUEUE}{short_id(case.pk)}/change/")
        assert response.status_code == 403
        assert str(case.pk) not in response.content.decode()
