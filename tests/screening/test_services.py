"""Screening services in-process (tasks eager): runs, flags, cases, sweep, urgent notification."""

import json
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from clinical.rules import RULESET_VERSION
from intake.models import Intake
from ops.audit import UPDATE, entries_for
from screening import services
from screening.models import Case, Flag, RunStatus, ScreeningRun
from tests.factories import PHQ9_NO_RISK, intake_payload, urgent_payload
from tests.intake.conftest import post

URL = "/api/v1/intakes/"


@pytest.fixture
def submitted(cora_api, django_capture_on_commit_callbacks):
    """Submit through the API and run what the commit triggers (screening, notification)."""

    def submit(payload=None):
        with django_capture_on_commit_callbacks(execute=True):
            response = post(cora_api, payload or intake_payload())
        return Intake.objects.get(pk=response.json()["id"])

    return submit


@pytest.mark.django_db
class TestScreeningRun:
    def test_submission_is_screened_on_commit(self, submitted):
        intake = submitted()
        run = ScreeningRun.objects.get(intake=intake)
        assert run.status == RunStatus.COMPLETE
        assert run.ruleset_version == RULESET_VERSION
        assert run.result["scores"]["phq9"]["total"] == 15
        assert run.result["trd"]["adequate_failed_trials"] == 2
        intake.refresh_from_db()
        assert intake.status == "screened"

    def test_paroxetine_then_paroxetine_cr_is_one_agent_not_trd(self, submitted):
        """clinical.md §1.2: a second course of the same drug (here its CR formulation) is the
        same agent, so two adequate failed paroxetine courses are one failed agent: no TRD."""
        course = {"adherence": "all", "outcome": "no_response", "current_episode": True}
        payload = intake_payload()
        payload["treatment_history"]["medication_trials"] = [
            {"medication": "paroxetine", "max_daily_dose_mg": 20, "weeks_at_max_dose": 8, **course},
            {"medication": "Paxil CR", "max_daily_dose_mg": 37.5, "weeks_at_max_dose": 8, **course},
        ]
        intake = submitted(payload)
        trd = ScreeningRun.objects.get(intake=intake).result["trd"]
        assert trd["adequate_failed_trials"] == 1 and trd["meets_trd_definition"] is False
        assert trd["failed_trials"] == [0, 1]
        assert trd["mgh_s"]["total"] == 4.5  # 1 agent + 0.5 dose optimisation + 3 for the ECT
        assert [t["agent"] for t in trd["trials"]] == ["paroxetine", "paroxetine"]
        assert trd["trials"][1]["description"].startswith("paroxetine_cr 37.5 mg/day")
        assert not Flag.objects.filter(intake=intake, code="possible_trd").exists()

    def test_running_again_changes_nothing(self, submitted):
        intake = submitted()
        first = ScreeningRun.objects.get(intake=intake)
        flags = list(Flag.objects.filter(intake=intake).values_list("pk", flat=True))
        again = services.screening_run_execute(intake.pk)
        assert again.pk == first.pk
        assert ScreeningRun.objects.filter(intake=intake).count() == 1
        assert list(Flag.objects.filter(intake=intake).values_list("pk", flat=True)) == flags

    def test_a_missing_intake_is_a_quiet_return(self, db):
        assert services.screening_run_execute("00000000-0000-0000-0000-000000000000") is None

    def test_every_intake_has_a_case_and_the_same_patient_one_open_case(self, submitted):
        """Issue 19 (replacing "a case opens for moderate or higher flags only"): a flagged
        intake opens a case at its highest level; a later unflagged intake of the same patient
        (the same partner, external id and birth date) joins that open case."""
        flagged = submitted()
        assert Case.objects.get(intake=flagged).priority == 1  # possible_trd is high
        quiet = submitted(
            intake_payload(
                answers={"phq9": {**PHQ9_NO_RISK, "q1": 0, "q2": 0, "q4": 0, "q6": 0, "q7": 0}},
                treatment_history={},
            )
        )
        assert not quiet.flags.exists()
        [case] = Case.objects.all()
        assert set(case.intakes.all()) == {flagged, quiet}
        assert case.priority == 1  # never lowered by the quieter intake

    def test_a_rules_error_is_recorded_and_still_reaches_a_clinician(self, submitted, monkeypatch):
        def broken(_):
            raise ZeroDivisionError

        monkeypatch.setattr(services, "evaluate", broken)
        intake = submitted()
        run = ScreeningRun.objects.get(intake=intake)
        assert run.status == RunStatus.FAILED and run.error == "ZeroDivisionError"
        intake.refresh_from_db()
        assert intake.status == "screening_failed"
        assert Case.objects.filter(intake=intake).exists()

    def test_a_failed_run_is_completed_by_the_next_attempt(self, submitted, monkeypatch):
        real = services.evaluate
        monkeypatch.setattr(services, "evaluate", lambda _: 1 / 0)
        intake = submitted()
        monkeypatch.setattr(services, "evaluate", real)
        run = services.screening_run_execute(intake.pk)
        assert ScreeningRun.objects.filter(intake=intake).count() == 1
        run.refresh_from_db()
        assert (run.status, run.attempts, run.error) == (RunStatus.COMPLETE, 2, "")
        assert run.result["scores"]["phq9"]["total"] == 15
        assert Flag.objects.filter(run=run, code="possible_trd").exists()
        intake.refresh_from_db()
        assert intake.status == "screened"

    def test_the_status_change_is_audited_once_with_no_actor(self, submitted):
        intake = submitted()
        [entry] = entries_for(intake).filter(action=UPDATE)
        assert entry.changes == {"status": ["received", "screened"]}
        assert entry.actor is None
        assert entry.additional_data == {"event": "screened"}
        assert ScreeningRun.objects.get(intake=intake).attempts == 1

    def test_lookups_by_intake_use_their_index_not_a_primary_key_walk(self, submitted):
        """The submission's patient lookup and the run's and case's lookups by intake carry no
        ORDER BY (``.first()`` adds one; with stale statistics PostgreSQL then walks the
        primary-key index: ops.queries.any_match)."""
        with CaptureQueriesContext(connection) as captured:
            intake = submitted()
        lookups = [
            q["sql"]
            for q in captured.captured_queries
            if q["sql"].startswith("SELECT")
            and any(
                f'FROM "{table}"' in q["sql"]
                for table in ("intake_patient", "screening_screeningrun", "screening_case")
            )
        ]
        assert {
            table
            for table in ("intake_patient", "screening_screeningrun", "screening_case")
            if any(f'FROM "{table}"' in sql for sql in lookups)
        } == {"intake_patient", "screening_screeningrun", "screening_case"}
        # LIMIT 1, or a few for the patient (its candidates' birth dates are compared in Python)
        assert all("ORDER BY" not in sql and " LIMIT " in sql for sql in lookups), lookups
        assert ScreeningRun.objects.get(intake=intake).status == RunStatus.COMPLETE

    def test_api_detail_carries_the_screening_block(self, submitted, cleo_api):
        intake = submitted()
        body = cleo_api.get(f"{URL}{intake.pk}/").json()["screening"]
        assert body["status"] == "complete"
        assert body["ruleset_version"] == RULESET_VERSION
        assert body["trd"]["meets_trd_definition"] is True
        assert body["trd"]["failed_trials"] == [0, 1]
        assert body["trd"]["augmentation_trials"] == [2]
        codes = [f["code"] for f in body["flags"]]
        assert "possible_trd" in codes
        trd = next(f for f in body["flags"] if f["code"] == "possible_trd")
        assert trd["level"] == "high"
        assert any("sertraline 150 mg/day for 8 weeks" in e for e in trd["evidence"])


@pytest.mark.django_db
class TestUrgentPath:
    def test_flag_and_case_are_written_with_the_submission(self, submitted, mailoutbox):
        intake = submitted(urgent_payload(item9=2))
        flag = Flag.objects.get(intake=intake, code="suicide_risk", run=None)
        assert flag.level == "urgent"
        assert any("item 9" in e.lower() for e in flag.evidence)
        case = Case.objects.get(intake=intake)
        assert case.urgent and case.priority == 0
        assert case.notified_at is not None

    def test_notification_links_the_case_and_carries_no_patient_data(self, submitted, mailoutbox):
        intake = submitted(urgent_payload(item9=1))
        assert len(mailoutbox) == 1
        message = mailoutbox[0]
        assert str(intake.case.pk) in message.body
        # The case's id is random hex ("…-4555-…" happens): searched without it.
        everything = json.dumps([message.subject, message.body, message.to])
        everything = everything.replace(str(intake.case.pk), "")
        for phi in ("Ada", "Rivera", "ada@example.org", "MRN-00042", "1986", "555"):
            assert phi not in everything

    def test_unacknowledged_case_is_escalated_once_after_the_window(self, submitted, settings):
        settings.ESCALATION_EMAILS = ["second@example.net"]
        intake = submitted(urgent_payload(item9=1))
        mail.outbox.clear()
        assert services.escalate_unacknowledged() == 0  # not yet overdue
        later = timezone.now() + timedelta(minutes=settings.URGENT_ACK_MINUTES + 1)
        assert services.escalate_unacknowledged(now=later) == 1
        assert "second@example.net" in mail.outbox[0].to
        assert services.escalate_unacknowledged(now=later) == 0  # once
        assert Case.objects.get(intake=intake).escalated_at is not None

    def test_acknowledged_case_is_never_escalated(self, submitted, settings):
        intake = submitted(urgent_payload(item9=1))
        Case.objects.filter(intake=intake).update(acknowledged_at=timezone.now())
        later = timezone.now() + timedelta(hours=2)
        assert services.escalate_unacknowledged(now=later) == 0

    def test_lost_notification_is_sent_by_the_beat_job(self, submitted, mailoutbox):
        intake = submitted(urgent_payload(item9=1))
        Case.objects.filter(intake=intake).update(
            notified_at=None, opened_at=timezone.now() - timedelta(minutes=5)
        )
        mailoutbox.clear()
        services.escalate_unacknowledged()
        assert len(mailoutbox) == 1
        assert Case.objects.get(intake=intake).notified_at is not None


@pytest.mark.django_db(transaction=True)
def test_sweep_screens_intakes_left_unscreened(submitted, monkeypatch):
    from screening import receivers

    monkeypatch.setattr(receivers, "enqueue_on_commit", lambda *a, **k: None)  # task lost
    intake = submitted()
    assert not ScreeningRun.objects.filter(intake=intake).exists()
    assert services.sweep_unscreened() == 0  # too recent
    Intake.objects.filter(pk=intake.pk).update(submitted_at=timezone.now() - timedelta(minutes=3))
    assert services.sweep_unscreened() == 1
    assert ScreeningRun.objects.get(intake=intake).status == RunStatus.COMPLETE
    assert services.sweep_unscreened() == 0
