"""Measurement-based care reads: a follow-up intake's outcome against its baseline (issue 21).

The rules are pure (``clinical.rules.measurement``); this module finds the two PHQ-9 totals,
the clinical lead's ``not_improving`` threshold (``MeasurementSettings``), and registers the
``measurement`` block of ``GET /api/v1/intakes/{id}/`` on intake's extension point
(screening.apps), so intake never imports screening.
"""

from django.db.models import Prefetch

from clinical.rules.measurement import Measurement, measure
from clinical.rules.phq9 import phq9_score
from intake.extensions import DetailSection
from intake.models import InstrumentResponse, Intake


def phq9_total_of(intake: Intake) -> int | None:
    """The intake's PHQ-9 total from its stored answers (None when absent or incomplete).

    Read from the answers, not the screening run, so a follow-up is measured at once, even
    before its screening completes (the same pure scorer the run uses)."""
    for response in intake.responses.all():
        if response.instrument == "phq9":
            return phq9_score(response.answers).total
    return None


def measurement_of(intake: Intake) -> Measurement | None:
    """The follow-up's measurement against its baseline, or None (not a follow-up, or a PHQ-9
    total missing on either side)."""
    if not intake.follow_up_of_id:
        return None
    baseline_total = phq9_total_of(intake.follow_up_of)
    total = phq9_total_of(intake)
    if baseline_total is None or total is None:
        return None
    return measure(baseline_total, total)


def not_improving_after_weeks() -> int:
    """The clinical lead's threshold (weeks after the baseline) for ``not_improving``."""
    from screening.models import MeasurementSettings

    return MeasurementSettings.current().not_improving_after_weeks


def prefetch_measurement(qs):
    return qs.select_related("follow_up_of").prefetch_related(
        Prefetch(
            "follow_up_of__responses",
            queryset=InstrumentResponse.objects.filter(instrument="phq9"),
        )
    )


def measurement_block(intake: Intake) -> dict | None:
    found = measurement_of(intake)
    return found.to_dict() if found is not None else None


MEASUREMENT_SECTION = DetailSection(
    key="measurement",
    permission="intake.view_intake_answers",
    prefetch=prefetch_measurement,
    render=measurement_block,
)
