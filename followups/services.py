"""Writes of the follow-ups app: keyword-only, one transaction each, audited (ops.audit).

* :func:`plan_start` / :func:`plan_stop` — a clinician starts or ends a plan (API, case page).
* :func:`unsubscribe` / :func:`sms_stop` — the patient opts out (link in every message; a STOP
  reply to a text, through the verified inbound webhook).
* :func:`plan_sends` — the beat's planner: expires occurrences 7 days after they were due,
  creates the invitation (due day) and reminders (days 1, 2, 3 after) as :class:`SendRecord`
  rows, unique per occurrence, kind and channel, and re-enqueues pending ones a lost task left.
* :func:`deliver` — a worker claims one send in a committed transaction, then sends it: a
  claimed send is never sent again, whatever restarts (at most once).
* :func:`checkin_submit` — the patient's answers become a follow-up intake (intake's
  ``follow_up_submit``: the same synchronous safety decision and urgent case as the intake) and
  complete the occurrence, in one transaction.

No patient data in log lines or task arguments: ids only.
"""

import copy
from datetime import date, timedelta

import structlog
from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from followups import links, sms
from followups.models import (
    Channel,
    FollowUpPlan,
    Occurrence,
    OccurrenceState,
    PlanStatus,
    SendKind,
    SendRecord,
    SendStatus,
)
from intake.crypto import keyed_digest
from intake.models import Intake
from intake.services import SubmittedIntake, follow_up_submit
from ops.audit import record_change, record_creation, service_write
from ops.queueing import enqueue_on_commit, publish

log = structlog.get_logger(__name__)

INSTRUMENTS = ("phq9", "gad7")
MAX_OCCURRENCES = 52
MIN_EVERY_DAYS, MAX_EVERY_DAYS = 7, 365
REMINDER_DAYS = (1, 2, 3)
LINK_DAYS = 7  # a check-in link works for this many days after its due date
OPEN_STATES = (OccurrenceState.SCHEDULED, OccurrenceState.SENT, OccurrenceState.REMINDED)
REMINDERS = {1: SendKind.REMINDER_1, 2: SendKind.REMINDER_2, 3: SendKind.REMINDER_3}
LOST_AFTER = timedelta(minutes=2)  # a pending send older than this lost its task


class PlanRejected(ValueError):
    """Input a plan cannot be started with; ``errors`` keyed by field like a DRF 400."""

    def __init__(self, errors: dict):
        super().__init__("The follow-up plan was rejected.")
        self.errors = errors


class CheckInClosed(Exception):
    """The occurrence was completed, expired or cancelled."""


def phone_digest(e164: str) -> str:
    return keyed_digest("followup-phone", e164)


def reachable_channels(intake: Intake) -> dict[str, str]:
    """Channel -> why not, for the channels this intake's patient cannot be contacted by.

    The patient gave an email and/or a phone number with their consent to screening; a
    channel is offered only when its contact detail is on their record (and valid)."""
    patient = intake.patient
    missing = {}
    if patient.erased_at is not None:
        return dict.fromkeys(Channel.values, "The patient's contact details were erased.")
    if not patient.email:
        missing[Channel.EMAIL] = "The patient gave no email address."
    if not sms.texts_configured():
        missing[Channel.SMS] = "Text messages are not set up on this service (SMS_BACKEND)."
        return missing
    try:
        sms.to_e164(patient.phone)
    except sms.InvalidPhoneNumber:
        missing[Channel.SMS] = "The patient gave no valid mobile number."
    return missing


def due_dates(
    *, start: date, every_days: int, occurrences: int | None, end_date, not_before: date
) -> list[date]:
    """Every ``every_days`` after the baseline's day, from ``not_before`` (today: a plan
    started late never sends for dates already past), ``occurrences`` of them or up to
    ``end_date``."""
    dates: list[date] = []
    n = 1
    while len(dates) < MAX_OCCURRENCES:
        due = start + timedelta(days=every_days * n)
        n += 1
        if due < not_before:
            continue
        if occurrences is not None and len(dates) >= occurrences:
            break
        if end_date is not None and due > end_date:
            break
        dates.append(due)
    return dates


def _validate(intake, instruments, every_days, occurrences, end_date, channels) -> dict:
    errors: dict[str, list[str]] = {}
    if not isinstance(instruments, list) or not instruments:
        errors["instruments"] = ['A list with "phq9" (and optionally "gad7").']
    elif any(i not in INSTRUMENTS for i in instruments) or len(set(instruments)) != len(
        instruments
    ):
        errors["instruments"] = ['Only "phq9" and "gad7", each once.']
    elif "phq9" not in instruments:
        errors["instruments"] = ['"phq9" is required: outcomes are measured with it.']
    if isinstance(every_days, bool) or not isinstance(every_days, int):
        errors["every_days"] = ["A whole number of days."]
    elif not MIN_EVERY_DAYS <= every_days <= MAX_EVERY_DAYS:
        errors["every_days"] = [f"From {MIN_EVERY_DAYS} to {MAX_EVERY_DAYS} days."]
    if occurrences is None and end_date is None:
        errors["occurrences"] = ["Give occurrences or end_date."]
    elif occurrences is not None and end_date is not None:
        errors["occurrences"] = ["Give occurrences or end_date, not both."]
    elif occurrences is not None and (
        isinstance(occurrences, bool)
        or not isinstance(occurrences, int)
        or not 1 <= occurrences <= MAX_OCCURRENCES
    ):
        errors["occurrences"] = [f"A whole number from 1 to {MAX_OCCURRENCES}."]
    if not isinstance(channels, list) or not channels:
        errors["channels"] = ['A list with "email" and/or "sms".']
    elif any(c not in Channel.values for c in channels) or len(set(channels)) != len(channels):
        errors["channels"] = ['Only "email" and "sms", each once.']
    else:
        missing = reachable_channels(intake)
        not_ok = [missing[c] for c in channels if c in missing]
        if not_ok:
            errors["channels"] = not_ok
    return errors


def plan_start(
    *,
    intake: Intake,
    instruments,
    every_days,
    channels,
    by,
    occurrences=None,
    end_date: date | None = None,
    today: date | None = None,
) -> FollowUpPlan:
    """Start a plan from ``intake`` (its baseline). Raises :class:`PlanRejected`.

    ``today`` (default: today) is the first day a follow-up may fall on; only the demo data,
    which backfills a plan's history, passes an earlier one."""
    errors = _validate(intake, instruments, every_days, occurrences, end_date, channels)
    start = timezone.localdate(intake.submitted_at)
    if not errors:
        dates = due_dates(
            start=start,
            every_days=every_days,
            occurrences=occurrences,
            end_date=end_date,
            not_before=today or timezone.localdate(),
        )
        if not dates:
            errors["end_date"] = ["No follow-up would be due before this date."]
    if errors:
        raise PlanRejected(errors)
    phone = ""
    if Channel.SMS in channels:
        phone = phone_digest(sms.to_e164(intake.patient.phone))
    with transaction.atomic(), service_write():
        locked = Intake.objects.select_for_update().get(pk=intake.pk)
        if FollowUpPlan.objects.filter(intake=locked, status=PlanStatus.ACTIVE).exists():
            raise PlanRejected(
                {"non_field_errors": ["This intake already has an active follow-up plan."]}
            )
        plan = FollowUpPlan.objects.create(
            intake=locked,
            instruments=list(instruments),
            every_days=every_days,
            occurrences=occurrences,
            end_date=end_date,
            channels=list(channels),
            phone_index=phone,
            created_by=by if getattr(by, "pk", None) else None,
        )
        Occurrence.objects.bulk_create(
            Occurrence(plan=plan, number=n, due_on=due) for n, due in enumerate(dates, start=1)
        )
        record_creation(plan, actor=plan.created_by, event="follow_up_plan_started")
    log.info("follow_up_plan_started", plan_id=str(plan.pk), occurrences=len(dates))
    return plan


def _end(plan: FollowUpPlan, *, actor, event: str, reason: str, **fields) -> FollowUpPlan:
    """Stop ``plan`` (locked by the caller): no more sends; occurrences not yet sent are
    cancelled (one already sent can still be answered until its link expires)."""
    before = copy.copy(plan)
    plan.status = PlanStatus.STOPPED
    plan.stop_reason = reason
    plan.stopped_at = timezone.now()
    for field, value in fields.items():
        setattr(plan, field, value)
    plan.save()
    plan.occurrence_set.filter(state=OccurrenceState.SCHEDULED).update(
        state=OccurrenceState.CANCELLED
    )
    record_change(before=before, after=plan, actor=actor, event=event)
    return plan


def plan_stop(*, plan: FollowUpPlan, by) -> FollowUpPlan:
    with transaction.atomic(), service_write():
        plan = FollowUpPlan.objects.select_for_update().get(pk=plan.pk)
        if plan.status != PlanStatus.ACTIVE:
            return plan
        _end(plan, actor=by, event="follow_up_plan_stopped", reason="clinician", stopped_by=by)
    log.info("follow_up_plan_stopped", plan_id=str(plan.pk))
    return plan


def unsubscribe(*, plan_id) -> FollowUpPlan | None:
    """The patient's unsubscribe link: the plan sends nothing more."""
    with transaction.atomic(), service_write():
        plan = FollowUpPlan.objects.select_for_update().filter(pk=plan_id).first()
        if plan is None or plan.status != PlanStatus.ACTIVE:
            return plan
        _end(
            plan,
            actor=None,
            event="follow_up_unsubscribed",
            reason="unsubscribed",
            unsubscribed_at=timezone.now(),
        )
    log.info("follow_up_unsubscribed", plan_id=str(plan.pk))
    return plan


def sms_stop(*, phone: str) -> int:
    """A STOP reply from ``phone``: no more texts from any plan sending to it (a plan left with
    no channel stops). Returns how many plans it touched."""
    try:
        digest = phone_digest(sms.to_e164(phone))
    except sms.InvalidPhoneNumber:
        return 0
    touched = 0
    with transaction.atomic(), service_write():
        plans = FollowUpPlan.objects.select_for_update().filter(
            phone_index=digest, status=PlanStatus.ACTIVE, sms_stopped_at__isnull=True
        )
        for plan in plans:
            touched += 1
            if plan.channels == [Channel.SMS]:
                _end(
                    plan,
                    actor=None,
                    event="follow_up_sms_stop",
                    reason="sms_stop",
                    sms_stopped_at=timezone.now(),
                )
            else:
                before = copy.copy(plan)
                plan.sms_stopped_at = timezone.now()
                plan.save(update_fields=["sms_stopped_at"])
                record_change(before=before, after=plan, actor=None, event="follow_up_sms_stop")
    log.info("follow_up_sms_stop", plans=touched)
    return touched


# --- the beat's planner and the workers' sends ------------------------------------------------


def _wanted_kind(occurrence: Occurrence, today: date, sent_kinds: set[str]) -> str | None:
    days = (today - occurrence.due_on).days
    if days < 0:
        return None
    if SendKind.INVITATION not in sent_kinds:
        return SendKind.INVITATION
    if days >= 1:  # only the latest reminder due: a planner that was down never bunches them
        kind = REMINDERS[min(days, len(REMINDER_DAYS))]
        return None if kind in sent_kinds else kind
    return None


def plan_sends(*, now=None) -> list[str]:
    """One planner pass (idempotent). Returns the ids of the sends it enqueued."""
    from followups.tasks import deliver_send

    now = now or timezone.now()
    today = timezone.localdate(now)
    enqueued: list[str] = []
    with transaction.atomic(), service_write():
        expired = Occurrence.objects.filter(
            state__in=OPEN_STATES, due_on__lte=today - timedelta(days=LINK_DAYS)
        )
        expired.update(state=OccurrenceState.EXPIRED, expired_at=now)
        due = (
            Occurrence.objects.select_for_update(of=("self",), skip_locked=True)
            .filter(state__in=OPEN_STATES, due_on__lte=today, plan__status=PlanStatus.ACTIVE)
            .select_related("plan")
        )
        for occurrence in due:
            existing: dict[str, set[str]] = {}
            for channel, kind in occurrence.sends.values_list("channel", "kind"):
                existing.setdefault(channel, set()).add(kind)
            for channel in occurrence.plan.active_channels:
                kind = _wanted_kind(occurrence, today, existing.get(channel, set()))
                if kind is None:
                    continue
                record, created = SendRecord.objects.get_or_create(
                    occurrence=occurrence, kind=kind, channel=channel
                )
                if created:
                    enqueue_on_commit(deliver_send, str(record.pk))
                    enqueued.append(str(record.pk))
        finished = FollowUpPlan.objects.filter(status=PlanStatus.ACTIVE).exclude(
            occurrence_set__state__in=[*OPEN_STATES]
        )
        finished.update(status=PlanStatus.FINISHED)
    lost = SendRecord.objects.filter(status=SendStatus.PENDING, created_at__lt=now - LOST_AFTER)
    for send_id in lost.exclude(pk__in=enqueued).values_list("pk", flat=True)[:500]:
        publish(deliver_send, str(send_id))  # the sweep: a task lost before its claim
    return enqueued


def _why_not(record: SendRecord, today: date) -> str:
    occurrence, plan = record.occurrence, record.occurrence.plan
    if plan.intake.patient.erased_at is not None:
        return "contact details erased"
    if record.channel not in plan.active_channels:
        return "opted out or stopped"
    if occurrence.state not in OPEN_STATES:
        return f"occurrence {occurrence.state}"
    if (today - occurrence.due_on).days >= LINK_DAYS:
        return "link expired"
    return ""


def message_text(*, occurrence: Occurrence, kind: str, channel: str) -> tuple[str, str]:
    """(subject, body): nothing about the patient, their answers or their care."""
    last_day = occurrence.due_on + timedelta(days=LINK_DAYS - 1)
    opener = (
        "You have a short check-in questionnaire from your care team."
        if kind == SendKind.INVITATION
        else "A reminder: your short check-in questionnaire is waiting."
    )
    link = links.checkin_url(occurrence.pk)
    stop = links.unsubscribe_url(occurrence.plan_id)
    crisis = "In crisis? Call or text 988 (free, 24/7). In danger, call 911."
    if channel == Channel.SMS:
        body = f"{opener} Open by {last_day:%b %d}: {link} Reply STOP to stop texts. {crisis}"
    else:
        body = (
            f"Hello,\n\n{opener} It takes about 2 minutes. Please answer by "
            f"{last_day:%A %d %B}:\n\n{link}\n\n{crisis}\n\n"
            f"To stop these messages: {stop}\n"
        )
    return "Your check-in questionnaire", body


def _send(record: SendRecord) -> None:
    patient = record.occurrence.plan.intake.patient
    subject, body = message_text(
        occurrence=record.occurrence, kind=record.kind, channel=record.channel
    )
    if record.channel == Channel.SMS:
        sms.send_text(to=patient.phone, body=body)
    else:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [patient.email])


def deliver(send_id: str) -> str:
    """Claim and send one message; returns its final status. Safe to call again."""
    now = timezone.now()
    with transaction.atomic(), service_write():
        record = (
            SendRecord.objects.select_for_update(of=("self",))
            .select_related("occurrence__plan__intake__patient")
            .filter(pk=send_id)
            .first()
        )
        if record is None or record.status != SendStatus.PENDING:
            return record.status if record else "missing"
        before = copy.copy(record)
        reason = _why_not(record, timezone.localdate(now))
        record.status = SendStatus.SKIPPED if reason else SendStatus.CLAIMED
        record.detail = reason
        record.claimed_at = now
        if reason:
            record.finished_at = now
        record.save()
        record_change(
            before=before,
            after=record,
            actor=None,
            event="follow_up_send_skipped" if reason else "follow_up_send_claimed",
            kind=record.kind,
            channel=record.channel,
        )
    if reason:
        return record.status
    try:
        _send(record)
        outcome, detail = SendStatus.SENT, ""
    except Exception as exc:  # at most once: a failed send is recorded, not retried
        outcome, detail = SendStatus.FAILED, type(exc).__name__
        log.warning("follow_up_send_failed", send_id=str(record.pk), error=detail)
    with transaction.atomic(), service_write():
        before = copy.copy(record)
        record.status, record.detail, record.finished_at = outcome, detail, timezone.now()
        record.save()
        if outcome == SendStatus.SENT:
            occurrence = Occurrence.objects.select_for_update().get(pk=record.occurrence_id)
            if occurrence.state in OPEN_STATES:
                if record.kind == SendKind.INVITATION:
                    occurrence.state = OccurrenceState.SENT
                    occurrence.sent_at = occurrence.sent_at or record.finished_at
                else:
                    occurrence.state = OccurrenceState.REMINDED
                    occurrence.reminded_at = record.finished_at
                    occurrence.reminders_sent = int(record.kind[-1])
                occurrence.save()
        record_change(
            before=before,
            after=record,
            actor=None,
            event=f"follow_up_{outcome}",
            kind=record.kind,
            channel=record.channel,
        )
    log.info("follow_up_send", send_id=str(record.pk), status=outcome)
    return outcome


# --- the check-in -----------------------------------------------------------------------------


def checkin_usable(occurrence: Occurrence, today: date | None = None) -> bool:
    today = today or timezone.localdate()
    return (
        occurrence.state in OPEN_STATES
        and occurrence.due_on <= today
        and (today - occurrence.due_on).days < LINK_DAYS
    )


def checkin_submit(*, occurrence_id, answers: dict) -> SubmittedIntake:
    """Store the check-in as a follow-up intake of the plan's baseline and complete the
    occurrence, in one transaction (the safety decision and urgent case commit with it).
    Raises :class:`CheckInClosed`, or intake's ``FollowUpRejected`` for invalid answers."""
    with transaction.atomic(), service_write():
        occurrence = (
            Occurrence.objects.select_for_update(of=("self",))
            .select_related("plan__intake")
            .get(pk=occurrence_id)
        )
        if not checkin_usable(occurrence):
            raise CheckInClosed
        done = follow_up_submit(baseline=occurrence.plan.intake, answers=answers, source="web")
        before = copy.copy(occurrence)
        occurrence.state = OccurrenceState.COMPLETED
        occurrence.completed_at = timezone.now()
        occurrence.follow_up = done.intake
        occurrence.save()
        record_change(before=before, after=occurrence, actor=None, event="follow_up_completed")
    log.info("follow_up_completed", occurrence_id=str(occurrence.pk), intake_id=str(done.intake.pk))
    return done
