"""Safety events: risk answers acted on before a complete intake exists.

A wizard draft's risk step and a rejected API/FHIR submission with valid risk blocks each record
one event and an urgent case (on-call notified after commit); a retry, a later rejected body
about the same patient, or the intake finally submitted finds the same event and case instead
of opening a second. The decision is the submission's own pure rule
(``clinical.rules.safety.assess_safety``); a later answer showing less risk never lowers or
closes anything. Ids only in logs and task arguments.
"""

import json
from collections.abc import Mapping
from datetime import timedelta

import structlog
from django.db import transaction
from django.utils import timezone

from clinical.rules.safety import assess_safety
from intake.crypto import blind_index
from intake.extensions import SafetyNotice, SafetyRecorder
from intake.models import Intake, IntakeDraft
from intake.safety_net import body_match_key, patient_match_key
from ops.queries import any_match
from ops.queueing import enqueue_on_commit
from screening.models import (
    LEVEL_RANK,
    OPEN_STATUSES,
    Case,
    CaseIntake,
    SafetyEvent,
    SafetyEventSource,
)
from screening.selectors import ContactSoFar, draft_contact

log = structlog.get_logger(__name__)

#: How long a rejected submission's body is kept for the clinician, and how long a corrected
#: retry can still join its case.
REJECTED_BODY_RETENTION = timedelta(days=30)
#: Risk levels in rising order; an event's level only ever goes up.
RISK_ORDER = ("not_assessed", "none", "low", "moderate", "high")


def _rank(level: str) -> int:
    return RISK_ORDER.index(level) if level in RISK_ORDER else 0


def _notice(event: SafetyEvent, case: Case, *, raised: bool) -> SafetyNotice:
    return SafetyNotice(
        case_id=str(case.pk),
        event_id=str(event.pk),
        urgent=True,
        risk_level=event.risk_level,
        crisis_resources=list(event.safety.get("crisis_resources") or []),
        raised=raised,
    )


def _open_urgent_case(event: SafetyEvent) -> Case:
    from screening.tasks import notify_urgent_case

    case = Case.objects.create(safety_event=event, urgent=True, priority=LEVEL_RANK["urgent"])
    enqueue_on_commit(notify_urgent_case, str(case.pk))
    return case


#: The contact indexes an event has once its intake joined or its source is gone.
NO_CONTACT_INDEXES = {"email_index": "", "external_id_index": ""}


def _contact_indexes(contact: ContactSoFar | None) -> dict[str, str]:
    """Blind indexes of the email and external id given so far (the queue's search)."""
    if contact is None:
        return dict(NO_CONTACT_INDEXES)
    return {
        "email_index": blind_index("email", contact.email) or "",
        "external_id_index": blind_index("external_id", contact.external_id) or "",
    }


def _contact_indexes_of(event: SafetyEvent) -> dict[str, str]:
    return {"email_index": event.email_index, "external_id_index": event.external_id_index}


def _raise_if_higher(event: SafetyEvent, answers: dict, safety: dict) -> bool:
    """Keep the more serious decision: True when this one raised the event's risk level."""
    if _rank(safety["risk_level"]) <= _rank(event.risk_level):
        return False
    event.answers, event.safety, event.risk_level = answers, safety, safety["risk_level"]
    event.save(update_fields=["answers", "safety", "risk_level", "updated_at"])
    return True


def record_draft_safety(draft: IntakeDraft, answers: dict) -> SafetyNotice | None:
    """The draft's safety event and urgent case (once per draft), or None without risk.

    Called in the wizard's request with the risk blocks valid on their own; the case and the
    notification are committed (and sent) with this transaction."""
    assessment = assess_safety(answers)
    with transaction.atomic():
        locked = IntakeDraft.objects.select_for_update().filter(pk=draft.pk).first()
        if locked is None:
            return None
        event = any_match(SafetyEvent.objects.filter(draft=locked).select_related("case"))
        indexes = _contact_indexes(draft_contact(locked))
        if event is not None:
            raised = assessment.urgent and _raise_if_higher(event, answers, assessment.to_dict())
            if event.intake_id is None and indexes != _contact_indexes_of(event):
                SafetyEvent.objects.filter(pk=event.pk).update(**indexes)  # contact changed
            return _notice(event, event.case, raised=raised)
        if not assessment.urgent:
            return None  # a draft without risk answers is never a case
        safety = assessment.to_dict()
        event = SafetyEvent.objects.create(
            source=SafetyEventSource.DRAFT,
            draft=locked,
            answers=answers,
            safety=safety,
            risk_level=safety["risk_level"],
            **indexes,
        )
        case = _open_urgent_case(event)
    log.info("draft_safety_event", event_id=str(event.pk), case_id=str(case.pk))
    return _notice(event, case, raised=True)


def _retention_start():
    return timezone.now() - REJECTED_BODY_RETENTION


def _kept_body(body, patient, errors) -> str:
    """What the clinician can read for 30 days (encrypted): the body as sent, its patient
    block as read (the case page's contact details) and the errors it was refused with."""
    return json.dumps(
        {
            "sent": body,
            "patient": dict(patient) if isinstance(patient, dict) else {},
            "errors": errors,
        },
        default=str,
    )


def record_rejected_submission(
    *, source: str, body, errors, answers: dict, patient, caller
) -> SafetyNotice | None:
    """A rejected submission's safety event and urgent case, or None without risk."""
    assessment = assess_safety(answers)
    if not assessment.urgent:
        return None
    safety = assessment.to_dict()
    patient_key = patient_match_key(caller, patient)
    body_key = body_match_key(caller, body)
    indexes = _contact_indexes(ContactSoFar.of(patient) if isinstance(patient, Mapping) else None)
    with transaction.atomic():
        found = SafetyEvent.objects.select_for_update(of=("self",)).filter(
            submitted_by=caller,
            intake__isnull=True,
            created_at__gte=_retention_start(),
            case__status__in=OPEN_STATUSES,
        )
        event = any_match(
            found.filter(patient_key=patient_key) if patient_key else found.none()
        ) or any_match(found.filter(body_key=body_key))
        if event is not None:  # the same patient again, still unresolved: the same case
            raised = _raise_if_higher(event, answers, safety)
            event.rejected_body = _kept_body(body, patient, errors)
            event.body_key = body_key
            if patient_key:
                event.patient_key = patient_key
            event.body_expires_at = timezone.now() + REJECTED_BODY_RETENTION
            for field, value in indexes.items():  # the contact as last sent
                setattr(event, field, value)
            event.save(
                update_fields=[
                    "rejected_body",
                    "body_key",
                    "patient_key",
                    "body_expires_at",
                    *indexes,
                    "updated_at",
                ]
            )
            case = Case.objects.get(safety_event=event)
        else:
            event = SafetyEvent.objects.create(
                source=source,
                submitted_by=caller,
                rejected_body=_kept_body(body, patient, errors),
                body_expires_at=timezone.now() + REJECTED_BODY_RETENTION,
                patient_key=patient_key,
                body_key=body_key,
                answers=answers,
                safety=safety,
                risk_level=safety["risk_level"],
                **indexes,
            )
            case = _open_urgent_case(event)
            raised = True
    log.info(
        "rejected_submission_safety_event",
        event_id=str(event.pk),
        case_id=str(case.pk),
        source=source,
        new=raised,
    )
    return _notice(event, case, raised=raised)


def join_safety_event(intake: Intake, *, draft=None, patient_key: str = "") -> Case | None:
    """Inside the submission's transaction: give the new intake the open case of its draft's
    safety event, or of a rejected submission by the same caller about the same patient.

    A case a clinician has already closed is left alone: the complete submission is then new
    information and takes the usual path (its own case, notified when urgent)."""
    events = SafetyEvent.objects.select_for_update(of=("self",)).filter(
        intake__isnull=True, case__status__in=OPEN_STATUSES, case__intake__isnull=True
    )
    if draft is not None:
        event = any_match(events.filter(draft_id=draft.pk))
    elif patient_key and intake.submitted_by_id is not None:
        event = any_match(
            events.filter(
                submitted_by_id=intake.submitted_by_id,
                patient_key=patient_key,
                created_at__gte=_retention_start(),
            ).order_by("created_at")
        )
    else:
        return None
    if event is None:
        return None
    now = timezone.now()
    # The case is now found through the intake's patient: the event's own indexes go.
    SafetyEvent.objects.filter(pk=event.pk).update(
        intake=intake, joined_at=now, updated_at=now, **NO_CONTACT_INDEXES
    )
    case = Case.objects.get(safety_event=event)
    Case.objects.filter(pk=case.pk).update(intake=intake)
    CaseIntake.objects.create(case=case, intake=intake, joined_at=now)
    case.intake = intake
    log.info("safety_event_joined", event_id=str(event.pk), case_id=str(case.pk))
    return case


def purge_rejected_bodies(*, now=None) -> int:
    """Drop rejected bodies (and the keys that matched retries, and the contact indexes) past
    their retention; and the contact indexes of draft events whose draft has been purged."""
    now = now or timezone.now()
    purged = SafetyEvent.objects.filter(
        body_purged_at__isnull=True, body_expires_at__lte=now
    ).update(
        rejected_body=None, patient_key="", body_key="", body_purged_at=now, **NO_CONTACT_INDEXES
    )
    SafetyEvent.objects.filter(source=SafetyEventSource.DRAFT, draft__isnull=True).exclude(
        **NO_CONTACT_INDEXES
    ).update(**NO_CONTACT_INDEXES)
    if purged:
        log.info("rejected_bodies_purged", count=purged)
    return purged


def current_for_draft(draft: IntakeDraft) -> SafetyNotice | None:
    """The decision recorded for a draft, for the patient's crisis page (None without one)."""
    event = any_match(SafetyEvent.objects.filter(draft_id=draft.pk).select_related("case"))
    if event is None:
        return None
    return _notice(event, event.case, raised=False)


RECORDER = SafetyRecorder(
    record_draft=record_draft_safety,
    record_rejected=record_rejected_submission,
    current_for_draft=current_for_draft,
)
