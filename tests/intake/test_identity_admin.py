"""Possible matches, patient records and coordinators' visibility in the admin (in-process;
the browser test is tests/e2e/test_possible_matches_browser.py)."""

import pytest
from django.contrib.auth.models import Group
from django.test import TestCase
from django.urls import reverse

from intake.models import (
    Intake,
    MatchStatus,
    Organisation,
    Patient,
    PatientRevision,
    PossibleMatch,
)
from ops import roles
from ops.audit import entries_for
from ops.text import short_id
from screening.models import Case
from tests.conftest import _token_client, login, submit
from tests.factories import intake_payload
from tests.intake.conftest import minimal


@pytest.fixture
def mallory(db, django_user_model):
    user = django_user_model.objects.create_user(
        username="mallory", password="pw-mallory", is_staff=True
    )
    user.groups.add(Group.objects.get(name=roles.INTAKE_COORDINATOR))
    return user


@pytest.fixture
def matched(cora, mallory):
    with TestCase.captureOnCommitCallbacks(execute=True):
        ada = submit(intake_payload(), by=cora, screen=False)
        look_alike = submit(
            minimal(given_name="Ana", phone="+1 212 555 0777"), by=mallory, screen=False
        )
    return ada, look_alike, PossibleMatch.objects.get(intake=look_alike)


def match_url(match):
    return reverse("admin:intake_possiblematch_change", args=[match.pk])


@pytest.mark.django_db
class TestPossibleMatchPage:
    def test_a_clinician_sees_both_sides_and_what_differs(self, client, cleo, matched):
        _, _, match = matched
        page = login(client, cleo).get(match_url(match)).content.decode()
        assert 'id="side-by-side"' in page
        assert "Ana" in page and "Ada" in page  # given names side by side
        assert "differs" in page and "agrees" in page
        assert "Confirm: same person" in page and "Reject: different people" in page
        assert entries_for(match.patient).filter(additional_data__view="possible match").exists()

    def test_a_coordinator_sees_only_that_one_exists(self, client, mallory, matched):
        _, _, match = matched
        listing = login(client, mallory).get(reverse("admin:intake_possiblematch_changelist"))
        assert listing.status_code == 200 and short_id(match.pk) in listing.content.decode()
        page = client.get(match_url(match)).content.decode()
        assert "may be about a patient already known" in page
        for value in ("Ada", "Rivera", "MRN-00042", "10027", "side-by-side", "Confirm"):
            assert value not in page, value
        decided = client.post(
            reverse("admin:intake_possiblematch_decide", args=[match.pk, "confirm"])
        )
        assert decided.status_code == 403
        assert PossibleMatch.objects.get(pk=match.pk).status == MatchStatus.OPEN

    def test_confirm_by_post_links_and_opens_the_patient_page(self, client, cleo, matched):
        ada, look_alike, match = matched
        url = reverse("admin:intake_possiblematch_decide", args=[match.pk, "confirm"])
        response = login(client, cleo).post(url, follow=True)
        assert response.redirect_chain[-1][0] == reverse(
            "admin:intake_patient_change", args=[ada.patient_id]
        )
        page = response.content.decode()
        assert str(look_alike.pk) in page and str(ada.pk) in page  # both linked intakes
        assert "Ana (differs from the record)" in page
        assert Intake.objects.get(pk=look_alike.pk).patient_id == ada.patient_id
        assert Patient.objects.get(pk=ada.patient_id).given_name == "Ada"

    def test_a_get_decides_nothing(self, client, cleo, matched):
        _, _, match = matched
        url = reverse("admin:intake_possiblematch_decide", args=[match.pk, "reject"])
        assert login(client, cleo).get(url).status_code == 405
        assert PossibleMatch.objects.get(pk=match.pk).status == MatchStatus.OPEN


@pytest.mark.django_db
class TestPatientPage:
    def test_an_edit_keeps_the_old_values_encrypted(self, client, cleo, matched):
        ada, _, _ = matched
        url = reverse("admin:intake_patient_change", args=[ada.patient_id])
        login(client, cleo)
        form = client.get(url).context["adminform"].form
        data = {name: form[name].value() or "" for name in form.fields}
        data["phone"] = "+1 212 555 0199"
        data["preferred_languages"] = '["en"]'
        response = client.post(url, data)
        assert response.status_code == 302, response.content.decode()[:3000]
        patient = Patient.objects.get(pk=ada.patient_id)
        assert patient.phone == "+1 212 555 0199" and patient.given_name == "Ada"
        revision = PatientRevision.objects.get(patient=patient)
        assert revision.old_values == {"phone": "+1 212 555 0100"}
        assert revision.changed_by == cleo

    def test_a_coordinator_sees_only_their_organisations_patients(
        self, client, cora, mallory, matched
    ):
        ada, look_alike, _ = matched
        login(client, mallory)
        assert (
            client.get(
                reverse("admin:intake_patient_change", args=[look_alike.patient_id])
            ).status_code
            == 200
        )
        other = client.get(reverse("admin:intake_patient_change", args=[ada.patient_id]))
        assert other.status_code == 302  # not found for them: redirected to the admin index


@pytest.mark.django_db
class TestCoordinators:
    def test_an_organisation_sees_its_intakes_and_web_intakes_routed_to_it(
        self, client, cora, mallory, cora_api
    ):
        clinic = Organisation.objects.create(name="Harbor Clinic", receives_web_intakes=True)
        clinic.members.add(cora, mallory)
        with TestCase.captureOnCommitCallbacks(execute=True):
            theirs = submit(intake_payload(), by=cora, screen=False)
        web = Intake.objects.get(pk=theirs.pk)
        # A web intake (anonymous) routed to the clinic.
        from intake.serializers import IntakeSubmissionSerializer
        from intake.services import intake_submit

        serializer = IntakeSubmissionSerializer(data=minimal(email="walk.in@example.org"))
        serializer.is_valid(raise_exception=True)
        with TestCase.captureOnCommitCallbacks(execute=True):
            web = intake_submit(data=serializer.validated_data, source="web").intake
        assert web.organisation == clinic
        listing = login(client, mallory).get(reverse("admin:intake_intake_changelist"))
        text = listing.content.decode()
        assert short_id(theirs.pk) in text and short_id(web.pk) in text
        assert "walk.in@example.org" in text  # contact details yes
        detail = client.get(reverse("admin:intake_intake_change", args=[web.pk]))
        assert detail.status_code == 200
        assert "phq9" not in detail.content.decode().lower()  # answers no


@pytest.mark.django_db
def test_the_case_page_points_to_the_open_possible_match(client, cleo, cora, mallory):
    urgent = minimal()
    urgent["answers"]["phq9"]["q9"] = 1  # an urgent case opens with the intake
    with TestCase.captureOnCommitCallbacks(execute=True):
        submit(intake_payload(), by=cora, screen=False)
        look_alike = submit(urgent, by=mallory, screen=False)
    case = Case.objects.get(intake=look_alike)
    page = login(client, cleo).get(reverse("admin:screening_case_change", args=[case.pk]))
    text = page.content.decode()
    assert 'id="possible-match-link"' in text and "1 possible match to review" in text
    assert f"?intake={look_alike.pk}" in text


@pytest.mark.django_db
def test_an_organisation_colleague_reads_the_intake_through_the_api(cora, mallory, cora_api):
    clinic = Organisation.objects.create(name="Harbor Clinic")
    clinic.members.add(cora, mallory)
    intake_id = cora_api.post("/api/v1/intakes/", intake_payload(), format="json").json()["id"]
    colleague = _token_client(mallory)
    listing = colleague.get("/api/v1/intakes/").json()
    assert [row["id"] for row in listing["results"]] == [intake_id]
    detail = colleague.get(f"/api/v1/intakes/{intake_id}/").json()
    assert detail["patient"]["email"] == "ada@example.org"
    assert "answers" not in detail and "screening" not in detail
