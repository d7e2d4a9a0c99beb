"""The ``screening`` block of ``GET /api/v1/intakes/{id}/`` and the ``flag`` list filter,
registered on intake's extension points at start-up (screening.apps)."""

from django.db.models import Exists, OuterRef, Prefetch, Q
from rest_framework.exceptions import ValidationError

from clinical.rules import RULESET_VERSION
from clinical.rules.flag_catalogue import FLAG_CODES
from intake.extensions import DetailSection, ListFilter
from screening.models import LEVEL_RANK, Flag, RunStatus, ScreeningRun


def _ordered(flags):
    return sorted(flags, key=lambda f: (LEVEL_RANK[f.level], f.code))


def prefetch_screening(qs):
    return qs.prefetch_related(
        Prefetch(
            "screening_runs",
            queryset=ScreeningRun.objects.filter(ruleset_version=RULESET_VERSION).prefetch_related(
                "flags"
            ),
            to_attr="current_runs",
        ),
        Prefetch(
            "flags", queryset=Flag.objects.filter(run__isnull=True), to_attr="submission_flags"
        ),
    )


def current_run(intake) -> ScreeningRun | None:
    runs = getattr(intake, "current_runs", None)
    if runs is None:
        runs = list(intake.screening_runs.filter(ruleset_version=RULESET_VERSION))
    return runs[0] if runs else None


def screening_block(intake) -> dict:
    run = current_run(intake)
    if run is None or run.status != RunStatus.COMPLETE:
        submission_flags = getattr(intake, "submission_flags", None)
        if submission_flags is None:
            submission_flags = list(intake.flags.filter(run__isnull=True))
        return {
            "status": run.status if run else RunStatus.PENDING,
            "ruleset_version": RULESET_VERSION,
            "completed_at": None,
            "scores": {},
            "trd": None,
            "flags": [f.as_dict() for f in _ordered(submission_flags)],
        }
    return {
        "status": run.status,
        "ruleset_version": run.ruleset_version,
        "completed_at": run.completed_at.isoformat().replace("+00:00", "Z"),
        **run.result,
        "flags": [f.as_dict() for f in _ordered(run.flags.all())],
    }


def filter_by_flag(queryset, code):
    if code not in FLAG_CODES:
        raise ValidationError(
            {"flag": [f"Unknown flag code. Use one of: {', '.join(FLAG_CODES)}."]}
        )
    current = Flag.objects.filter(intake=OuterRef("pk"), code=code).filter(
        Q(run__isnull=True) | Q(run__ruleset_version=RULESET_VERSION)
    )
    return queryset.filter(Exists(current))


SCREENING_SECTION = DetailSection(
    key="screening",
    permission="screening.view_screeningrun",
    prefetch=prefetch_screening,
    render=screening_block,
)
FLAG_FILTER = ListFilter(
    name="flag",
    permission="screening.view_flag",
    apply=filter_by_flag,
    description="Intakes carrying this flag code in their current screening.",
)
