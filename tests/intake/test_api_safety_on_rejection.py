"""Issue 16: the API never drops a valid risk answer. A submission rejected with a 400 whose
``answers.phq9`` (and/or ``answers.cssrs_screen``) blocks are valid on their own and show risk
still opens an urgent case (on-call paged once), and the 400 carries ``safety`` beside the
field errors; a corrected retry for the same patient joins that case."""

import json
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.utils import timezone

from intake.models import Intake
from screening.models import Case, CaseStatus, SafetyEvent
from screening.safety_events import REJECTED_BODY_RETENTION, purge_rejected_bodies
from tests.ciphertext import outside_ciphertext
from tests.factories import intake_payload, urgent_payload

URL = "/api/v1/intakes/"

pytestmark = pytest.mark.django_db


@pytest.fixture
def send(django_capture_on_commit_callbacks):
    """POST a body and run what its commit triggers (the on-call notification, eagerly)."""

    def send(client, payload, **headers):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(
                URL, data=json.dumps(payload), content_type="application/json", **headers
            )

    return send


def unknown_drug(payload):
    payload["treatment_history"]["medication_trials"][0]["medication"] = "sertralin"
    return ("treatment_history", "medication_trials", "0", "medication")


def skip_logic_item(payload):  # PC-PTSD-5 q1 is asked only after exposure = yes
    payload["answers"]["pc_ptsd5"] = {"exposure": False, "q1": True}
    return ("answers", "pc_ptsd5", "q1")


def wrong_type_elsewhere(payload):
    payload["treatment_history"]["current_episode_months"] = "fourteen"
    return ("treatment_history", "current_episode_months")


def error_at(body, path):
    for key in path:
        body = body[key]
    return body


@pytest.mark.parametrize("break_it", [unknown_drug, skip_logic_item, wrong_type_elsewhere])
def test_rejected_with_item9_3_still_opens_one_urgent_case_and_pages_once(cora_api, send, break_it):
    payload = urgent_payload(item9=3)
    path = break_it(payload)
    response = send(cora_api, payload)
    assert response.status_code == 400
    body = response.json()
    assert error_at(body, path)  # the field errors are all still there
    safety = body["safety"]
    assert safety["urgent"] is True
    assert safety["risk_level"] == "not_assessed"
    assert safety["crisis_resources"][0]["key"] == "988_call_text"
    assert {r["key"] for r in safety["crisis_resources"]} >= {"988_call_text", "911"}
    case = Case.objects.get()
    assert safety["case"] == str(case.pk)
    assert case.urgent and case.priority == 0 and case.status == CaseStatus.NEW
    assert case.intake is None and not Intake.objects.exists()
    event = case.safety_event
    assert event.source == "api" and event.submitted_by.username == "cora"
    assert event.answers == {"phq9": payload["answers"]["phq9"]}
    assert event.rejected["sent"] == payload
    assert error_at(event.rejected["errors"], path)
    assert len(mail.outbox) == 1
    assert str(case.pk) in mail.outbox[0].body
    # The case's id is random hex ("…-1986-…" happens): searched without it.
    text = (mail.outbox[0].subject + mail.outbox[0].body).replace(str(case.pk), "")
    for phi in ("Ada", "Rivera", "ada@example.org", "MRN-00042", "1986"):
        assert phi not in text


def test_high_cssrs_risk_puts_911_first(cora_api, send):
    payload = urgent_payload(item9=3)
    payload["answers"]["cssrs_screen"] = {
        "q1": True,
        "q2": True,
        "q3": True,
        "q4": True,
        "q5": False,
        "q6": False,
    }
    unknown_drug(payload)
    safety = send(cora_api, payload).json()["safety"]
    assert safety["risk_level"] == "high"
    assert safety["crisis_resources"][0]["key"] == "911"


def test_an_invalid_cssrs_block_never_drops_a_valid_item9(cora_api, send):
    payload = urgent_payload(item9=2)
    payload["answers"]["cssrs_screen"] = {"q1": True, "q2": False, "q3": True, "q6": False}
    body = send(cora_api, payload).json()
    assert body["answers"]["cssrs_screen"]["q3"]  # not asked after q2 = no
    assert body["safety"]["urgent"] is True and body["safety"]["risk_level"] == "not_assessed"
    assert list(Case.objects.get().safety_event.answers) == ["phq9"]


def test_no_risk_or_an_invalid_phq9_is_a_plain_400(cora_api, send):
    payload = intake_payload()  # item 9 = 0
    unknown_drug(payload)
    response = send(cora_api, payload)
    assert response.status_code == 400 and "safety" not in response.json()
    payload = urgent_payload(item9=3)
    payload["answers"]["phq9"]["q3"] = 7  # the PHQ-9 block itself is invalid
    response = send(cora_api, payload)
    assert response.status_code == 400 and "safety" not in response.json()
    assert response.json()["answers"]["phq9"]["q3"]
    assert not Case.objects.exists() and not SafetyEvent.objects.exists()
    assert mail.outbox == []


def test_unknown_top_level_keys_and_a_bad_idempotency_key_still_decide(cora_api, send):
    payload = {**urgent_payload(item9=1), "notes": "free text"}
    body = send(cora_api, payload).json()
    assert body["notes"] == ["Unknown field."]
    assert body["safety"]["urgent"] is True
    body = send(cora_api, urgent_payload(item9=1), HTTP_IDEMPOTENCY_KEY="x" * 300).json()
    assert body["Idempotency-Key"] and body["safety"]["urgent"] is True
    assert Case.objects.count() == 1  # the same patient, still open: the same case
    assert len(mail.outbox) == 1


def test_an_unparsable_body_is_a_400_without_safety(cora_api):
    response = cora_api.post(URL, data="{not json", content_type="application/json")
    assert response.status_code == 400 and "safety" not in response.json()


class TestRetries:
    def test_a_repeat_of_the_same_body_finds_the_same_case(self, cora_api, send):
        payload = urgent_payload(item9=3)
        unknown_drug(payload)
        first = send(cora_api, payload).json()["safety"]["case"]
        second = send(cora_api, payload).json()["safety"]["case"]
        assert first == second
        assert Case.objects.count() == 1 and len(mail.outbox) == 1

    def test_a_corrected_retry_for_the_same_patient_joins_the_case(self, cora_api, send):
        payload = urgent_payload(item9=3)
        unknown_drug(payload)
        case_id = send(cora_api, payload).json()["safety"]["case"]
        response = send(cora_api, urgent_payload(item9=3))
        assert response.status_code == 201
        assert response.json()["safety"]["urgent"] is True
        intake = Intake.objects.get(pk=response.json()["id"])
        case = Case.objects.get()
        assert str(case.pk) == case_id and case.intake == intake
        assert case.safety_event.intake == intake
        assert len(mail.outbox) == 1  # no second page

    def test_a_corrected_retry_answering_not_at_all_joins_and_closes_nothing(self, cora_api, send):
        payload = urgent_payload(item9=3)
        wrong_type_elsewhere(payload)
        send(cora_api, payload)
        response = send(cora_api, intake_payload())  # item 9 = 0 now
        assert response.status_code == 201
        case = Case.objects.get(urgent=True)
        assert str(case.intake_id) == response.json()["id"] and case.is_open
        assert len(mail.outbox) == 1

    def test_another_patient_or_another_caller_does_not_join(self, cora_api, cleo_api, send):
        payload = urgent_payload(item9=3)
        unknown_drug(payload)
        send(cora_api, payload)
        other_patient = send(cora_api, urgent_payload(item9=1, external_id="MRN-00043"))
        other_caller = send(cleo_api, urgent_payload(item9=1))
        assert other_patient.status_code == other_caller.status_code == 201
        assert Case.objects.filter(intake__isnull=True).count() == 1  # still waiting
        assert Case.objects.filter(urgent=True).count() == 3
        assert len(mail.outbox) == 3


class TestTheRejectedBody:
    def test_is_encrypted_at_rest(self, cora_api, send):
        payload = urgent_payload(item9=3)
        unknown_drug(payload)
        send(cora_api, payload)
        with connection.cursor() as cursor:
            cursor.execute("SELECT * FROM screening_safetyevent")
            raw = json.dumps(cursor.fetchall(), default=str)
        text, tokens = outside_ciphertext(raw)
        assert tokens >= 1
        for phi in ("Rivera", "ada@example.org", "MRN-00042", "1986-03-14", "555 0100"):
            assert phi not in text

    def test_is_purged_after_its_retention_and_a_retry_then_no_longer_joins(self, cora_api, send):
        payload = urgent_payload(item9=3)
        unknown_drug(payload)
        send(cora_api, payload)
        event = SafetyEvent.objects.get()
        assert purge_rejected_bodies() == 0  # not yet
        later = timezone.now() + REJECTED_BODY_RETENTION + timedelta(minutes=1)
        assert purge_rejected_bodies(now=later) == 1
        event.refresh_from_db()
        assert event.rejected_body is None and event.body_purged_at == later
        assert event.patient_key == "" and event.body_key == ""
        assert event.answers and Case.objects.get().safety_event == event  # the record stays
        assert purge_rejected_bodies(now=later) == 0  # once
        response = send(cora_api, urgent_payload(item9=3))
        assert response.status_code == 201
        assert Case.objects.get(intake_id=response.json()["id"]).safety_event is None

    def test_the_purge_runs_daily_from_the_beat_schedule(self, settings):
        from screening import tasks

        entry = next(
            e
            for e in settings.CELERY_BEAT_SCHEDULE.values()
            if e["task"] == "screening.tasks.purge_rejected_bodies"
        )
        assert str(entry["schedule"]).startswith("<crontab: ")  # daily, at a fixed hour
        assert tasks.purge_rejected_bodies.name == entry["task"]


def test_the_case_page_shows_what_was_sent_and_why_audited(cora_api, send, client, cleo):
    from ops.audit import ACCESS, entries_for
    from tests.conftest import login

    payload = urgent_payload(item9=3)
    unknown_drug(payload)
    case_id = send(cora_api, payload).json()["safety"]["case"]
    staff = login(client, cleo)
    queue = staff.get("/admin/screening/case/").content.decode()
    assert "rejected submission" in queue and "Rivera" not in queue
    page = staff.get(f"/admin/screening/case/{case_id}/change/").content.decode()
    for shown in ("Ada Rivera", "ada@example.org", "MRN-00042", "sertralin", "Nearly every day"):
        assert shown in page
    assert "treatment_history.medication_trials.0.medication" in page
    case = Case.objects.get(pk=case_id)
    assert entries_for(case).filter(action=ACCESS, actor=cleo).count() == 1


def test_the_openapi_schema_documents_the_safety_object_of_a_400():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    response = schema["paths"]["/api/v1/intakes/"]["post"]["responses"]["400"]
    ref = response["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    safety = schema["components"]["schemas"][ref]["properties"]["safety"]
    target = safety.get("$ref") or safety["allOf"][0]["$ref"]
    fields = schema["components"]["schemas"][target.rsplit("/", 1)[-1]]["properties"]
    assert set(fields) == {"urgent", "risk_level", "crisis_resources", "case"}


def test_erasing_the_patient_erases_a_joined_rejected_body(cora_api, send, root):
    from intake.privacy import patient_erase

    payload = urgent_payload(item9=3)
    unknown_drug(payload)
    send(cora_api, payload)
    intake = Intake.objects.get(pk=send(cora_api, urgent_payload(item9=3)).json()["id"])
    counts = patient_erase(patient=intake.patient, by=root)
    assert counts["rejected_bodies_erased"] == 1
    event = SafetyEvent.objects.get()
    assert event.rejected_body is None and event.patient_key == "" and event.answers


def test_an_incomplete_cssrs_screen_is_acted_on_at_least_moderate(cora_api, send):
    """Issue 20 item 7: a C-SSRS block whose only fault is a question left unanswered (Q6
    here, all answers no) is graded moderate, so the rejected submission still opens an urgent
    case, and the event's safety decision says the screen was incomplete."""
    payload = intake_payload()  # item 9 = 0
    payload["answers"]["cssrs_screen"] = {"q1": False, "q2": False}
    response = send(cora_api, payload)
    assert response.status_code == 400
    body = response.json()
    assert body["answers"]["cssrs_screen"]["q6"]  # the 400 still names the missing question
    safety = body["safety"]
    assert safety["urgent"] is True and safety["risk_level"] == "moderate"
    event = Case.objects.get().safety_event
    assert event.answers["cssrs_screen"] == {"q1": False, "q2": False}
    assert event.safety["cssrs_complete"] is False
    assert event.safety["cssrs_missing_items"] == ["q6"]


def test_a_complete_cssrs_screen_of_all_no_is_a_plain_400(cora_api, send):
    payload = intake_payload()
    payload["answers"]["cssrs_screen"] = {"q1": False, "q2": False, "q6": False}
    unknown_drug(payload)
    response = send(cora_api, payload)
    assert response.status_code == 400 and "safety" not in response.json()
    assert not Case.objects.exists()
