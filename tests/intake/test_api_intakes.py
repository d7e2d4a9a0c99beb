"""POST/GET /api/v1/intakes/ against the contract (docs/api.md "Intakes")."""

import json
import threading
from datetime import date, timedelta

import pytest
from django.db import connection

from intake.models import Intake, MedicationTrial, Patient, PossibleMatch
from tests.ciphertext import outside_ciphertext
from tests.factories import intake_payload, urgent_payload, with_patient
from tests.intake.conftest import post

URL = "/api/v1/intakes/"


def years_ago(years, days=0):
    today = date.today()
    try:
        born = today.replace(year=today.year - years)
    except ValueError:  # 29 February
        born = today.replace(year=today.year - years, day=28)
    return (born + timedelta(days=days)).isoformat()


@pytest.mark.django_db
class TestSubmit:
    def test_contract_example_is_accepted_with_a_safety_block(self, cora_api):
        response = post(cora_api, intake_payload())
        assert response.status_code == 201, response.content
        body = response.json()
        assert set(body) == {"id", "status", "submitted_at", "safety"}
        assert body["status"] in {"received", "screened"}
        assert body["safety"]["urgent"] is False
        assert body["safety"]["risk_level"] == "not_assessed"
        intake = Intake.objects.get(pk=body["id"])
        assert intake.source == "api"
        assert intake.medication_trials.count() == 3
        assert intake.responses.count() == 2

    def test_item9_above_zero_is_urgent_with_988(self, cora_api):
        body = post(cora_api, urgent_payload(item9=2)).json()
        assert body["safety"]["urgent"] is True
        contacts = json.dumps(body["safety"]["crisis_resources"])
        assert "988" in contacts

    def test_brand_names_resolve_case_insensitively(self, cora_api):
        payload = intake_payload()
        payload["treatment_history"]["medication_trials"][0]["medication"] = "ZOLOFT"
        response = post(cora_api, payload)
        assert response.status_code == 201
        trial = MedicationTrial.objects.get(intake_id=response.json()["id"], position=0)
        assert trial.medication == "sertraline"

    def test_same_patient_is_found_again_by_external_id(self, cora_api):
        """The same partner, external id and birth date link to the patient; the later
        submission's new phone stays with its own intake, the stored record is unchanged."""
        post(cora_api, intake_payload())
        second = post(cora_api, with_patient(phone="+1 212 555 0199")).json()["id"]
        assert Patient.objects.count() == 1
        assert Patient.objects.get().phone == "+1 212 555 0100"
        assert Intake.objects.get(pk=second).identity.values["phone"] == "+1 212 555 0199"
        assert not PossibleMatch.objects.exists()

    def test_another_person_with_the_same_external_id_is_another_patient(self, cora_api, cleo_api):
        """Two partner systems may both have an MRN-00042: a different birth date means a
        different person, whose submission must not overwrite the first one's record."""
        first = post(cora_api, intake_payload()).json()["id"]
        other = with_patient(given_name="Bea", family_name="Okoro", birth_date="1990-07-01")
        second = post(cora_api, other).json()["id"]
        assert Patient.objects.count() == 2
        first_patient = cleo_api.get(f"{URL}{first}/").json()["patient"]
        assert (first_patient["given_name"], first_patient["birth_date"]) == ("Ada", "1986-03-14")
        second_patient = Intake.objects.get(pk=second).patient
        assert (second_patient.given_name, second_patient.external_id) == ("Bea", "MRN-00042")
        match = PossibleMatch.objects.get()  # the external id agrees: for a clinician to judge
        assert (str(match.intake_id), match.status) == (second, "open")
        assert "external_id" in match.reasons and "birth_date" not in match.reasons

    def test_the_same_person_from_another_caller_is_a_possible_match(self, cora_api, cleo_api):
        """Another partner's identical submission is not linked on its own word: a new record
        and a possible match for a clinician to confirm."""
        first = post(cora_api, intake_payload()).json()["id"]
        second = post(cleo_api, intake_payload()).json()["id"]
        assert Patient.objects.count() == 2 and Intake.objects.count() == 2
        match = PossibleMatch.objects.get()
        assert str(match.intake_id) == second
        assert match.patient == Intake.objects.get(pk=first).patient


@pytest.mark.django_db
class TestBadInput:
    """Every bad-input class is a field-level 400 and nothing is saved."""

    @pytest.fixture(autouse=True)
    def nothing_saved(self, db):
        yield
        assert Intake.objects.count() == 0
        assert Patient.objects.count() == 0

    def bad(self, client, payload):
        response = post(client, payload)
        assert response.status_code == 400, response.content
        return response.json()

    def test_out_of_range_answer(self, cora_api):
        payload = intake_payload()
        payload["answers"]["phq9"]["q3"] = 4
        assert "q3" in self.bad(cora_api, payload)["answers"]["phq9"]

    def test_wrong_type_answer(self, cora_api):
        payload = intake_payload()
        payload["answers"]["phq9"]["q3"] = "2"
        assert "q3" in self.bad(cora_api, payload)["answers"]["phq9"]

    def test_boolean_is_not_a_score(self, cora_api):
        payload = intake_payload()
        payload["answers"]["phq9"]["q3"] = True
        assert "q3" in self.bad(cora_api, payload)["answers"]["phq9"]

    def test_missing_required_item(self, cora_api):
        payload = intake_payload()
        del payload["answers"]["phq9"]["q5"]
        assert "q5" in self.bad(cora_api, payload)["answers"]["phq9"]

    def test_missing_phq9(self, cora_api):
        payload = intake_payload()
        del payload["answers"]["phq9"]
        assert "phq9" in self.bad(cora_api, payload)["answers"]

    def test_answer_to_a_skipped_item(self, cora_api):
        payload = intake_payload()
        payload["answers"]["cssrs_screen"] = {"q1": False, "q2": False, "q3": True, "q6": False}
        assert "q3" in self.bad(cora_api, payload)["answers"]["cssrs_screen"]

    def test_unknown_instrument(self, cora_api):
        payload = intake_payload()
        payload["answers"]["beck"] = {"q1": 1}
        assert "beck" in self.bad(cora_api, payload)["answers"]

    def test_unknown_top_level_key(self, cora_api):
        payload = intake_payload(notes="hello")
        assert self.bad(cora_api, payload) == {"notes": ["Unknown field."]}

    def test_unknown_nested_key(self, cora_api):
        payload = with_patient(middle_name="X")
        assert "middle_name" in self.bad(cora_api, payload)["patient"]

    def test_unknown_medication_with_suggestion(self, cora_api):
        payload = intake_payload()
        payload["treatment_history"]["medication_trials"][1]["medication"] = "sertralin"
        body = self.bad(cora_api, payload)
        assert body == {
            "treatment_history": {
                "medication_trials": {
                    "1": {
                        "medication": ["Unknown medication 'sertralin'. Did you mean 'sertraline'?"]
                    }
                }
            }
        }

    @pytest.mark.parametrize("dose", [0, -5, 2001])  # sertraline: 10 x its 200 mg maximum
    def test_implausible_dose(self, cora_api, dose):
        payload = intake_payload()
        payload["treatment_history"]["medication_trials"][0]["max_daily_dose_mg"] = dose
        body = self.bad(cora_api, payload)
        assert "max_daily_dose_mg" in body["treatment_history"]["medication_trials"]["0"]

    def test_weeks_over_520(self, cora_api):
        payload = intake_payload()
        payload["treatment_history"]["medication_trials"][0]["weeks_at_max_dose"] = 521
        body = self.bad(cora_api, payload)
        assert "weeks_at_max_dose" in body["treatment_history"]["medication_trials"]["0"]

    def test_birth_date_in_the_future(self, cora_api):
        body = self.bad(cora_api, with_patient(birth_date=years_ago(0, days=1)))
        assert "future" in body["patient"]["birth_date"][0]

    def test_under_18_says_the_service_is_for_adults(self, cora_api):
        body = self.bad(cora_api, with_patient(birth_date=years_ago(18, days=1)))
        assert "adults" in body["patient"]["birth_date"][0]

    def test_unknown_state(self, cora_api):
        assert "state" in self.bad(cora_api, with_patient(state="XX"))["patient"]

    def test_zip_that_does_not_exist(self, cora_api):
        body = self.bad(cora_api, with_patient(postal_code="00000"))
        assert body["patient"]["postal_code"] == ["This ZIP code does not exist."]

    def test_zip_in_another_state(self, cora_api):
        body = self.bad(cora_api, with_patient(state="CA"))  # 10027 is in New York
        assert body["patient"]["postal_code"] == ["This ZIP code is not in CA."]

    def test_consent_is_required(self, cora_api):
        payload = intake_payload(consent={"screening": False, "privacy_notice_version": "2026-01"})
        assert "screening" in self.bad(cora_api, payload)["consent"]

    def test_body_that_is_not_json(self, cora_api):
        response = cora_api.post(URL, data="{not json", content_type="application/json")
        assert response.status_code == 400
        assert "not valid JSON" in response.json()["detail"]

    def test_body_that_is_not_an_object(self, cora_api):
        response = cora_api.post(URL, data="[1, 2]", content_type="application/json")
        assert response.status_code == 400

    def test_body_over_256_kib(self, cora_api):
        payload = intake_payload()
        payload["padding"] = "x" * (256 * 1024)
        response = post(cora_api, payload)
        assert response.status_code in (400, 413)
        assert "256 KiB" in response.json()["detail"]

    def test_error_never_echoes_personal_data(self, cora_api):
        body = self.bad(cora_api, with_patient(email="not-an-email-ada", phone="call me"))
        assert "ada" not in json.dumps(body)
        assert "call me" not in json.dumps(body)


@pytest.mark.django_db
class TestIdempotency:
    def test_replay_returns_the_first_intake_with_200(self, cora_api):
        first = post(cora_api, intake_payload(), HTTP_IDEMPOTENCY_KEY="k-1")
        again = post(cora_api, intake_payload(), HTTP_IDEMPOTENCY_KEY="k-1")
        assert first.status_code == 201 and again.status_code == 200
        assert again.json()["id"] == first.json()["id"]
        assert Intake.objects.count() == 1

    def test_same_key_different_body_is_409(self, cora_api):
        post(cora_api, intake_payload(), HTTP_IDEMPOTENCY_KEY="k-2")
        response = post(cora_api, urgent_payload(), HTTP_IDEMPOTENCY_KEY="k-2")
        assert response.status_code == 409
        assert Intake.objects.count() == 1

    def test_a_rejected_body_does_not_use_up_its_key(self, cora_api):
        bad = post(cora_api, with_patient(email="not-an-email"), HTTP_IDEMPOTENCY_KEY="k-3")
        assert bad.status_code == 400
        fixed = post(cora_api, intake_payload(), HTTP_IDEMPOTENCY_KEY="k-3")
        assert fixed.status_code == 201 and Intake.objects.count() == 1

    @pytest.mark.parametrize("key", ["", "k" * 256])
    def test_a_malformed_key_is_a_field_level_400(self, cora_api, key):
        response = post(cora_api, intake_payload(), HTTP_IDEMPOTENCY_KEY=key)
        assert response.status_code == 400
        assert response.json() == {"Idempotency-Key": ["Use 1 to 255 characters."]}
        assert not Intake.objects.exists()

    def test_the_key_is_stored_as_a_keyed_digest_only(self, cora_api):
        """Partners may build keys from their record numbers: the column holds an HMAC."""
        from intake.idempotency import key_digest

        post(cora_api, intake_payload(), HTTP_IDEMPOTENCY_KEY="MRN-00042/2026-12-01")
        with connection.cursor() as cursor:
            cursor.execute("SELECT key FROM intake_idempotencykey")
            (stored,) = cursor.fetchone()
        assert "MRN-00042" not in stored
        assert stored == key_digest("MRN-00042/2026-12-01") != key_digest("MRN-00042/2026-12-02")

    def test_keys_stored_before_the_digest_still_replay_after_the_migration(self, cora_api):
        from importlib import import_module

        from django.apps import apps

        from intake.models import IdempotencyKey

        first = post(cora_api, intake_payload(), HTTP_IDEMPOTENCY_KEY="old-style")
        IdempotencyKey.objects.update(key="old-style")  # as stored before migration 0004
        migration = import_module("intake.migrations.0004_idempotency_key_digest")
        migration.digest_stored_keys(apps, None)
        again = post(cora_api, intake_payload(), HTTP_IDEMPOTENCY_KEY="old-style")
        assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
        assert Intake.objects.count() == 1

    def test_keys_belong_to_their_caller(self, cora_api, cleo_api):
        a = post(cora_api, intake_payload(), HTTP_IDEMPOTENCY_KEY="shared")
        b = post(cleo_api, intake_payload(), HTTP_IDEMPOTENCY_KEY="shared")
        assert a.status_code == b.status_code == 201
        assert a.json()["id"] != b.json()["id"]


@pytest.mark.django_db(transaction=True)
def test_two_requests_with_one_key_at_the_same_instant_make_one_intake(cora, monkeypatch):
    """Real concurrency on PostgreSQL: both requests find no stored key, wait for each other,
    then submit. The key's unique constraint lets one commit; the other rolls back its intake
    and answers with the winner's (intake/idempotency.py)."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (two connections inserting one key)")
    from intake import api as intake_api
    from tests.conftest import _token_client

    barrier = threading.Barrier(2, timeout=10)
    real_submit = intake_api.intake_submit

    def submit_together(**kwargs):
        barrier.wait()  # both requests are past the replay check
        return real_submit(**kwargs)

    monkeypatch.setattr(intake_api, "intake_submit", submit_together)
    answers = []

    def partner():
        try:
            response = post(_token_client(cora), intake_payload(), HTTP_IDEMPOTENCY_KEY="race")
            answers.append((response.status_code, response.json()["id"]))
        finally:
            connection.close()

    threads = [threading.Thread(target=partner) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(code for code, _ in answers) == [200, 201]
    assert len({intake_id for _, intake_id in answers}) == 1
    assert Intake.objects.count() == 1 and Patient.objects.count() == 1


@pytest.mark.django_db
class TestReadAndRoles:
    def test_anonymous_gets_401(self, anon_api):
        assert post(anon_api, intake_payload()).status_code == 401
        assert anon_api.get(URL).status_code == 401

    def test_directory_manager_gets_403(self, dirk_api):
        assert post(dirk_api, intake_payload()).status_code == 403
        assert dirk_api.get(URL).status_code == 403

    def test_deactivated_token_is_refused(self, deactivated_api):
        assert deactivated_api.get(URL).status_code == 401

    def test_coordinator_sees_status_and_contact_but_not_answers(self, cora_api):
        intake_id = post(cora_api, intake_payload()).json()["id"]
        body = cora_api.get(f"{URL}{intake_id}/").json()
        assert body["patient"]["email"] == "ada@example.org"
        assert "answers" not in body and "screening" not in body
        assert "treatment_history" not in body

    def test_clinician_sees_everything_as_submitted(self, cora_api, cleo_api):
        payload = intake_payload()
        intake_id = post(cora_api, payload).json()["id"]
        body = cleo_api.get(f"{URL}{intake_id}/").json()
        assert body["answers"] == payload["answers"]
        assert body["treatment_history"] == payload["treatment_history"]
        assert body["care_preferences"] == payload["care_preferences"]
        assert body["screening"]["status"] in {"pending", "complete"}

    def test_a_coordinator_cannot_read_another_callers_intake(self, cleo_api, cora_api):
        intake_id = post(cleo_api, intake_payload()).json()["id"]
        assert cora_api.get(f"{URL}{intake_id}/").status_code == 404

    def test_unknown_intake_is_404(self, cleo_api):
        assert cleo_api.get(f"{URL}00000000-0000-0000-0000-000000000000/").status_code == 404

    def test_list_is_newest_first_paginated_and_filterable(self, cora_api):
        ids = [post(cora_api, intake_payload()).json()["id"] for _ in range(3)]
        urgent_id = post(cora_api, urgent_payload()).json()["id"]
        body = cora_api.get(URL).json()
        assert set(body) == {"count", "next", "previous", "results"}
        assert [r["id"] for r in body["results"]] == [urgent_id, *reversed(ids)]
        urgent = cora_api.get(URL, {"urgent": "true"}).json()
        assert [r["id"] for r in urgent["results"]] == [urgent_id]
        not_urgent = cora_api.get(URL, {"urgent": "false"}).json()
        assert [r["id"] for r in not_urgent["results"]] == list(reversed(ids))

    @pytest.mark.parametrize("value", ["yes", "1", "TRUE"])
    def test_an_unreadable_urgent_filter_is_a_400_not_every_intake(self, cora_api, value):
        post(cora_api, intake_payload())
        response = cora_api.get(URL, {"urgent": value})
        assert response.status_code == 400
        assert list(response.json()) == ["urgent"]
        empty = cora_api.get(URL, {"urgent": ""})  # empty is not "no filter" either
        assert empty.status_code == 400 and list(empty.json()) == ["urgent"]

    def test_flag_filter_is_for_clinicians(self, cora_api, cleo_api):
        post(cora_api, urgent_payload())  # the suicide_risk flag is written with the intake
        assert cora_api.get(URL, {"flag": "suicide_risk"}).status_code == 403
        body = cleo_api.get(URL, {"flag": "suicide_risk"}).json()
        assert body["count"] == 1
        assert cleo_api.get(URL, {"flag": "nonsense"}).status_code == 400


@pytest.mark.django_db
def test_identifying_fields_are_encrypted_at_rest(cora_api):
    post(cora_api, intake_payload())
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT external_id, given_name, family_name, birth_date, email, phone, postal_code,"
            " external_id_index, email_index FROM intake_patient"
        )
        row = cursor.fetchone()
    raw, tokens = outside_ciphertext(" ".join(str(v) for v in row))
    assert tokens == 7  # every identifying column holds a Fernet token
    for plaintext in (
        "MRN-00042",
        "Ada",
        "Rivera",
        "1986-03-14",
        "ada@example.org",
        "555 0100",
        "10027",
    ):
        assert plaintext not in raw
    assert Patient.objects.get().email == "ada@example.org"  # and it reads back


@pytest.mark.django_db
def test_blind_index_finds_a_patient_by_exact_email_and_external_id(cora_api):
    from intake.crypto import blind_index

    post(cora_api, intake_payload())
    assert Patient.objects.filter(email_index=blind_index("email", " ADA@example.org ")).exists()
    assert Patient.objects.filter(
        external_id_index=blind_index("external_id", "MRN-00042")
    ).exists()
    assert not Patient.objects.filter(email_index=blind_index("email", "eve@example.org")).exists()


@pytest.mark.django_db
def test_a_submitted_intake_is_immutable(cora_api):
    from intake.models import ImmutableRecordError

    intake = Intake.objects.get(pk=post(cora_api, intake_payload()).json()["id"])
    intake.privacy_notice_version = "changed"
    with pytest.raises(ImmutableRecordError):
        intake.save()
    trial = intake.medication_trials.first()
    trial.max_daily_dose_mg = 1
    with pytest.raises(ImmutableRecordError):
        trial.save()
    with pytest.raises(ImmutableRecordError):
        intake.delete()


@pytest.mark.django_db
def test_reading_an_intake_is_an_audited_access(cora_api, cleo_api, cleo):
    from auditlog.models import LogEntry

    intake_id = post(cora_api, intake_payload()).json()["id"]
    cleo_api.get(f"{URL}{intake_id}/")
    entry = LogEntry.objects.get(object_pk=intake_id, action=LogEntry.Action.ACCESS)
    assert entry.actor == cleo and entry.additional_data == {"view": "api intake detail"}
