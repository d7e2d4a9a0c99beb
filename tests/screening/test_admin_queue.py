"""The review queue (/admin/screening/case/): order, columns, filters, search, query count."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from screening import review
from screening.admin import CaseAdmin
from screening.models import Case
from tests.conftest import login
from tests.factories import intake_payload
from tests.screening.conftest import (
    QUEUE,
    case_ids,
    fresh,
    moderate_case,
    new_case,
    patient_fields,
    short,
    urgent_case,
)


@pytest.fixture
def clinician(client, cleo):
    return login(client, cleo)


@pytest.mark.django_db
class TestQueue:
    def test_urgent_first_then_level_then_oldest(self, clinician):
        old_moderate = moderate_case()
        high = new_case()
        newer_high = new_case()
        urgent = urgent_case()
        Case.objects.filter(pk=old_moderate.pk).update(opened_at=timezone.now() - timedelta(days=3))
        Case.objects.filter(pk=newer_high.pk).update(opened_at=timezone.now() + timedelta(1))
        response = clinician.get(QUEUE)
        assert response.status_code == 200
        assert case_ids(response) == [
            short(urgent),
            short(high),
            short(newer_high),
            short(old_moderate),
        ]

    def test_columns(self, clinician):
        urgent = urgent_case(
            given_name="Ada", family_name="Rivera", external_id="MRN-1", email="ada@example.org"
        )
        page = clinician.get(QUEUE).content.decode()
        age = urgent.intake.patient.age_on(timezone.localdate())
        assert f"Ada Rivera, {age}" in page
        assert 'class="rq-flag rq-flag--urgent"' in page and "Suicide risk" in page
        assert 'class="rq-flag rq-flag--high"' in page and "Possible TRD" in page
        assert "<strong>17</strong>" in page and "moderately severe" in page  # PHQ-9 15 + q9=2
        assert '<td class="field-thase_rush">I</td>' in page
        assert "moderate (" in page  # Maudsley band and total
        assert "rq-status--new" in page and "not acknowledged" in page
        assert "show all" not in page.lower() or "?all=" not in page

    def test_overdue_waiting_is_highlighted(self, clinician):
        late, on_time = new_case(), new_case()
        Case.objects.filter(pk=late.pk).update(opened_at=timezone.now() - timedelta(hours=30))
        page = clinician.get(QUEUE).content.decode()
        assert page.count("rq-overdue") == 1
        assert "1 d 6 h<br>overdue" in page
        assert short(on_time) in page

    def test_no_full_result_count(self, clinician):
        new_case()
        with CaptureQueriesContext(connection) as queries:
            clinician.get(QUEUE + "?level=high")
        counts = [q["sql"] for q in queries.captured_queries if "COUNT(" in q["sql"].upper()]
        assert len(counts) == 1  # the filtered count only, never the whole table's


@pytest.mark.django_db
class TestFilters:
    @pytest.fixture
    def cases(self, cleo, cleo2):
        cases = {
            "urgent": urgent_case(),
            "high": new_case(),
            "moderate": moderate_case(),
            "mine": new_case(),
            "theirs": new_case(),
            "referred": new_case(),
            "old": new_case(),
        }
        review.case_assign_to_me(case=cases["mine"], by=cleo)
        review.case_assign_to_me(case=cases["theirs"], by=cleo2)
        review.case_start_review(case=cases["referred"], by=cleo2)
        review.case_refer(case=fresh(cases["referred"]), by=cleo2)
        Case.objects.filter(pk=cases["old"].pk).update(
            opened_at=timezone.now() - timedelta(hours=25)
        )
        return {name: short(case) for name, case in cases.items()}

    def shown(self, client, query=""):
        return set(case_ids(client.get(QUEUE + query)))

    def test_default_is_open_cases(self, clinician, cases):
        shown = self.shown(clinician)
        assert cases["referred"] not in shown
        assert shown == {v for k, v in cases.items() if k != "referred"}

    def test_status(self, clinician, cases):
        assert self.shown(clinician, "?status=referred") == {cases["referred"]}
        assert cases["referred"] in self.shown(clinician, "?status=all")
        assert self.shown(clinician, "?status=in_review") == set()

    def test_level_and_flag(self, clinician, cases):
        assert self.shown(clinician, "?level=urgent") == {cases["urgent"]}
        assert self.shown(clinician, "?level=moderate") == {cases["moderate"]}
        assert self.shown(clinician, "?flag=suicide_risk") == {cases["urgent"]}
        assert cases["moderate"] in self.shown(clinician, "?flag=anxiety")
        assert cases["moderate"] not in self.shown(clinician, "?flag=possible_trd")

    def test_assigned_to_me_and_unassigned(self, clinician, cases):
        assert self.shown(clinician, "?assigned=me") == {cases["mine"]}
        unassigned = self.shown(clinician, "?assigned=none")
        assert cases["mine"] not in unassigned and cases["theirs"] not in unassigned
        assert cases["high"] in unassigned

    def test_waiting_longer_than_24_hours(self, clinician, cases):
        assert self.shown(clinician, "?waiting=24h") == {cases["old"]}

    def test_filters_combine(self, clinician, cases):
        assert self.shown(clinician, "?status=all&assigned=none&level=high") == {
            cases["high"],
            cases["old"],
        }


@pytest.mark.django_db
class TestSearch:
    def test_by_case_id_and_its_short_form(self, clinician):
        wanted, other = new_case(), new_case()
        assert case_ids(clinician.get(QUEUE, {"q": str(wanted.pk)})) == [short(wanted)]
        assert case_ids(clinician.get(QUEUE, {"q": short(wanted)})) == [short(wanted)]
        assert short(other) not in case_ids(clinician.get(QUEUE, {"q": short(wanted)}))

    def test_posted_case_id_comes_back_as_a_query_and_finds_decided_cases(self, clinician, cleo):
        wanted = new_case()
        review.case_start_review(case=wanted, by=cleo)
        review.case_refer(case=fresh(wanted), by=cleo)
        response = clinician.post(reverse("admin:screening_case_search"), {"q": short(wanted)})
        assert response["Location"].endswith(f"?status=all&q={short(wanted)}")
        page = clinician.get(response["Location"])
        assert case_ids(page) == [short(wanted)]
        assert f'value="{short(wanted)}" id="searchbar"' in page.content.decode()

    def test_patient_lookup_posts_and_redirects_without_phi(self, clinician):
        wanted = new_case(**patient_fields(7001))
        new_case(**patient_fields(7002))
        url = reverse("admin:screening_case_search")
        for term in ("patient7001@example.org", " PATIENT7001@Example.org ", "MRN-T07001"):
            response = clinician.post(url, {"q": term})
            assert response.status_code == 302
            location = response["Location"]
            # only the patient's opaque id (a UUID, which may itself hold "7001" by chance)
            changelist = reverse("admin:screening_case_changelist")
            assert location == f"{changelist}?status=all&patient={wanted.intake.patient_id}"
            assert "@" not in location and "MRN" not in location
            assert case_ids(clinician.get(location)) == [short(wanted)]

    def test_unknown_patient(self, clinician):
        new_case()
        response = clinician.post(
            reverse("admin:screening_case_search"), {"q": "nobody@example.org"}, follow=True
        )
        assert b"No case id, and no patient with that email or external id." in response.content

    def test_lookup_by_get_still_works_but_the_form_posts(self, clinician):
        wanted = new_case(**patient_fields(7003))
        assert case_ids(clinician.get(QUEUE, {"q": "MRN-T07003"})) == [short(wanted)]
        page = clinician.get(QUEUE).content.decode()
        assert re.search(r'<form id="changelist-search" method="post" action="[^"]*/search/"', page)

    def test_a_numeric_external_id_is_not_taken_for_a_case_id(self, clinician):
        wanted = new_case(external_id="00012345", email="numeric@example.org")
        response = clinician.post(reverse("admin:screening_case_search"), {"q": "00012345"})
        assert "00012345" not in response["Location"]
        assert case_ids(clinician.get(response["Location"])) == [short(wanted)]

    def test_partial_email_finds_nothing(self, clinician):
        new_case(**patient_fields(7004))
        assert case_ids(clinician.get(QUEUE, {"q": "patient7004"})) == []


@pytest.mark.django_db
def test_query_count_is_the_same_for_25_and_100_rows(client, cleo, monkeypatch):
    """Page size must not change the number of queries (no N+1 in any column)."""
    login(client, cleo)
    first = new_case(**patient_fields(9000))
    payload = intake_payload()
    for n in range(1, 105):
        kind = n % 4
        if kind == 0:
            case = urgent_case(**patient_fields(9000 + n))
        elif kind == 1:
            case = moderate_case(**patient_fields(9000 + n))
        else:
            case = new_case(payload, **patient_fields(9000 + n))
        if n % 5 == 0:
            review.case_assign_to_me(case=case, by=cleo)
    review.case_start_review(case=first, by=cleo)

    def queries_for(rows):
        monkeypatch.setattr(CaseAdmin, "list_per_page", rows)
        client.get(QUEUE)  # warm caches (content types, sessions)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(QUEUE)
        assert response.status_code == 200
        assert len(case_ids(response)) == rows
        return len(captured)

    small, large = queries_for(25), queries_for(100)
    print(f"queue queries: 25 rows -> {small}, 100 rows -> {large}")
    assert small == large
    assert small <= 8
