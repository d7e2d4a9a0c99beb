"""The outcomes report (issue 21): the HEDIS depression remission-or-response measure's shape
over this service's intakes, by month of the index date and by clinician, with a CSV export.

The pure rules (index eligibility, the 4-8 month window, remission and response) are in
``clinical.rules.measurement``; this module reads the rows. Index event: a patient's first
intake with PHQ-9 > 9 submitted in the reporting period (one per linked patient). Later PHQ-9s:
every later intake of the same linked patient (follow-ups and full intakes alike). Clinician:
the clinician assigned to the case the index intake is reviewed in ("unassigned" otherwise).
No patient data leaves this module: only counts, months and staff names.
"""

import csv
import io
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Prefetch, Q

from clinical.rules.measurement import FOLLOW_UP_TO_DAY, episode_outcome, index_eligible
from clinical.rules.phq9 import phq9_score
from intake.models import InstrumentResponse, Intake
from screening.models import Case

UNASSIGNED = "unassigned"


@dataclass(frozen=True)
class OutcomeRow:
    group: str  # "2026-03", or a clinician's name
    patients: int  # the denominator: index events (PHQ-9 > 9)
    followed_up: int  # a PHQ-9 4-8 months later
    response: int
    remission: int
    response_or_remission: int

    def rate(self, count: int) -> float | None:
        return round(100 * count / self.patients, 1) if self.patients else None

    @property
    def follow_up_rate(self) -> float | None:
        return self.rate(self.followed_up)

    @property
    def response_rate(self) -> float | None:
        return self.rate(self.response)

    @property
    def remission_rate(self) -> float | None:
        return self.rate(self.remission)

    @property
    def response_or_remission_rate(self) -> float | None:
        return self.rate(self.response_or_remission)


@dataclass(frozen=True)
class OutcomesReport:
    start: date | None
    end: date | None
    by_month: list[OutcomeRow]
    by_clinician: list[OutcomeRow]
    total: OutcomeRow


def _phq9_totals(start: date | None, end: date | None):
    """Per linked patient, (submitted_at, intake id, PHQ-9 total) oldest first."""
    intakes = Intake.objects.only("id", "patient_id", "submitted_at").prefetch_related(
        Prefetch(
            "responses",
            queryset=InstrumentResponse.objects.filter(instrument="phq9"),
            to_attr="phq9_responses",
        )
    )
    if end is not None:  # later PHQ-9s are read up to 8 months after the period
        intakes = intakes.filter(submitted_at__date__lte=end + timedelta(days=FOLLOW_UP_TO_DAY + 1))
    by_patient = defaultdict(list)
    for intake in intakes.order_by("submitted_at", "id"):
        for response in intake.phq9_responses:
            total = phq9_score(response.answers).total
            if total is not None:
                by_patient[intake.patient_id].append((intake.submitted_at, intake.pk, total))
    return by_patient


def _clinicians(intake_ids) -> dict:
    """Index intake id -> the assigned clinician's name, from the case it is reviewed in."""
    names = {}
    cases = (
        Case.objects.filter(Q(intake_id__in=intake_ids) | Q(memberships__intake_id__in=intake_ids))
        .select_related("assigned_to")
        .prefetch_related("memberships")
        .distinct()
    )
    for case in cases:
        user = case.assigned_to
        name = (user.get_full_name() or user.get_username()) if user is not None else UNASSIGNED
        members = {m.intake_id for m in case.memberships.all()} | {case.intake_id}
        for intake_id in members & set(intake_ids):
            names[intake_id] = name
    return names


def _row(group: str, outcomes: list) -> OutcomeRow:
    return OutcomeRow(
        group=group,
        patients=len(outcomes),
        followed_up=sum(o.followed_up for o in outcomes),
        response=sum(o.response for o in outcomes),
        remission=sum(o.remission for o in outcomes),
        response_or_remission=sum(o.response or o.remission for o in outcomes),
    )


def outcomes_report(*, start: date | None = None, end: date | None = None) -> OutcomesReport:
    """Index events with an index date in [start, end] (either open), grouped."""
    episodes = []  # (month, index intake id, EpisodeOutcome)
    for rows in _phq9_totals(start, end).values():
        index = next(
            (
                (at, pk, total)
                for at, pk, total in rows
                if index_eligible(total)
                and (start is None or at.date() >= start)
                and (end is None or at.date() <= end)
            ),
            None,
        )
        if index is None:
            continue
        at, pk, total = index
        later = [((then - at).days, t) for then, later_pk, t in rows if then > at]
        episodes.append((at.strftime("%Y-%m"), pk, episode_outcome(total, later)))
    clinicians = _clinicians([pk for _, pk, _ in episodes])
    by_month, by_clinician = defaultdict(list), defaultdict(list)
    for month, pk, outcome in episodes:
        by_month[month].append(outcome)
        by_clinician[clinicians.get(pk, UNASSIGNED)].append(outcome)
    return OutcomesReport(
        start=start,
        end=end,
        by_month=[_row(month, by_month[month]) for month in sorted(by_month)],
        by_clinician=[_row(name, by_clinician[name]) for name in sorted(by_clinician)],
        total=_row("all", [outcome for _, _, outcome in episodes]),
    )


CSV_COLUMNS = (
    "grouping",
    "group",
    "patients_phq9_over_9",
    "followed_up_4_to_8_months",
    "response",
    "remission",
    "response_or_remission",
    "follow_up_rate_pct",
    "response_rate_pct",
    "remission_rate_pct",
    "response_or_remission_rate_pct",
)


def _csv_values(grouping: str, row: OutcomeRow) -> list:
    def pct(value):
        return "" if value is None else f"{value:.1f}"

    group = row.group
    if group[:1] in ("=", "+", "-", "@", "\t", "\r"):  # never a formula in a spreadsheet
        group = "'" + group
    return [
        grouping,
        group,
        row.patients,
        row.followed_up,
        row.response,
        row.remission,
        row.response_or_remission,
        pct(row.follow_up_rate),
        pct(row.response_rate),
        pct(row.remission_rate),
        pct(row.response_or_remission_rate),
    ]


def report_csv(report: OutcomesReport) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for row in report.by_month:
        writer.writerow(_csv_values("month", row))
    for row in report.by_clinician:
        writer.writerow(_csv_values("clinician", row))
    writer.writerow(_csv_values("total", report.total))
    return out.getvalue()
