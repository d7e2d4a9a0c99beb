"""Issue 19, "human words everywhere": staff pages show no raw code for the modality, provider
types, intake source or case level, and one date and time format ("4 Dec 2026, 18:05"); the
case page lists every intake of a case (a later intake of the patient joins it), and the queue
row shows the flags of all of them.
"""

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from ops.dates import DATETIME_FORMAT, day, moment
from screening.models import Case
from tests.conftest import submit
from tests.factories import intake_payload
from tests.screening.conftest import patient_fields, quiet_payload

QUEUE = "/admin/screening/case/"

#: Raw codes replaced by words on staff pages (ops/labels.py), and how they were shown.
RAW = (
    "in_person",
    "psychiatric_np",
    "via WEB",
    "via API",
    "either modality",
    ">routine<",
)
#: Other date styles the pages used before (ISO dates, Django's locale default "Dec. 4").
OTHER_DATE_STYLES = (
    re.compile(r"\b20\d\d-\d\d-\d\d\b"),
    re.compile(r"\b(Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\. \d{1,2}, 20\d\d"),
    re.compile(r"\d{1,2}:\d\d (a|p)\.m\."),
)


def visible(html: str) -> str:
    """The page without its scripts and attributes' machine values (JSON data, date inputs)."""
    html = re.sub(r"<script\b.*?</script>", "", html, flags=re.S)
    return re.sub(r'(min|max|value|href|data-[a-z-]+)="[^"]*"', "", html)


@pytest.fixture
def clinician(client, cleo):
    client.force_login(cleo)
    return client


@pytest.fixture
def joined_case(cora):
    """Two intakes of one patient: a routine one, then one with TRD flags and in-person care
    from a psychiatric nurse practitioner."""
    me = patient_fields()
    first = submit(quiet_payload(**me), by=cora)
    payload = intake_payload()
    payload["patient"].update(me)
    payload["care_preferences"].update(modality="in_person", provider_types=["psychiatric_np"])
    second = submit(payload, by=cora)
    case = Case.objects.get(intakes=second)
    return case, first, second


@pytest.mark.django_db
class TestWordsAndDates:
    def test_the_case_page_has_words_and_one_date_format(self, clinician, joined_case):
        case, first, _ = joined_case
        # The page shows the case's first intake: give it the care preferences to word.
        first.care_preferences = {"modality": "in_person", "provider_types": ["psychiatric_np"]}
        type(first).objects.filter(pk=first.pk).update(care_preferences=first.care_preferences)
        html = clinician.get(f"{QUEUE}{case.pk}/change/").content.decode()
        text = visible(html)
        for raw in RAW:
            assert raw not in text, raw
        prefs = re.search(r'data-testid="care-preferences">(.*?)</dd>', html, re.S).group(1)
        assert prefs.startswith("In person") and "Psychiatric nurse practitioner" in prefs
        assert "through a partner&#x27;s system (API)" in html
        assert f"Opened {moment(case.opened_at)}" in html
        for style in OTHER_DATE_STYLES:
            assert not style.search(text), style.pattern

    def test_the_case_page_lists_every_intake_of_the_case(self, clinician, joined_case):
        case, first, second = joined_case
        html = clinician.get(f"{QUEUE}{case.pk}/change/").content.decode()
        assert "Intakes in this case (2)" in html
        rows = re.findall(r'data-testid="case-intake" data-intake="([0-9a-f-]+)"', html)
        assert rows == [str(first.pk), str(second.pk)]
        assert html.count("(opened the case; shown below)") == 1
        table = html[html.index("Intakes in this case") :]
        table = table[: table.index("</table>")]
        assert "<td>Possible TRD</td>" in table and "<td>none</td>" in table

    def test_the_queue_row_shows_every_intakes_flags_and_words(self, clinician, joined_case):
        case, first, second = joined_case
        assert not first.flags.exists() and second.flags.filter(code="possible_trd").exists()
        html = clinician.get(QUEUE).content.decode()
        row = re.search(rf"<tr>.*?{str(case.pk)[:8]}.*?</tr>", html, re.S).group(0)
        assert "rq-flag--high" in row
        level_filter = clinician.get(f"{QUEUE}?level=routine").content.decode()
        assert "Routine (no flags)" in level_filter

    def test_the_find_providers_page_words_the_request(self, clinician, joined_case):
        case, _, second = joined_case
        # The matching page reads the case's intake: make it the one asking for in-person care.
        type(second).objects.filter(pk=case.intake_id).update(
            care_preferences={"modality": "in_person", "provider_types": ["psychiatric_np"]}
        )
        html = clinician.get(reverse("admin:referrals_case_matches", args=[case.pk]))
        html = html.content.decode()
        modality = re.search(r'data-testid="wanted-modality">(.*?)</dd>', html, re.S).group(1)
        assert modality.startswith("In person;")
        assert "Psychiatric nurse practitioner" in html
        for raw in RAW:
            assert raw not in visible(html), raw

    def test_the_stock_admin_lists_use_the_same_format(self, clinician, joined_case):
        _, first, _ = joined_case
        html = clinician.get("/admin/intake/intake/").content.decode()
        assert moment(first.submitted_at) in html
        for style in OTHER_DATE_STYLES:
            assert not style.search(visible(html)), style.pattern

    def test_the_helpers_share_the_format(self):
        now = timezone.now()
        assert re.fullmatch(r"\d{1,2} [A-Z][a-z]{2} 20\d\d, \d\d:\d\d", moment(now))
        assert moment(now).startswith(day(now))
        assert DATETIME_FORMAT == "j M Y, H:i"


#: Every stored code with an underscore that staff could be shown (the label tables' and the
#: flag catalogue's): none may appear as such in a page's text.
def _raw_codes() -> set[str]:
    from clinical.rules.flag_catalogue import FLAG_CATALOGUE
    from ops.labels import TABLES

    codes = {code for table in TABLES.values() for code in table if "_" in code}
    return codes | {code for code in FLAG_CATALOGUE if "_" in code}


def _text(html: str) -> str:
    html = re.sub(r"<(script|style)\b.*?</\1>", "", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


@pytest.mark.django_db
def test_no_page_of_the_projects_admin_shows_a_raw_code_or_another_date_style(
    client, root, cora, joined_case
):
    """Every list and one change page of each of the project's own admin models (intake,
    screening, referrals), with a joined case, an urgent case and a provider in the database."""
    from django.contrib import admin

    from tests.factories import urgent_payload
    from tests.referrals.conftest import make_provider
    from tests.screening.test_review_services import new_case

    new_case(urgent_payload(item9=2), **patient_fields())
    make_provider()
    client.force_login(root)
    raw = _raw_codes()
    assert {"in_person", "psychiatric_np", "possible_trd", "not_assessed"} <= raw
    seen = 0
    for model in admin.site._registry:
        if model._meta.app_label not in ("intake", "screening", "referrals"):
            continue
        info = (model._meta.app_label, model._meta.model_name)
        urls = [reverse("admin:{}_{}_changelist".format(*info))]
        first = model.objects.order_by("pk").first()
        if first is not None:
            urls.append(reverse("admin:{}_{}_change".format(*info), args=[first.pk]))
        for url in urls:
            response = client.get(url, follow=True)  # a one-row settings page redirects to its row
            assert response.status_code == 200, url
            text = _text(response.content.decode())
            words = set(re.findall(r"\b[a-z]+(?:_[a-z]+)+\b", text))
            assert not words & raw, (url, words & raw)
            for style in OTHER_DATE_STYLES:
                assert not style.search(text), (url, style.pattern)
            seen += 1
    assert seen >= 10
