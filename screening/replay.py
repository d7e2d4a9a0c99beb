"""Replay: evaluate the current ruleset over past intakes and compare with what was recorded.

This is how a rule change is reviewed before it goes live: per flag code, which intakes would
newly be flagged and which would no longer be, against each intake's latest recorded run.
Only ``apply_replay`` writes (a new run per intake for the current ruleset version).
"""

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Prefetch

from clinical.rules import RULESET_VERSION, evaluate
from intake.models import Intake
from screening.adapters import INPUT_PREFETCH, screening_input
from screening.models import RunStatus, ScreeningRun
from screening.services import screening_run_execute


@dataclass
class ReplayReport:
    ruleset_version: str
    evaluated: int = 0
    never_screened: int = 0
    newly_flagged: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    no_longer_flagged: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))

    @property
    def changed_codes(self) -> list[str]:
        return sorted(set(self.newly_flagged) | set(self.no_longer_flagged))


def _intakes(since):
    latest_runs = (
        ScreeningRun.objects.filter(status=RunStatus.COMPLETE)
        .order_by("-completed_at")
        .prefetch_related("flags")
    )
    qs = Intake.objects.order_by("submitted_at").prefetch_related(
        *INPUT_PREFETCH, Prefetch("screening_runs", queryset=latest_runs, to_attr="done_runs")
    )
    if since:
        qs = qs.filter(submitted_at__date__gte=since)
    return qs


def replay(*, since=None, chunk_size=500) -> ReplayReport:
    """Compare the current ruleset's flags with each intake's latest recorded run (no writes)."""
    report = ReplayReport(ruleset_version=RULESET_VERSION)
    for intake in _intakes(since).iterator(chunk_size=chunk_size):
        report.evaluated += 1
        now = {f.code for f in evaluate(screening_input(intake)).flags}
        if not intake.done_runs:
            report.never_screened += 1
            before = set()
        else:
            before = {f.code for f in intake.done_runs[0].flags.all()}
        for code in now - before:
            report.newly_flagged[code].append(str(intake.pk))
        for code in before - now:
            report.no_longer_flagged[code].append(str(intake.pk))
    return report


def apply_replay(*, since=None) -> int:
    """Write a run of the current ruleset for every intake that has none (idempotent)."""
    written = 0
    qs = Intake.objects.order_by("submitted_at")
    if since:
        qs = qs.filter(submitted_at__date__gte=since)
    current = ScreeningRun.objects.filter(
        ruleset_version=RULESET_VERSION, status=RunStatus.COMPLETE
    )
    for intake_id in qs.exclude(pk__in=current.values("intake_id")).values_list("pk", flat=True):
        if screening_run_execute(intake_id):
            written += 1
    return written
