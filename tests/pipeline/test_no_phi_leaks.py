"""A full flow with recognisable patients, on the real services: web intake, API intake,
screening in a worker process, review in the admin, matching and a referral. The patients'
names, email, phone, birth date and external id appear in no log line (ours or the worker's),
no Celery message as it sits in Redis, no URL requested or redirected to, and no raw row of
any table in the database (encrypted at rest), while the application still reads them back."""

import base64
import io
import json
import logging

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client

from intake.models import Intake, IntakeDraft, Patient
from referrals.models import Referral
from screening.models import Case
from tests.conftest import login
from tests.factories import urgent_payload
from tests.intake.conftest import STEP_ORDER, post_step, valid_answers
from tests.pipeline.conftest import WorkerProcess, wait_until
from tests.referrals.conftest import make_provider

pytestmark = pytest.mark.pipeline

WEB_PATIENT = {
    "given_name": "Philomena",
    "family_name": "Argyropoulos",
    "email": "philomena.argyropoulos@example.org",
    "phone": "+1 212 555 0147",
    "birth_date": "1982-02-11",
}
API_PATIENT = {
    "external_id": "MRN-ZQ-7781",
    "given_name": "Zebulon",
    "family_name": "Quixotewright",
    "email": "zebulon.quixotewright@example.net",
    "phone": "+1 646 555 0199",
    "birth_date": "1979-07-23",
}
PHI = [
    "Philomena",
    "Argyropoulos",
    "philomena.argyropoulos",
    "555 0147",
    "5550147",
    "1982-02-11",
    "MRN-ZQ-7781",
    "Zebulon",
    "Quixotewright",
    "zebulon.quixotewright",
    "555 0199",
    "5550199",
    "1979-07-23",
]


class RecordingClient(Client):
    """A test client that remembers every URL it requested or was redirected to."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.urls = []

    def request(self, **request):
        self.urls.append(request.get("PATH_INFO", "") + "?" + request.get("QUERY_STRING", ""))
        response = super().request(**request)
        if response.has_header("Location"):
            self.urls.append(response["Location"])
        return response


def leaks(text: str) -> list[str]:
    return [token for token in PHI if token in text]


@pytest.fixture
def captured_logs():
    """Every log line of this process, rendered by the project's own formatter."""
    stream = io.StringIO()
    root = logging.getLogger()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(root.handlers[0].formatter)
    root.addHandler(handler)
    yield stream
    root.removeHandler(handler)


def _text(value) -> str:
    if isinstance(value, bytes | memoryview):
        return bytes(value).decode("latin-1")
    return json.dumps(value, default=str) if isinstance(value, dict | list) else str(value)


def raw_rows_by_table() -> dict[str, tuple[int, str]]:
    """Every table the database holds, read with plain SQL: (row count, all values as text).
    Session data is signed base64, so it is decoded as well."""
    found = {}
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608 - names from the catalogue
            rows = cursor.fetchall()
            found[table] = (len(rows), "\n".join(_text(v) for row in rows for v in row))
    sessions = [json.dumps(s.get_decoded(), default=str) for s in Session.objects.all()]
    found["django_session (decoded)"] = (len(sessions), "\n".join(sessions))
    return found


def queued_messages(broker) -> list[str]:
    """The Celery messages waiting in Redis, decoded (body is base64 JSON)."""
    with broker.connection_for_write() as conn:
        raw = conn.default_channel.client.lrange(settings.CELERY_TASK_DEFAULT_QUEUE, 0, -1)
    decoded = []
    for item in raw:
        envelope = json.loads(item)
        decoded.append(item.decode() + base64.b64decode(envelope["body"]).decode())
    return decoded


def test_no_patient_data_in_logs_task_messages_or_urls(
    broker, transactional_db, tmp_path, captured_logs, cleo, cleo_api
):
    # 1. A patient completes the web intake.
    web = RecordingClient()
    for step in STEP_ORDER:
        answers = valid_answers(step)
        if step == "about-you":
            answers = {**answers, **WEB_PATIENT}
        response = post_step(web, step, answers)
        assert response.status_code == 302, (step, response.content[:500])
        web.urls.append(response["Location"])
    # ... and another stops half-way, after a risk answer on the mood step: a saved draft
    # waiting to be resumed, with its urgent case (issue 16).
    unfinished = RecordingClient()
    for step in STEP_ORDER[: STEP_ORDER.index("about-you") + 1]:
        answers = valid_answers(step)
        if step == "about-you":
            answers = {**answers, **WEB_PATIENT}
        assert post_step(unfinished, step, answers).status_code == 302
    risk = {
        **valid_answers("feeling"),
        "phq9__q9": "2",
        "cssrs_shown": "1",
        "cssrs_screen__q1": "true",
        "cssrs_screen__q2": "false",
        "cssrs_screen__q6": "false",
    }
    assert post_step(unfinished, "feeling", risk)["Location"] == "/intake/support/now/"
    assert unfinished.get("/intake/support/now/").status_code == 200
    web.urls.extend(unfinished.urls)
    # 2. A partner posts an intake the API rejects (an unlisted drug) with a risk answer, then
    # the corrected, urgent intake (it joins the rejected one's case).
    payload = urgent_payload(item9=2, **API_PATIENT)
    rejected = json.loads(json.dumps(payload))
    rejected["treatment_history"]["medication_trials"][0]["medication"] = "sertralin"
    refused = cleo_api.post(
        "/api/v1/intakes/", data=json.dumps(rejected), content_type="application/json"
    )
    assert refused.status_code == 400 and refused.json()["safety"]["urgent"] is True
    assert not leaks(refused.content.decode()), leaks(refused.content.decode())
    api_response = cleo_api.post(
        "/api/v1/intakes/", data=json.dumps(payload), content_type="application/json"
    )
    assert api_response.status_code == 201
    api_urls = ["/api/v1/intakes/"]
    assert Intake.objects.count() == 2
    assert IntakeDraft.objects.count() >= 1

    # 3. The tasks as they sit in Redis, before any worker takes them.
    messages = queued_messages(broker)
    assert len(messages) >= 4  # two screenings, the draft's and the rejection's notifications
    assert not leaks("\n".join(messages)), leaks("\n".join(messages))

    # 4. A real worker screens both and notifies on call.
    worker = WorkerProcess(tmp_path).start()
    try:
        wait_until(
            lambda: Intake.objects.filter(status="screened").count() == 2,
            timeout=30,
            message="both intakes screened",
        )
        urgent = Case.objects.get(intake_id=api_response.json()["id"])
        wait_until(
            lambda: Case.objects.get(pk=urgent.pk).notified_at is not None,
            message="the on-call notification",
        )
    finally:
        worker.stop()

    # 5. A clinician reviews the urgent case, matches providers and refers.
    staff = login(RecordingClient(), cleo)
    case_page = f"/admin/screening/case/{urgent.pk}/change/"
    assert staff.get("/admin/screening/case/?urgent=1").status_code in (200, 302)
    assert staff.get(case_page).status_code == 200
    for action, data in (
        ("acknowledge", {}),
        ("note", {"text": "Called Zebulon Quixotewright back, safe plan"}),
        ("start_review", {}),
    ):
        assert (
            staff.post(f"/admin/screening/case/{urgent.pk}/review/{action}/", data).status_code
            == 302
        )
    provider = make_provider(name="Maya Chen")
    intake_id = api_response.json()["id"]
    for path in (
        f"/api/v1/intakes/{intake_id}/",
        f"/api/v1/intakes/{intake_id}/provider-matches/",
        f"/api/v1/intakes/{intake_id}/fhir/",
    ):
        assert cleo_api.get(path).status_code == 200
        api_urls.append(path)
    referral = cleo_api.post(
        "/api/v1/referrals/",
        {
            "intake": intake_id,
            "provider": str(provider.pk),
            "note": "Zebulon Quixotewright prefers evening calls",
        },
        format="json",
    )
    assert referral.status_code == 201, referral.content
    api_urls.append("/api/v1/referrals/")

    # 6. Nothing identifying anywhere it must not be.
    all_urls = "\n".join(web.urls + staff.urls + api_urls)
    assert any(u.startswith(("/intake/submitted/", "/intake/support/")) for u in web.urls)
    assert not leaks(all_urls), leaks(all_urls)
    ours = captured_logs.getvalue()
    assert "request_finished" in ours and "intake_screened" not in ours  # the worker screened
    assert not leaks(ours), [line for line in ours.splitlines() if leaks(line)][:5]
    theirs = worker.log()
    assert "intake_screened" in theirs and "Urgent case needs same-day review" in theirs
    assert not leaks(theirs), [line for line in theirs.splitlines() if leaks(line)][:5]

    # 7. At rest: no raw row of any table holds them; the application still reads them back.
    tables = raw_rows_by_table()
    leaking = {t: leaks(text) for t, (_, text) in tables.items() if leaks(text)}
    assert not leaking, leaking
    holding = {t for t, (count, _) in tables.items() if count}
    for table in (
        "intake_patient",
        "intake_intake",
        "intake_intakedraft",
        "screening_screeningrun",
        "screening_flag",
        "screening_case",
        "screening_casenote",
        "screening_safetyevent",
        "referrals_referral",
        "django_session (decoded)",
    ):
        assert table in holding, f"{table} is empty: the check would prove nothing"
    api_patient = Intake.objects.get(pk=intake_id).patient
    assert (api_patient.family_name, api_patient.external_id) == ("Quixotewright", "MRN-ZQ-7781")
    assert Patient.objects.filter(family_name__isnull=False).count() >= 2
    assert "Quixotewright" in urgent.notes.get().text  # clinicians' notes: encrypted, readable
    assert str(urgent.safety_event.pk) and urgent.safety_event.source == "api"  # joined
    assert urgent.safety_event.rejected["patient"]["family_name"] == "Quixotewright"
    draft_case = Case.objects.get(safety_event__source="draft")
    assert draft_case.urgent and draft_case.intake_id is None
    assert "Quixotewright" in Referral.objects.get().note
