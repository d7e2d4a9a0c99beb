"""Writes of the screening app: urgent flags at submission, screening runs, review cases.

Every function is safe to call again: a redelivered task, a sweep that races a worker, or a
retry after a crash finds the work done and returns it.
"""

import copy
from dataclasses import dataclass
from datetime import timedelta

import structlog
from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q, prefetch_related_objects
from django.utils import timezone

from clinical.rules import RULESET_VERSION, evaluate
from clinical.rules.flag_catalogue import flag_info, suicide_risk_summary
from intake.models import Intake, IntakeStatus, Patient, PsychoticFeaturesSource
from ops.audit import record_change, service_write
from ops.queries import any_match
from ops.queueing import enqueue_on_commit
from screening.adapters import INPUT_PREFETCH, screening_input
from screening.models import (
    LEVEL_RANK,
    OPEN_STATUSES,
    ROUTINE_PRIORITY,
    Case,
    CaseIntake,
    Flag,
    RunStatus,
    ScreeningRun,
)
from screening.review import ReviewError, require_reviewer

log = structlog.get_logger(__name__)

SWEEP_BATCH = 200


def sweep_after() -> timedelta:
    """How long an intake may stay unscreened before the sweep takes it (default 2 minutes)."""
    return timedelta(seconds=settings.SCREENING_SWEEP_AFTER_SECONDS)


def _suicide_risk_flag(safety: dict):
    """The synchronous flag's summary and evidence from the submission's safety decision,
    worded as the screening run words it (so the queue keeps its wording when it completes)."""
    evidence = list(safety.get("evidence") or [])
    return suicide_risk_summary(safety.get("risk_level", "not_assessed")), evidence


def record_urgent_submission(intake: Intake) -> Case:
    """Inside the submission's transaction: the suicide_risk flag and an urgent case.

    Notification goes out by task after commit; the escalation beat job catches a lost one.
    """
    summary, evidence = _suicide_risk_flag(intake.safety)
    Flag.objects.get_or_create(
        intake=intake,
        run=None,
        code="suicide_risk",
        defaults={
            "level": flag_info("suicide_risk").level,
            "summary": summary,
            "evidence": evidence,
        },
    )
    return case_for_intake(intake, priority=LEVEL_RANK["urgent"], urgent=True).case


# --- The case an intake is reviewed in ----------------------------------------------------------


@dataclass(frozen=True)
class CaseForIntake:
    case: Case
    #: "opened" (a new case), "joined" (the patient's open case), "existing" (already in one)
    how: str


def _case_of(intake: Intake) -> Case | None:
    """The case the intake is already in (opened by it, or joined), if any."""
    return any_match(
        Case.objects.filter(
            Q(intake_id=intake.pk)
            | Q(pk__in=CaseIntake.objects.filter(intake_id=intake.pk).values("case_id"))
        )
    )


def _enqueue_notification(case: Case) -> None:
    from screening.tasks import notify_urgent_case

    enqueue_on_commit(notify_urgent_case, str(case.pk))


def case_for_intake(intake: Intake, *, priority: int, urgent: bool = False) -> CaseForIntake:
    """Inside the caller's transaction: the case the intake is reviewed in, at ``priority`` (a
    ``CASE_LEVEL_RANK``) or more pressing. Safe to call again (a redelivered task finds it).

    * Already in a case: its level is raised if this is more pressing (never lowered).
    * Else, the patient's open case (new or in review) is joined: one open case per patient.
      Race-safe: the patient's row is locked first, so two intakes of one patient screened at
      once queue here and the second joins the case the first opened. An urgent intake that
      joins makes the case urgent and clears its acknowledgement, notification and escalation:
      on-call is paged for the new answer exactly as for a new urgent case.
    * Else a new case is opened (urgent: on-call is paged after commit).
    """
    case = _case_of(intake)
    if case is not None:
        _raise_level(case, priority=priority, urgent=urgent, event="level_raised")
        return CaseForIntake(case, "existing")
    any_match(Patient.objects.select_for_update().filter(pk=intake.patient_id).only("pk"))
    case = any_match(
        Case.objects.select_for_update(of=("self",)).filter(
            status__in=OPEN_STATUSES, memberships__intake__patient_id=intake.patient_id
        )
    )
    if case is not None:
        CaseIntake.objects.create(case=case, intake=intake)
        _raise_level(
            case,
            priority=priority,
            urgent=urgent,
            new_urgent_answer=urgent,
            event="intake_joined",
            intake_id=str(intake.pk),
        )
        log.info("intake_joined_case", intake_id=str(intake.pk), case_id=str(case.pk))
        return CaseForIntake(case, "joined")
    case = Case.objects.create(intake=intake, priority=priority, urgent=urgent)
    CaseIntake.objects.create(case=case, intake=intake)
    if urgent:
        _enqueue_notification(case)
    return CaseForIntake(case, "opened")


def _raise_level(
    case: Case, *, priority: int, urgent: bool, event: str, new_urgent_answer=False, **details
) -> None:
    """Raise the case's level (never lower it), with its audit row; a join is always audited
    (the case history shows the later intake arriving)."""
    before = copy.copy(case)
    changes = {}
    if priority < case.priority:
        changes["priority"] = priority
    if urgent and not case.urgent:
        changes["urgent"] = True
    if new_urgent_answer:  # a clinician must acknowledge this answer too
        changes.update(
            acknowledged_at=None, acknowledged_by=None, notified_at=None, escalated_at=None
        )
    if not changes and event != "intake_joined":
        return
    if changes:
        with service_write():
            Case.objects.filter(pk=case.pk).update(**changes, updated_at=timezone.now())
        for field, value in changes.items():
            setattr(case, field, value)
    record_change(before=before, after=case, actor=None, event=event, **details)
    if case.urgent and (new_urgent_answer or "urgent" in changes):
        _enqueue_notification(case)


def screening_run_execute(intake_id) -> ScreeningRun | None:
    """Screen one intake with the current ruleset, exactly once. ``None`` if it is gone."""
    with transaction.atomic():
        intake = Intake.objects.select_for_update(of=("self",)).filter(pk=intake_id).first()
        if intake is None:
            return None
        # The intake's row lock serialises every screening of it, so no savepoint is needed
        # around the run's insert (a conflict with screening_run_failed, which does not take
        # the lock, raises, and the task retries and finds that run).
        run = any_match(ScreeningRun.objects.filter(intake=intake, ruleset_version=RULESET_VERSION))
        if run is not None and run.status == RunStatus.COMPLETE:
            return run  # a redelivery, or the sweep after a worker already did it
        prefetch_related_objects([intake], *INPUT_PREFETCH)  # on the locked row, no re-read
        result = evaluate(screening_input(intake)).to_dict()
        flags = result.pop("flags")
        done = {
            "status": RunStatus.COMPLETE,
            "completed_at": timezone.now(),
            "result": result,
            "error": "",
        }
        if run is None:  # the first attempt: the run is written complete, in one statement
            run = ScreeningRun.objects.create(
                intake=intake, ruleset_version=RULESET_VERSION, attempts=1, **done
            )
        else:  # after a failed or interrupted attempt
            done["attempts"] = run.attempts + 1
            updated = (
                ScreeningRun.objects.filter(pk=run.pk)
                .exclude(status=RunStatus.COMPLETE)
                .update(**done)
            )
            if not updated:
                run.refresh_from_db()
                return run
            for field, value in done.items():  # the row as written: no re-read after commit
                setattr(run, field, value)
        Flag.objects.bulk_create(
            Flag(
                intake=intake,
                run=run,
                code=f["code"],
                level=f["level"],
                summary=f["summary"][:300],
                evidence=list(f["evidence"]),
            )
            for f in flags
        )
        _mark_screened(intake)
        _open_case(intake, flags)
    log.info(
        "intake_screened",
        intake_id=str(intake_id),
        run_id=str(run.pk),
        flags=[f["code"] for f in flags],
    )
    return run


def _mark_screened(intake: Intake) -> None:
    """The status change and its audit entry, from the locked row already in hand (auditlog's
    own receiver would read the row again to diff it)."""
    before = copy.copy(intake)
    intake.status = IntakeStatus.SCREENED
    with service_write():
        Intake.objects.filter(pk=intake.pk).update(status=IntakeStatus.SCREENED)
    record_change(before=before, after=intake, actor=None, event="screened")


def screening_run_failed(intake_id, error: BaseException) -> None:
    """Record a run that cannot succeed (a rules error, not a passing fault)."""
    with transaction.atomic():
        intake = Intake.objects.filter(pk=intake_id).first()
        if intake is None:
            return
        run, _ = ScreeningRun.objects.get_or_create(intake=intake, ruleset_version=RULESET_VERSION)
        if run.status == RunStatus.COMPLETE:
            return
        ScreeningRun.objects.filter(pk=run.pk).update(
            status=RunStatus.FAILED, error=type(error).__name__[:200], attempts=run.attempts + 1
        )
        intake.status = IntakeStatus.SCREENING_FAILED
        intake.save(update_fields=["status"])
        # A failed screening still reaches a clinician: nothing may be silently dropped.
        case_for_intake(intake, priority=LEVEL_RANK["high"])


def _open_case(intake: Intake, flags: list[dict]) -> None:
    """Every screened intake has an owner: its flags' highest level, or a routine case."""
    top = min((LEVEL_RANK[f["level"]] for f in flags), default=ROUTINE_PRIORITY)
    case_for_intake(intake, priority=top, urgent=top == LEVEL_RANK["urgent"])


def sweep_unscreened(*, older_than: timedelta | None = None, batch=SWEEP_BATCH) -> int:
    """Screen intakes still unscreened ``older_than`` after submission (lost task, broker down).

    ``SELECT … FOR UPDATE SKIP LOCKED`` lets several sweepers and workers run side by side.
    """
    cutoff = timezone.now() - (sweep_after() if older_than is None else older_than)
    done = 0
    with transaction.atomic():
        ids = list(
            Intake.objects.select_for_update(skip_locked=True)
            .filter(status=IntakeStatus.RECEIVED, submitted_at__lt=cutoff)
            .order_by("submitted_at")
            .values_list("pk", flat=True)[:batch]
        )
    for intake_id in ids:
        try:
            if screening_run_execute(intake_id):
                done += 1
        except Exception as exc:  # one bad intake must not stop the sweep
            log.exception(
                "sweep_screening_failed", intake_id=str(intake_id), error=type(exc).__name__
            )
    if ids:
        log.info("sweep_unscreened", found=len(ids), screened=done)
    return done


# --- Urgent notification ----------------------------------------------------------------------


def case_link(case: Case) -> str:
    return f"{settings.SITE_URL}/admin/screening/case/{case.pk}/change/"


def _send_case_mail(case: Case, recipients, *, escalation: bool) -> None:
    subject = (
        "ESCALATION: urgent case not acknowledged"
        if escalation
        else "Urgent case needs same-day review"
    )
    what = "An intake" if case.intake_id else "An unfinished intake (or a refused submission)"
    body = (
        f"{what} raised the urgent suicide-risk flag and needs same-day review.\n\n"
        f"Open the case: {case_link(case)}\n\n"
        "Acknowledge it in the review queue to stop escalation. This message carries no "
        "patient data by design."
    )
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, list(recipients))


def notify_urgent(case_id) -> bool:
    """Email the on-call list once per case (at least once: a crash may repeat it)."""
    case = Case.objects.filter(pk=case_id, urgent=True).first()
    if case is None or case.notified_at or case.acknowledged_at:
        return False
    _send_case_mail(case, settings.ONCALL_EMAILS, escalation=False)
    Case.objects.filter(pk=case.pk, notified_at__isnull=True).update(notified_at=timezone.now())
    log.info("urgent_case_notified", case_id=str(case.pk))
    return True


def escalate_unacknowledged(now=None) -> int:
    """Beat job: notify urgent cases never notified; re-notify and escalate unacknowledged ones."""
    now = now or timezone.now()
    for case in Case.objects.filter(
        urgent=True,
        acknowledged_at__isnull=True,
        notified_at__isnull=True,
        opened_at__lt=now - timedelta(seconds=settings.URGENT_NOTIFY_GRACE_SECONDS),
    ):
        notify_urgent(case.pk)  # its notification task was lost
    overdue = Case.objects.filter(
        urgent=True,
        acknowledged_at__isnull=True,
        escalated_at__isnull=True,
        notified_at__lt=now - timedelta(minutes=settings.URGENT_ACK_MINUTES),
    )
    escalated = 0
    for case in overdue:
        recipients = [*settings.ONCALL_EMAILS, *settings.ESCALATION_EMAILS]
        _send_case_mail(case, recipients, escalation=True)
        escalated += Case.objects.filter(pk=case.pk, escalated_at__isnull=True).update(
            escalated_at=now
        )
        log.warning("urgent_case_escalated", case_id=str(case.pk))
    return escalated


# --- Clinician confirmation of a self-reported finding ------------------------------------------


class NothingToConfirm(ReviewError):
    """The intake has no self-reported psychotic features to confirm."""


def confirm_psychotic_features(*, case: Case, by) -> ScreeningRun | None:
    """A clinician confirms the psychotic features the patient reported, from the case page.

    One transaction: the intake's source becomes ``clinician`` (who and when recorded), an
    audit entry, and the case's screening re-staged with the current ruleset (Maudsley severity
    5, the ``possible_psychotic_features`` review flag gone). Returns the re-staged run (None
    when the intake was never screened: its first run will read the confirmation)."""
    require_reviewer(by)
    if case.intake_id is None:
        raise NothingToConfirm("This case has no intake yet. Nothing was changed.")
    with transaction.atomic():
        intake = Intake.objects.select_for_update(of=("self",)).get(pk=case.intake_id)
        if not intake.psychotic_features:
            raise NothingToConfirm("No psychotic features were reported. Nothing was changed.")
        if intake.psychotic_features_source == PsychoticFeaturesSource.CLINICIAN:
            raise NothingToConfirm(
                "Psychotic features are already clinician-confirmed. Nothing was changed."
            )
        before = copy.copy(intake)
        intake.psychotic_features_source = PsychoticFeaturesSource.CLINICIAN
        intake.psychotic_features_confirmed_at = timezone.now()
        intake.psychotic_features_confirmed_by = by
        with service_write():
            intake.save(
                update_fields=[
                    "psychotic_features_source",
                    "psychotic_features_confirmed_at",
                    "psychotic_features_confirmed_by",
                ]
            )
        record_change(
            before=before,
            after=intake,
            actor=by,
            event="psychotic_features_confirmed",
            case=str(case.pk),
        )
        run = restage(intake)
    log.info("psychotic_features_confirmed", case_id=str(case.pk), by=by.pk)
    return run


def restage(intake: Intake) -> ScreeningRun | None:
    """Inside the caller's transaction, with the intake's row locked: evaluate the intake
    again with the current ruleset and replace the current run's result and flags (the run
    keeps its id; the case's priority only rises, as at a first run). None when it has no
    complete current run (the pending run or the sweep will screen it)."""
    run = any_match(
        ScreeningRun.objects.filter(
            intake=intake, ruleset_version=RULESET_VERSION, status=RunStatus.COMPLETE
        )
    )
    if run is None:
        return None
    prefetch_related_objects([intake], *INPUT_PREFETCH)
    result = evaluate(screening_input(intake)).to_dict()
    flags = result.pop("flags")
    run.result, run.completed_at = result, timezone.now()
    run.save(update_fields=["result", "completed_at"])
    Flag.objects.filter(run=run).delete()
    Flag.objects.bulk_create(
        Flag(
            intake=intake,
            run=run,
            code=f["code"],
            level=f["level"],
            summary=f["summary"][:300],
            evidence=list(f["evidence"]),
        )
        for f in flags
    )
    _open_case(intake, flags)
    log.info("intake_restaged", intake_id=str(intake.pk), run_id=str(run.pk))
    return run
