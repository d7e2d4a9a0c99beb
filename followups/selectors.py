"""Reads of the follow-ups app."""

from clinical.rules.gad7 import gad7_score
from clinical.rules.phq9 import phq9_score
from followups.models import FollowUpPlan, Occurrence
from intake.models import Intake


def plan_summary(plan: FollowUpPlan) -> dict:
    """The plan as the API and the case page show it (no patient data)."""
    return {
        "id": str(plan.pk),
        "intake": str(plan.intake_id),
        "status": plan.status,
        "stop_reason": plan.stop_reason,
        "instruments": list(plan.instruments),
        "every_days": plan.every_days,
        "occurrences": plan.occurrences,
        "end_date": plan.end_date.isoformat() if plan.end_date else None,
        "channels": list(plan.channels),
        "active_channels": plan.active_channels,
        "created_at": plan.created_at.isoformat(),
        "due_dates": [o.due_on.isoformat() for o in plan.occurrence_set.all()],
        "occurrence_list": [
            {
                "number": o.number,
                "due_on": o.due_on.isoformat(),
                "state": o.state,
                "sent_at": o.sent_at.isoformat() if o.sent_at else None,
                "reminders_sent": o.reminders_sent,
                "completed_at": o.completed_at.isoformat() if o.completed_at else None,
                "follow_up_intake": str(o.follow_up_id) if o.follow_up_id else None,
            }
            for o in plan.occurrence_set.all()
        ],
    }


def score_history(occurrence: Occurrence) -> list[dict]:
    """The patient's own totals, baseline first: what the check-in page shows after submitting.
    Only this plan's baseline and its follow-ups (nothing from other records)."""
    baseline = occurrence.plan.intake
    intakes = [baseline, *Intake.objects.filter(follow_up_of=baseline).order_by("submitted_at")]
    rows = []
    for intake in intakes:
        answers = {r.instrument: r.answers for r in intake.responses.all()}
        row = {"date": intake.submitted_at.date().isoformat(), "phq9": None, "gad7": None}
        if "phq9" in answers:
            row["phq9"] = phq9_score(answers["phq9"]).total
        if "gad7" in answers and "gad7" in occurrence.plan.instruments:
            row["gad7"] = gad7_score(answers["gad7"]).total
        rows.append(row)
    return rows
