"""A clinician decides two possible matches in a real browser (Playwright, Debian's chromium).

Ada's partner submitted her urgent intake; another coordinator, of another partner, then sent
two intakes that look like her (the same email and birth date): one is Ada (confirmed), one
is not (rejected). The patient page then lists both of Ada's intakes, the trend on her case
page draws both, and the rejected intake's trend stays its own. The database is read after
the clicks."""

import json

import pytest
from django.contrib.auth.models import Group
from django.test import TestCase

from intake.models import Intake, MatchStatus, Patient, PatientRevision, PossibleMatch
from ops import roles
from screening.models import Case
from tests.conftest import submit
from tests.factories import urgent_payload
from tests.intake.conftest import minimal

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def matches(transactional_db, cora, django_user_model):
    mallory = django_user_model.objects.create_user(
        username="mallory", password="pw-mallory", is_staff=True
    )
    mallory.groups.add(Group.objects.get(name=roles.INTAKE_COORDINATOR))
    urgent = {"phq9": {f"q{i}": 1 for i in range(1, 10)}}
    with TestCase.captureOnCommitCallbacks(execute=True):
        ada = submit(urgent_payload(item9=1), by=cora, screen=False)
        again = minimal(phone="+1 212 555 0101")
        again["answers"] = urgent
        same = submit(again, by=mallory, screen=False)
        other = minimal(given_name="Ana", family_name="Rivas", phone="+1 212 555 0777")
        other["answers"] = urgent
        other = submit(other, by=mallory, screen=False)
    return {
        "ada": ada,
        "same": same,
        "other": other,
        "confirm": PossibleMatch.objects.get(intake=same, patient_id=ada.patient_id),
        "reject": PossibleMatch.objects.get(intake=other, patient_id=ada.patient_id),
    }


def trend_points(page, live_server, intake) -> list:
    case = Case.objects.get(intake=intake)
    page.goto(f"{live_server.url}/admin/screening/case/{case.pk}/change/")
    page.wait_for_function("() => window.Chart && Chart.getChart('trend-chart') !== undefined")
    return json.loads(page.locator("#trend-data").text_content())["phq9"]


def test_clinician_confirms_one_possible_match_and_rejects_another(
    new_context, live_server, matches, cleo
):
    page = new_context().new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{live_server.url}/admin/login/?next=/admin/intake/possiblematch/")
    page.fill("#id_username", "cleo")
    page.fill("#id_password", "pw-cleo")
    page.click("input[type=submit]")
    page.wait_for_url("**/admin/intake/possiblematch/")
    assert page.locator("#result_list tbody tr").count() == PossibleMatch.objects.count()
    assert trend_points(page, live_server, matches["ada"]) == [16]  # Ada alone so far

    # Confirm: the same person (her email, birth date and name; a newer phone).
    page.goto(f"{live_server.url}/admin/intake/possiblematch/{matches['confirm'].pk}/change/")
    table = page.locator("#side-by-side")
    assert "Given name" in table.inner_text() and "differs" in table.inner_text()
    phone_row = table.locator("tr", has_text="Phone")
    assert "+1 212 555 0101" in phone_row.inner_text()
    assert "+1 212 555 0100" in phone_row.inner_text()
    page.get_by_role("button", name="Confirm: same person").click()
    page.wait_for_url(f"**/admin/intake/patient/{matches['ada'].patient_id}/change/")
    assert "Confirmed" in page.locator(".messagelist").inner_text()
    linked = page.locator("#linked-intakes tbody tr")
    assert linked.count() == 2
    assert "+1 212 555 0101 (differs from the record)" in linked.nth(1).inner_text()

    # Reject: Ana Rivas is someone else.
    page.goto(f"{live_server.url}/admin/intake/possiblematch/{matches['reject'].pk}/change/")
    page.get_by_role("button", name="Reject: different people").click()
    page.wait_for_url("**/admin/intake/possiblematch/")
    assert "Rejected" in page.locator(".messagelist").inner_text()

    # The trend: Ada's case draws both of her intakes; Ana's only her own.
    assert trend_points(page, live_server, matches["ada"]) == [16, 9]
    assert trend_points(page, live_server, matches["other"]) == [9]
    assert errors == []

    ada_patient = Patient.objects.get(pk=matches["ada"].patient_id)
    assert Intake.objects.get(pk=matches["same"].pk).patient_id == ada_patient.pk
    assert Intake.objects.get(pk=matches["other"].pk).patient_id != ada_patient.pk
    assert (ada_patient.given_name, ada_patient.phone) == ("Ada", "+1 212 555 0100")
    confirmed = PossibleMatch.objects.get(pk=matches["confirm"].pk)
    rejected = PossibleMatch.objects.get(pk=matches["reject"].pk)
    assert (confirmed.status, confirmed.decided_by) == (MatchStatus.CONFIRMED, cleo)
    assert (rejected.status, rejected.decided_by) == (MatchStatus.REJECTED, cleo)


def test_clinician_edits_the_patient_record_and_the_old_value_is_kept(
    new_context, live_server, matches, cleo
):
    """The stored record changes only by a deliberate edit on the patient page (Save)."""
    ada = matches["ada"]
    page = new_context().new_page()
    url = f"/admin/intake/patient/{ada.patient_id}/change/"
    page.goto(f"{live_server.url}/admin/login/?next={url}")
    page.fill("#id_username", "cleo")
    page.fill("#id_password", "pw-cleo")
    page.click("input[type=submit]")
    page.wait_for_url(f"**{url}")
    assert page.locator("#id_phone").input_value() == "+1 212 555 0100"
    page.fill("#id_phone", "+1 212 555 0123")
    page.locator("input[name=_save]").click()
    page.wait_for_url("**/admin/intake/patient/")
    assert "changed successfully" in page.locator(".messagelist").inner_text()

    patient = Patient.objects.get(pk=ada.patient_id)
    assert (patient.phone, patient.given_name) == ("+1 212 555 0123", "Ada")
    revision = PatientRevision.objects.get(patient=patient)
    assert revision.old_values == {"phone": "+1 212 555 0100"} and revision.changed_by == cleo
    # The intake still shows what it was submitted with.
    assert Intake.objects.get(pk=ada.pk).identity.values["phone"] == "+1 212 555 0100"
