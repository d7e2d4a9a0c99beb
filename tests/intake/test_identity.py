"""Patient identity: no submission can read or overwrite someone else's record (issue 17).

The three attacks of the issue run first, each against the real API, admin or wizard; then
the linking rule, its concurrency on PostgreSQL, and the staff decisions."""

import threading
import time

import pytest
from django.contrib.auth.models import Group
from django.db import connection, transaction
from django.test import TestCase
from django.urls import reverse

from demo.intakes import DEMO_INTAKES, load_demo_intakes
from intake.crypto import blind_index
from intake.linking import MatchAlreadyDecided, match_confirm, match_reject
from intake.models import (
    Intake,
    MatchStatus,
    Organisation,
    Patient,
    PatientKey,
    PossibleMatch,
)
from ops import roles
from screening.models import Case
from screening.selectors import symptom_trend
from tests.conftest import _token_client, login, submit
from tests.factories import intake_payload, urgent_payload
from tests.intake.conftest import complete_steps, minimal, valid_answers

URL = "/api/v1/intakes/"


def post(client, payload):
    return client.post(URL, payload, format="json")


@pytest.fixture
def mallory(db, django_user_model):
    """A second intake coordinator, of no organisation Ada's partner belongs to."""
    user = django_user_model.objects.create_user(
        username="mallory", password="pw-mallory", is_staff=True
    )
    user.groups.add(Group.objects.get(name=roles.INTAKE_COORDINATOR))
    return user


@pytest.fixture
def mallory_api(mallory):
    return _token_client(mallory)


@pytest.mark.django_db
class TestTheAttacks:
    def test_a_second_coordinator_reads_back_only_what_it_sent(self, cora_api, mallory_api):
        assert post(cora_api, intake_payload()).status_code == 201
        response = post(mallory_api, minimal())
        assert response.status_code == 201
        detail = mallory_api.get(f"{URL}{response.json()['id']}/")
        assert detail.status_code == 200
        assert detail.json()["patient"] == minimal()["patient"]
        text = detail.content.decode()
        for never_sent in ("MRN-00042", "Ada", "Rivera", "10027", "555 0100", "aetna"):
            assert never_sent not in text, never_sent

    def test_a_second_post_cannot_rename_the_patient_on_the_urgent_case(
        self, cora_api, mallory_api, client, cleo
    ):
        urgent = post(cora_api, urgent_payload(item9=2)).json()["id"]
        attack = minimal(given_name="Attacker", phone="+1 212 555 0666")
        assert post(mallory_api, attack).status_code == 201
        assert post(mallory_api, attack).status_code == 201  # and again
        case = Case.objects.get(intake_id=urgent)
        page = login(client, cleo).get(reverse("admin:screening_case_change", args=[case.pk]))
        text = page.content.decode()
        assert "Ada Rivera" in text and "555 0100" in text
        assert "Attacker" not in text and "0666" not in text
        patient = Intake.objects.get(pk=urgent).patient
        assert (patient.given_name, patient.phone) == ("Ada", "+1 212 555 0100")
        # The attacker's intakes hang on their own record, flagged for a clinician.
        assert Intake.objects.filter(patient=patient).count() == 1
        assert PossibleMatch.objects.filter(patient=patient, status="open").count() == 2

    def test_the_anonymous_wizard_cannot_rename_a_demo_patient_or_join_her_trend(self, client):
        load_demo_intakes()
        demo = DEMO_INTAKES[0][1]["patient"]
        maya = Patient.objects.get(
            external_id_index=blind_index("external_id", demo["external_id"])
        )
        trend_before = symptom_trend(maya.pk)
        about_you = {
            **valid_answers("about-you"),
            "given_name": "Mallory",
            "family_name": "Attacker",
            "birth_date": demo["birth_date"],
            "email": demo["email"],
            "sex_at_birth": demo["sex_at_birth"],
            "state": demo["state"],
            "postal_code": demo["postal_code"],
        }
        complete_steps(client, overrides={"about-you": about_you})
        maya.refresh_from_db()
        assert (maya.given_name, maya.family_name) == (demo["given_name"], demo["family_name"])
        assert maya.intakes.count() == 1
        assert symptom_trend(maya.pk) == trend_before
        web = Intake.objects.order_by("submitted_at").last()
        assert web.source == "web" and web.patient.given_name == "Mallory"
        match = PossibleMatch.objects.get(intake=web, patient=maya)
        assert match.patient == maya and {"email", "birth_date"} <= set(match.reasons)


@pytest.mark.django_db
class TestLinkingRule:
    def test_same_partner_external_id_and_birth_date_link(self, cora_api):
        first = post(cora_api, intake_payload()).json()["id"]
        second = post(cora_api, intake_payload()).json()["id"]
        assert Intake.objects.get(pk=first).patient == Intake.objects.get(pk=second).patient
        assert PatientKey.objects.count() == 1 and not PossibleMatch.objects.exists()

    def test_an_organisation_is_one_partner(self, cora, cora_api, mallory, mallory_api):
        clinic = Organisation.objects.create(name="Harbor Clinic")
        clinic.members.add(cora, mallory)
        first = post(cora_api, intake_payload()).json()["id"]
        second = post(mallory_api, intake_payload()).json()["id"]
        assert Intake.objects.get(pk=first).patient == Intake.objects.get(pk=second).patient
        assert PatientKey.objects.get().partner == f"org:{clinic.pk}"

    def test_name_birth_date_and_zip_is_only_a_possible_match(self, cora_api, mallory_api):
        post(cora_api, intake_payload())
        body = intake_payload()
        body["patient"].pop("external_id"), body["patient"].pop("email")
        second = post(mallory_api, body).json()["id"]
        match = PossibleMatch.objects.get()
        assert str(match.intake_id) == second
        assert {"given_name", "family_name", "birth_date", "postal_code"} <= set(match.reasons)

    def test_a_shared_email_with_another_birth_date_is_no_match(self, cora_api, mallory_api):
        post(cora_api, intake_payload())
        post(mallory_api, minimal(birth_date="1960-05-05"))  # a parent on the family email
        assert Patient.objects.count() == 2 and not PossibleMatch.objects.exists()

    def test_nothing_in_common_makes_no_possible_match(self, cora_api):
        post(cora_api, intake_payload())
        other = minimal(email="someone.else@example.org", birth_date="1970-01-01")
        post(cora_api, other)
        assert Patient.objects.count() == 2 and not PossibleMatch.objects.exists()

    def test_the_intake_keeps_its_own_context(self, cora_api):
        post(cora_api, intake_payload())
        moved = intake_payload()
        moved["patient"].update(state="CA", postal_code="94110")
        intake = Intake.objects.get(pk=post(cora_api, moved).json()["id"])
        assert intake.state == "CA" and intake.patient.state == "NY"


@pytest.mark.django_db(transaction=True)
def test_simultaneous_first_submissions_with_one_strong_key_make_one_patient(cora):
    """Eight threads (eight connections) submit the same new patient at the same instant, each
    holding its transaction open a moment after writing, so that every one of them looks for
    the key before any commits: the unique key lets one create the patient, and the others,
    refused by the constraint, retry and link to it."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (concurrent writers on separate connections)")
    barrier = threading.Barrier(8, timeout=20)
    errors: list[BaseException] = []

    def submitter():
        try:
            barrier.wait()
            with transaction.atomic():
                submit(intake_payload(), by=cora, screen=False)
                time.sleep(0.5)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=submitter) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert Intake.objects.count() == 8
    assert Patient.objects.count() == 1
    assert PatientKey.objects.count() == 1 and not PossibleMatch.objects.exists()


@pytest.mark.django_db
class TestDecisions:
    @pytest.fixture
    def two_matches(self, cora, mallory):
        """Ada's record (cora's partner) and two intakes from mallory that look like her."""
        with TestCase.captureOnCommitCallbacks(execute=True):
            ada = submit(intake_payload(), by=cora, screen=False)
            same = submit(minimal(), by=mallory, screen=False)
            other = submit(
                minimal(given_name="Ana", phone="+1 212 555 0777"), by=mallory, screen=False
            )
        return ada, same, other

    def test_confirm_links_and_keeps_the_stored_details(self, two_matches, cleo):
        ada, same, _ = two_matches
        own_record = same.patient_id
        match = PossibleMatch.objects.get(intake=same)
        match_confirm(match=match, by=cleo)
        same.refresh_from_db()
        assert same.patient_id == ada.patient_id
        assert not Patient.objects.filter(pk=own_record).exists()  # left without intakes
        patient = Patient.objects.get(pk=ada.patient_id)
        assert (patient.given_name, patient.external_id) == ("Ada", "MRN-00042")
        assert [p.intake_id for p in symptom_trend(patient.pk)] == [str(ada.pk), str(same.pk)]
        match.refresh_from_db()
        assert (match.status, match.decided_by) == (MatchStatus.CONFIRMED, cleo)
        with pytest.raises(MatchAlreadyDecided):
            match_reject(match=match, by=cleo)

    def test_reject_leaves_the_intake_on_its_own_record(self, two_matches, cleo):
        ada, _, other = two_matches
        match = PossibleMatch.objects.get(intake=other, patient_id=ada.patient_id)
        match_reject(match=match, by=cleo)
        other.refresh_from_db()
        assert other.patient_id != ada.patient_id
        assert [p.intake_id for p in symptom_trend(ada.patient_id)] == [str(ada.pk)]
        match.refresh_from_db()
        assert (match.status, match.decided_by) == (MatchStatus.REJECTED, cleo)


@pytest.mark.django_db
def test_confirming_moves_other_look_alikes_to_the_patient(cora, mallory, cleo):
    """The second intake looks like Ada (name, birth date, ZIP) with a new email; the third
    looks only like the second (that new email and the birth date). Once the second is
    confirmed as Ada, its own record is removed, and the third's open match points at Ada
    instead of vanishing."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        ada = submit(intake_payload(), by=cora, screen=False)
        body = intake_payload()
        body["patient"].pop("external_id")
        body["patient"]["email"] = "ada.new@example.org"
        second = submit(body, by=mallory, screen=False)
        third = submit(minimal(email="ada.new@example.org"), by=mallory, screen=False)
    [to_second] = PossibleMatch.objects.filter(intake=third)
    assert to_second.patient_id == second.patient_id
    match_confirm(match=PossibleMatch.objects.get(intake=second), by=cleo)
    [left] = PossibleMatch.objects.filter(intake=third)
    assert (left.patient_id, left.status) == (ada.patient_id, MatchStatus.OPEN)
