"""Reads of the clinician review: the queue (constant queries per page) and the case page.

The queue reads each case's current screening summary (PHQ-9 total and band, Thase-Rush
stage, Maudsley band) from the current-ruleset run's JSON with one correlated subquery, and the
current flags with one prefetch, so a page costs the same number of queries at 25 or 100 rows.
"""

from dataclasses import dataclass, field, fields
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import (
    Exists,
    IntegerField,
    JSONField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.fields.json import KT
from django.db.models.functions import Cast, Coalesce, JSONObject
from django.utils import timezone

from clinical.medications import MEDICATIONS
from clinical.questionnaires import INSTRUMENTS, visible_items
from clinical.rules import RULESET_VERSION
from clinical.rules.flag_catalogue import FLAG_CATALOGUE, suicide_risk_summary
from clinical.rules.measurement import measure
from intake.models import InstrumentResponse, Intake
from ops.api import error_lines
from ops.audit import ACCESS, access_history, entries_for, entries_for_objects
from ops.labels import label
from ops.text import words
from screening.extensions import case_panel_rows
from screening.models import (
    CASE_LEVEL_RANK,
    CASE_LEVELS,
    LEVEL_RANK,
    OPEN_STATUSES,
    Case,
    CaseNote,
    Flag,
    RunStatus,
    ScreeningRun,
)

#: An open case waiting longer than this is overdue (and the "waiting > 24 h" filter).
REVIEW_TARGET = timedelta(hours=24)
#: PHI the queue never needs: left out of its query (and so never decrypted).
_QUEUE_DEFERRED = (
    "intake__safety",
    "intake__care_preferences",
    "intake__patient__email",
    "intake__patient__phone",
    "intake__patient__external_id",
    "intake__patient__postal_code",
    "intake__patient__email_index",
    "intake__patient__external_id_index",
    "safety_event__rejected_body",
    "safety_event__answers",
    "safety_event__safety",
)


def current_flags_q(prefix: str = "") -> Q:
    """Flags of the current screening: the current ruleset's run's, or the submission's own."""
    return Q(**{f"{prefix}run__isnull": True}) | Q(
        **{f"{prefix}run__ruleset_version": RULESET_VERSION}
    )


def _latest_current_runs():
    """The case's intakes' current-ruleset runs, the latest intake's first (a patient's later
    intake joins their open case: the queue shows the newest answers)."""
    return ScreeningRun.objects.filter(
        intake__case_membership__case=OuterRef("pk"), ruleset_version=RULESET_VERSION
    ).order_by("-intake__submitted_at")


def _phq9_total() -> Coalesce:
    """The latest PHQ-9 total as a number, for sorting the queue by it (-1 while pending or
    without one, so the highest totals come first when sorted down)."""
    total = Cast(KT("result__scores__phq9__total"), IntegerField())
    latest = Subquery(_latest_current_runs().annotate(total=total).values("total")[:1])
    return Coalesce(latest, Value(-1))


def _current_run_summary() -> Subquery:
    run = _latest_current_runs().annotate(
        summary=JSONObject(
            run_status="status",
            phq9_total=KT("result__scores__phq9__total"),
            phq9_severity=KT("result__scores__phq9__severity"),
            thase_rush_stage=KT("result__trd__thase_rush_stage"),
            maudsley_band=KT("result__trd__maudsley__band"),
            maudsley_total=KT("result__trd__maudsley__total"),
        )
    )
    return Subquery(run.values("summary")[:1], output_field=JSONField())


def case_queue() -> QuerySet[Case]:
    """Every case, ready for the queue's columns (filter and order on top of it)."""
    flags = (
        Flag.objects.filter(current_flags_q())
        .only("id", "intake_id", "run_id", "code", "level", "summary")
        .order_by()
    )  # Flag's default ordering would join and sort by intake for nothing
    return (
        Case.objects.select_related("intake__patient", "assigned_to", "safety_event")
        .defer(*_QUEUE_DEFERRED)
        .annotate(screening_summary=_current_run_summary(), phq9_sort=_phq9_total())
        .prefetch_related(_member_intakes(flags))
    )


def _member_intakes(flags: QuerySet[Flag]) -> Prefetch:
    """Every intake of the case (``member_intakes``, oldest first) with its current flags."""
    return Prefetch(
        "intakes",
        queryset=Intake.objects.only("id", "submitted_at", "source", "patient_id")
        .order_by("submitted_at")
        .prefetch_related(Prefetch("flags", queryset=flags, to_attr="current_flags")),
        to_attr="member_intakes",
    )


def _intake_flags(intake: Intake) -> list[Flag]:
    """One intake's current flags, one per code (a run's replaces the submission's)."""
    flags = getattr(intake, "current_flags", None)
    if flags is None:
        flags = list(intake.flags.filter(current_flags_q()))
    by_code: dict[str, Flag] = {}
    for flag in flags:
        if flag.code not in by_code or flag.run_id is not None:
            by_code[flag.code] = flag
    return list(by_code.values())


def queue_flags(case: Case) -> list[Flag]:
    """The case's current flags over all its intakes, one per code (the most pressing), most
    pressing first."""
    if case.intake_id is None:
        return []  # a safety event's case: the queue shows its own badge
    intakes = getattr(case, "member_intakes", None) or [case.intake]
    by_code: dict[str, Flag] = {}
    for intake in intakes:
        for flag in _intake_flags(intake):
            kept = by_code.get(flag.code)
            if kept is None or LEVEL_RANK[flag.level] <= LEVEL_RANK[kept.level]:
                by_code[flag.code] = flag  # the most pressing; the later intake's on a tie
    return sorted(by_code.values(), key=lambda f: (LEVEL_RANK[f.level], f.code))


# --- Queue filters -------------------------------------------------------------------------


def open_cases(qs: QuerySet[Case]) -> QuerySet[Case]:
    return qs.filter(status__in=OPEN_STATUSES)


def cases_with_flag(qs: QuerySet[Case], code: str) -> QuerySet[Case]:
    current = Flag.objects.filter(
        current_flags_q(),
        Q(intake=OuterRef("intake_id")) | Q(intake__case_membership__case=OuterRef("pk")),
        code=code,
    )
    if code == "suicide_risk":  # a safety event's case is a suicide-risk case before its intake
        return qs.filter(Exists(current) | Q(intake__isnull=True, safety_event__isnull=False))
    return qs.filter(Exists(current))


def cases_at_level(qs: QuerySet[Case], level: str) -> QuerySet[Case]:
    """Cases whose highest flag level is ``level``, or ``routine`` (``Case.priority``)."""
    return qs.filter(priority=CASE_LEVEL_RANK[level])


def cases_waiting_longer_than(qs: QuerySet[Case], wait: timedelta, now=None) -> QuerySet[Case]:
    now = now or timezone.now()
    return open_cases(qs).filter(opened_at__lt=now - wait)


def overdue_at(case: Case, now: datetime) -> bool:
    """An open case past its review target, or an urgent one not acknowledged in time."""
    if not case.is_open:
        return False
    if case.needs_acknowledgement and (
        now - case.opened_at > timedelta(minutes=settings.URGENT_ACK_MINUTES)
    ):
        return True
    return now - case.opened_at > REVIEW_TARGET


def waited(case: Case, now: datetime) -> timedelta:
    """How long the case waited: until now while open, until it was closed otherwise."""
    end = now if case.is_open or not case.status_changed_at else case.status_changed_at
    return max(end - case.opened_at, timedelta(0))


# --- The case page -------------------------------------------------------------------------


@dataclass(frozen=True)
class AnsweredItem:
    key: str
    text: str
    answer: str
    value: Any
    concerning: bool = False


@dataclass(frozen=True)
class InstrumentPanel:
    key: str
    name: str
    score: dict
    items: list[AnsweredItem]

    @property
    def severity(self) -> str:
        return words(self.score.get("severity"))


@dataclass(frozen=True)
class FlagView:
    code: str
    level: str
    label: str
    summary: str
    evidence: list[str]


@dataclass(frozen=True)
class TrialRow:
    index: int
    drug: str
    drug_class: str
    role: str
    dose: float | None  # None: not known
    dose_unit: str
    minimum: float | None
    dose_adequate: bool | None
    weeks: float | None  # at or above the minimum dose (or, for older rows, at the highest)
    adherence: str
    outcome: str
    current_episode: bool | None  # None: not known (counted as not current)
    counted: bool
    status: str
    reasons: list[str]
    description: str
    notes: list[str] = field(default_factory=list)  # "verify dose: …", "too early: …"

    @property
    def status_label(self) -> str:
        return STATUS_WORDS.get(self.status, words(self.status) or "not read")


@dataclass(frozen=True)
class TrendPoint:
    intake_id: str
    submitted_on: date
    phq9: int | None
    gad7: int | None
    is_this_intake: bool
    response: bool = False
    remission: bool = False
    outcome: str = ""  # clinical.rules.measurement outcome of a later intake ("" otherwise)


@dataclass(frozen=True)
class CaseIntakeRow:
    """One intake of the case (a later intake of the patient joins their open case)."""

    intake_id: str
    submitted_at: datetime
    source: str
    phq9: int | None
    flags: list[str]
    opened_case: bool


@dataclass
class CasePage:
    case: Case
    intake: Intake
    run: ScreeningRun | None
    scores: dict
    trd: dict | None
    flags: list[Flag]
    instruments: list[InstrumentPanel]
    trials: list[TrialRow]
    psychotherapy: list
    neuromodulation: list
    trend: list[TrendPoint]
    notes: list[CaseNote]
    intakes: list[CaseIntakeRow] = field(default_factory=list)

    unfinished = False

    @property
    def patient(self):
        return self.intake.patient

    @property
    def flag_views(self) -> list[FlagView]:
        return [
            FlagView(f.code, f.level, flag_label(f.code), f.summary, list(f.evidence or []))
            for f in self.flags
        ]

    @property
    def maudsley_band(self) -> str:
        return words(((self.trd or {}).get("maudsley") or {}).get("band"))

    @property
    def phq9_item9(self) -> int | None:
        for panel in self.instruments:
            if panel.key == "phq9":
                for item in panel.items:
                    if item.key == "q9":
                        return item.value
        return None

    @property
    def safety_at_submission(self) -> str:
        return safety_words(self.intake.risk_level, self.phq9_item9)

    @property
    def maudsley_components(self) -> list[tuple[str, object]]:
        components = ((self.trd or {}).get("maudsley") or {}).get("components") or {}
        return [(words(name), points) for name, points in components.items()]

    @property
    def mgh_components(self) -> list[tuple[str, object]]:
        components = ((self.trd or {}).get("mgh_s") or {}).get("components") or {}
        return [(words(name), points) for name, points in components.items()]


def flag_label(code: str) -> str:
    """The queue's short label of a flag code (the catalogue's; a code from an older ruleset
    that the catalogue no longer has is shown in words)."""
    info = FLAG_CATALOGUE.get(code)
    return info.label if info is not None else words(code).capitalize()


def safety_words(risk_level: str, item9: int | None) -> str:
    """The safety decision at submission in words: the C-SSRS screen is asked only when PHQ-9
    item 9 is 1 or more (clinical.md §4.1), so "not assessed" after item 9 = 0 is no gap."""
    if risk_level and risk_level != "not_assessed":
        item = f"; PHQ-9 item 9 = {item9}" if item9 is not None else ""
        return f"C-SSRS screen: {label('risk_level', risk_level).lower()}{item}"
    if item9 == 0:
        return "No risk answer (PHQ-9 item 9 = 0; C-SSRS not needed)"
    if item9 is None:
        return "Not assessed (PHQ-9 item 9 not answered; no C-SSRS screen)"
    return f"PHQ-9 item 9 = {item9}; C-SSRS screen not answered"


REASON_WORDS = {
    "dose_below_minimum": "dose below the minimum",
    "dose_unknown": "dose not known",
    "duration_under_6_weeks": "under 6 weeks at that dose",
    "inadequate_adherence": "not taken on most days",
}
STATUS_WORDS = {
    "failed": "Counted: adequate trial, failed",
    "inadequate": "Not counted: not an adequate trial",
    "intolerant": "Not counted: stopped for side effects (intolerance)",
    "too_early_to_tell": "Not counted: too early to tell",
    "responded": "Not counted: responded",
    "augmentation": "Augmentation: not counted toward the two (Maudsley augmentation point)",
    "earlier_episode": "Not counted: earlier episode",
    "episode_unknown": "Not counted: episode unknown",
    "unlisted": "Not counted: not in the catalogue (verify this trial)",
}


def _answer_label(item, value) -> str:
    if value is None:
        return "—"
    if item.kind == "yes_no":
        return "Yes" if value is True else "No"
    if item.kind == "count":
        return str(value)
    for option in item.options:
        if option.value == value:
            return f"{value} · {option.label}"
    return str(value)


def _instrument_panels(intake: Intake, scores: dict) -> list[InstrumentPanel]:
    panels = []
    for response in intake.responses.all():
        instrument = INSTRUMENTS.get(response.instrument)
        score = scores.get(response.instrument) or {}
        if instrument is None:
            panels.append(InstrumentPanel(response.instrument, response.instrument, score, []))
            continue
        items = [
            AnsweredItem(
                key=item.key,
                text=item.text,
                value=response.answers.get(item.key),
                answer=_answer_label(item, response.answers.get(item.key)),
                concerning=(
                    response.instrument == "phq9"
                    and item.key == "q9"
                    and bool(response.answers.get("q9"))
                ),
            )
            for item in visible_items(
                instrument, response.answers, sex_at_birth=intake.sex_at_birth
            )
        ]
        panels.append(InstrumentPanel(instrument.key, instrument.name, score, items))
    return panels


def _trial_status(index: int, trd: dict) -> tuple[str, list[str], str]:
    """(status, reasons, description) of one course from the TRD result."""
    reviews = [r for r in trd.get("trials") or [] if r.get("index") == index]
    if reviews:
        review, components = reviews[0], reviews[1:]
        reasons = list(review.get("reasons") or [])
        # A combination product's antidepressant component (olanzapine/fluoxetine's
        # fluoxetine) is a second course with the same index.
        reasons += [
            f"also a course of {c.get('description', '')}: "
            f"{STATUS_WORDS.get(c.get('status', ''), words(c.get('status'))).lower()}"
            for c in components
        ]
        return review.get("status", ""), reasons, review.get("description", "")
    if index in trd.get("failed_trials", []):
        return "failed", [], ""
    for inadequate in trd.get("inadequate_trials", []):
        if inadequate.get("index") == index:
            return "inadequate", list(inadequate.get("reasons") or []), ""
    if index in trd.get("intolerant_trials", []):
        return "intolerant", [], ""
    if index in trd.get("augmentation_trials", []):
        return "augmentation", [], ""
    return "", [], ""


def _trial_rows(intake: Intake, trd: dict | None) -> list[TrialRow]:
    trd = trd or {}
    failed = set(trd.get("failed_trials", []))
    rows = []
    for trial in intake.medication_trials.all():
        med = MEDICATIONS.get(trial.medication)
        dose = None if trial.max_daily_dose_mg is None else float(trial.max_daily_dose_mg)
        minimum = med.min_adequate_daily_dose_mg if med else None
        weeks = trial.weeks_at_adequate_dose
        if weeks is None:
            weeks = trial.weeks_at_max_dose  # older rows and partners on the deprecated field
        status, reasons, description = _trial_status(trial.position, trd)
        rows.append(
            TrialRow(
                index=trial.position,
                drug=med.name if med else (trial.medication_name or trial.medication),
                drug_class=med.drug_class if med else "",
                role=med.role if med else "unlisted",
                dose=dose,
                dose_unit=med.dose_unit if med else "mg/day",
                minimum=minimum,
                dose_adequate=None if minimum is None or dose is None else dose >= minimum,
                weeks=None if weeks is None else float(weeks),
                adherence=trial.get_adherence_display(),
                outcome=trial.get_outcome_display(),
                current_episode=trial.current_episode,
                counted=trial.position in failed,
                status=status,
                reasons=[REASON_WORDS.get(r, words(r)) for r in reasons],
                description=description,
                notes=_trial_notes(trial.position, trd),
            )
        )
    return rows


def _trial_notes(index: int, trd: dict) -> list[str]:
    """The rules' notes on one course (none in results from before they were added)."""
    for review in trd.get("trials") or []:
        if review.get("index") == index:
            return [str(note) for note in review.get("notes") or []]
    return []


def _scores_of(run: ScreeningRun | None) -> dict:
    if run is None or run.status != RunStatus.COMPLETE:
        return {}
    return run.result.get("scores") or {}


def _total_from_answers(response: InstrumentResponse | None) -> int | None:
    """A fallback total (sum of the scored items) for an intake not yet screened."""
    if response is None or response.instrument not in INSTRUMENTS:
        return None
    instrument = INSTRUMENTS[response.instrument]
    values = [response.answers.get(item.key) for item in instrument.scored_items]
    if any(not isinstance(v, int) or isinstance(v, bool) for v in values):
        return None
    return sum(values)


def symptom_trend(patient_id, *, this_intake_id=None) -> list[TrendPoint]:
    """PHQ-9 and GAD-7 totals over every intake of one patient, oldest first, with response
    (PHQ-9 at least 50 % below the first intake's) and remission (PHQ-9 under 5) marked on
    the follow-ups."""
    intakes = (
        Intake.objects.filter(patient_id=patient_id)
        .only("id", "submitted_at", "patient_id", "follow_up_of_id")
        .order_by("submitted_at")
        .prefetch_related(
            Prefetch(
                "screening_runs",
                queryset=ScreeningRun.objects.filter(
                    ruleset_version=RULESET_VERSION, status=RunStatus.COMPLETE
                ).only("id", "intake_id", "status", "result"),
                to_attr="current_runs",
            ),
            Prefetch(
                "responses",
                queryset=InstrumentResponse.objects.filter(instrument__in=["phq9", "gad7"]),
                to_attr="mood_responses",
            ),
        )
    )
    points: list[TrendPoint] = []
    baseline = None
    totals: dict = {}  # intake id -> PHQ-9 total, for a follow-up's own baseline
    for intake in intakes:
        scores = _scores_of(intake.current_runs[0] if intake.current_runs else None)
        responses = {r.instrument: r for r in intake.mood_responses}
        phq9 = (scores.get("phq9") or {}).get("total")
        if phq9 is None:
            phq9 = _total_from_answers(responses.get("phq9"))
        gad7 = (scores.get("gad7") or {}).get("total")
        if gad7 is None:
            gad7 = _total_from_answers(responses.get("gad7"))
        totals[intake.pk] = phq9
        follow_up = baseline is not None
        if baseline is None and phq9 is not None:
            baseline = phq9
        # A follow-up intake is measured against its own baseline; a later intake against
        # the first (clinical.rules.measurement: remission first, then worse, response...).
        against = totals.get(intake.follow_up_of_id, baseline) if follow_up else None
        outcome = measure(against, phq9).outcome if None not in (against, phq9) else ""
        points.append(
            TrendPoint(
                intake_id=str(intake.pk),
                submitted_on=timezone.localdate(intake.submitted_at),
                phq9=phq9,
                gad7=gad7,
                is_this_intake=intake.pk == this_intake_id,
                response=bool(follow_up and phq9 is not None and against and phq9 <= against * 0.5),
                remission=bool(follow_up and phq9 is not None and phq9 < 5),
                outcome=outcome,
            )
        )
    return points


def trend_chart_data(points: list[TrendPoint]) -> dict:
    """The chart's data (rendered with json_script; static/screening/case_trend.js draws it)."""
    return {
        "labels": [p.submitted_on.isoformat() for p in points],
        "phq9": [p.phq9 for p in points],
        "gad7": [p.gad7 for p in points],
        "response": [p.response for p in points],
        "remission": [p.remission for p in points],
        "outcome": [p.outcome for p in points],
        "current": [p.is_this_intake for p in points],
    }


def case_for_page(case_id) -> Case | None:
    return (
        Case.objects.select_related(
            "intake__patient",
            "assigned_to",
            "acknowledged_by",
            "status_changed_by",
            "safety_event__draft",
            "intake__psychotic_features_confirmed_by",
        )
        .prefetch_related(
            "intake__responses",
            "intake__medication_trials",
            "intake__psychotherapy_trials",
            "intake__neuromodulation",
            Prefetch(
                "intake__screening_runs",
                queryset=ScreeningRun.objects.filter(ruleset_version=RULESET_VERSION),
                to_attr="current_runs",
            ),
            Prefetch(
                "intake__flags",
                queryset=Flag.objects.filter(current_flags_q()).order_by("code"),
                to_attr="current_flags",
            ),
            _member_intakes(Flag.objects.filter(current_flags_q()).order_by("code")),
            Prefetch("notes", queryset=CaseNote.objects.select_related("author")),
        )
        .filter(pk=case_id)
        .first()
    )


# --- A case opened by a safety event, before its intake (screening.safety_events) ----------

#: The wizard step whose fields (ContactSoFar, below) a clinician needs to reach the patient.
_DRAFT_CONTACT_STEP = "about-you"


@dataclass(frozen=True)
class ContactSoFar:
    """What the patient (or partner) gave about the person before the intake was complete."""

    given_name: str = ""
    family_name: str = ""
    birth_date: str = ""
    sex_at_birth: str = ""
    email: str = ""
    phone: str = ""
    external_id: str = ""
    state: str = ""
    postal_code: str = ""

    @property
    def display_name(self) -> str:
        name = " ".join(part for part in (self.given_name, self.family_name) if part)
        return name or "Name not given"

    @classmethod
    def of(cls, values) -> "ContactSoFar":
        def text(value):
            if isinstance(value, list):  # a wizard step's posted values
                value = value[0] if value else ""
            return str(value).strip() if isinstance(value, str | int) else ""

        return cls(**{f.name: text(values.get(f.name, "")) for f in fields(cls)})


def draft_contact(draft) -> ContactSoFar | None:
    if draft is None:
        return None
    step = (draft.data or {}).get(_DRAFT_CONTACT_STEP)
    if not step:
        return None
    prefix = f"{_DRAFT_CONTACT_STEP}-"
    return ContactSoFar.of(
        {key.removeprefix(prefix): value for key, value in step.items() if key.startswith(prefix)}
    )


def _answer_panels(answers: dict) -> list[InstrumentPanel]:
    panels = []
    for key, given in answers.items():
        instrument = INSTRUMENTS.get(key)
        if instrument is None or not isinstance(given, dict):
            continue
        items = [
            AnsweredItem(
                key=item.key,
                text=item.text,
                value=given.get(item.key),
                answer=_answer_label(item, given.get(item.key)),
                concerning=key == "phq9" and item.key == "q9" and bool(given.get("q9")),
            )
            for item in visible_items(instrument, given, sex_at_birth=None)
        ]
        panels.append(InstrumentPanel(instrument.key, instrument.name, {}, items))
    return panels


@dataclass
class UnfinishedCasePage:
    """The case page of a safety event whose intake has not arrived: the risk answers, the
    decision, the contact details given so far (from the draft, or the rejected body) and,
    for a rejected submission, what was sent and why it was refused."""

    case: Case
    event: Any
    contact: ContactSoFar | None
    instruments: list[InstrumentPanel]
    notes: list[CaseNote]
    unfinished = True
    intake = None
    trd = None

    @property
    def patient(self) -> ContactSoFar:
        return self.contact or ContactSoFar()

    @property
    def summary(self) -> str:
        """The suicide_risk flag's wording, as the intake's flag would read."""
        return suicide_risk_summary(self.event.risk_level)

    @property
    def evidence(self) -> list[str]:
        return list((self.event.safety or {}).get("evidence") or [])

    @property
    def draft_step(self) -> str:
        draft = self.event.draft
        return words(draft.current_step) if draft is not None else ""

    @property
    def rejected_body_json(self) -> str:
        import json

        sent = (self.event.rejected or {}).get("sent")
        return json.dumps(sent, indent=2, sort_keys=True) if sent is not None else ""

    @property
    def rejected_errors(self) -> list[str]:
        errors = (self.event.rejected or {}).get("errors")
        return error_lines(errors)


def unfinished_case_page(case: Case) -> UnfinishedCasePage:
    """The page of a case opened for a safety event (``case.intake`` empty). Reading it is an
    audited access of the case (the admin records it), as for any case page."""
    event = case.safety_event
    if event.rejected:
        contact = ContactSoFar.of(event.rejected.get("patient") or {})
    else:
        contact = draft_contact(event.draft)
    return UnfinishedCasePage(
        case=case,
        event=event,
        contact=contact,
        instruments=_answer_panels(event.answers or {}),
        notes=list(case.notes.all()),
    )


def case_page(case: Case) -> CasePage:
    """Everything the case page shows (``case`` from :func:`case_for_page`)."""
    intake = case.intake
    run = intake.current_runs[0] if intake.current_runs else None
    scores = _scores_of(run)
    trd = run.result.get("trd") if run and run.status == RunStatus.COMPLETE else None
    trend = symptom_trend(intake.patient_id, this_intake_id=intake.pk)
    return CasePage(
        case=case,
        intake=intake,
        run=run,
        scores=scores,
        trd=trd,
        flags=queue_flags(case),
        instruments=_instrument_panels(intake, scores),
        trials=_trial_rows(intake, trd),
        psychotherapy=list(intake.psychotherapy_trials.all()),
        neuromodulation=list(intake.neuromodulation.all()),
        trend=trend,
        notes=list(case.notes.all()),
        intakes=_case_intake_rows(case, trend),
    )


def _case_intake_rows(case: Case, trend: list[TrendPoint]) -> list[CaseIntakeRow]:
    """The case's intakes, oldest first, with their PHQ-9 totals (from the trend, no query)."""
    phq9 = {point.intake_id: point.phq9 for point in trend}
    intakes = getattr(case, "member_intakes", None)
    if intakes is None:
        intakes = list(case.intakes.order_by("submitted_at"))
    return [
        CaseIntakeRow(
            intake_id=str(intake.pk),
            submitted_at=intake.submitted_at,
            source=intake.source,
            phq9=phq9.get(str(intake.pk)),
            flags=[flag_label(f.code) for f in _intake_flags(intake)],
            opened_case=intake.pk == case.intake_id,
        )
        for intake in intakes
    ]


# --- History and access on the case page --------------------------------------------------

EVENT_WORDS = {
    "start_review": "Started the review",
    "refer": "Referred",
    "close": "Closed",
    "dismiss": "Dismissed",
    "acknowledge": "Acknowledged the urgent case",
    "assign_to_me": "Assigned the case to themself",
    "note_added": "Added a note",
    "intake_joined": "A later intake of the patient joined this case",
    "level_raised": "A later screening raised the case's level",
    "take": "Took the case",
}
#: Diff fields worth a line in the history (the rest is bookkeeping).
_HISTORY_FIELDS = {
    "status",
    "assigned_to",
    "closed_reason",
    "priority",
    "urgent",
    "acknowledged_at",
}


@dataclass(frozen=True)
class HistoryEvent:
    when: datetime
    who: str
    what: str
    details: tuple[str, ...] = ()


def _level_words(rank) -> str:
    try:
        return label("case_level", CASE_LEVELS[int(rank)]).lower()
    except (TypeError, ValueError, IndexError):
        return str(rank)


def _detail_lines(changes: dict, users: dict[str, str]) -> tuple[str, ...]:
    lines = []
    for name in sorted(set(changes) & _HISTORY_FIELDS):
        old, new = changes[name][0], changes[name][1]
        if name == "status":
            lines.append(f"status: {label('state', old).lower()} → {label('state', new).lower()}")
        elif name == "assigned_to":
            lines.append(f"assigned: {users.get(old, 'nobody')} → {users.get(new, 'nobody')}")
        elif name == "closed_reason":
            lines.append("reason recorded (shown on the case, masked in the audit log)")
        elif name == "priority":
            lines.append(f"level: {_level_words(old)} → {_level_words(new)}")
        elif name == "acknowledged_at":
            if new in (None, "None", ""):
                lines.append("acknowledgement cleared: the new urgent answer needs acknowledging")
        else:
            lines.append(f"{words(name)}: {old} → {new}")
    return tuple(lines)


def case_history(case: Case) -> list[HistoryEvent]:
    """The case's life, oldest first: opened, notified, escalated (from its own fields) and
    every audited change of the case and its notes (who, when, what)."""
    events = [
        HistoryEvent(
            case.opened_at,
            "system",
            "Case opened" + (" (urgent: suicide-risk flag)" if case.urgent else ""),
        )
    ]
    event = case.safety_event if case.safety_event_id else None
    if event is not None:
        events[0] = HistoryEvent(
            case.opened_at,
            "system",
            "Case opened (urgent: suicide-risk answers in "
            + ("an unfinished web intake)" if event.source == "draft" else "a refused submission)"),
        )
        if event.joined_at:
            events.append(
                HistoryEvent(event.joined_at, "system", "The submitted intake joined this case")
            )
    if case.notified_at:
        events.append(HistoryEvent(case.notified_at, "system", "On-call clinicians notified"))
    if case.escalated_at:
        events.append(
            HistoryEvent(case.escalated_at, "system", "Escalated: not acknowledged in time")
        )
    note_ids = [note.pk for note in case.notes.all()]
    entries = list(
        (
            entries_for(case).exclude(action=ACCESS)
            | entries_for_objects(CaseNote, note_ids).exclude(action=ACCESS)
        )
        .select_related("actor")
        .order_by("timestamp")
    )
    user_ids = {
        value
        for entry in entries
        for value in (entry.changes_dict.get("assigned_to") or ())
        if value and str(value).isdigit()
    }
    users = (
        {
            str(pk): name
            for pk, name in get_user_model()
            .objects.filter(pk__in=user_ids)
            .values_list("pk", "username")
        }
        if user_ids
        else {}
    )
    for entry in entries:
        event = (entry.additional_data or {}).get("event")
        what = EVENT_WORDS.get(event) or f"{entry.get_action_display().capitalize()} " + (
            "note" if entry.content_type.model == "casenote" else "case"
        )
        if event is None and entry.content_type.model == "case" and entry.action == 0:
            continue  # the case's creation is the "Case opened" line
        who = entry.actor.get_username() if entry.actor_id else "system"
        events.append(
            HistoryEvent(entry.timestamp, who, what, _detail_lines(entry.changes_dict, users))
        )
    return sorted(events, key=lambda e: e.when)


@dataclass(frozen=True)
class AccessRecord:
    when: datetime
    who: str
    view: str


def case_access_history(case: Case, *, limit: int = 50) -> list[AccessRecord]:
    """Who looked at the case and when, newest first (the audit log's access entries)."""
    return [
        AccessRecord(
            entry.timestamp,
            entry.actor.get_username() if entry.actor_id else "system",
            (entry.additional_data or {}).get("view", "view"),
        )
        for entry in access_history(case, limit=limit)
    ]


def support_resources() -> list[dict]:
    """Peer support groups and crisis lines, from the app that registers them (referrals)."""
    return case_panel_rows("support_resources")


def case_referrals(case) -> list[dict]:
    """The case's referrals with their status and any follow-up flag (registered by referrals)."""
    return case_panel_rows("referrals", case)


# --- Neighbours in the queue (issue 19: next case, previous case) ---------------------------

#: The queue's default ordering (``CaseAdmin.ordering``): urgent first, then the highest flag
#: level, then the oldest; the id breaks ties so every case has one place.
QUEUE_ORDERING = ("-urgent", "priority", "opened_at", "id")


def _after(case: Case) -> Q:
    """Cases after ``case`` in ``QUEUE_ORDERING`` (a keyset: no offset)."""
    same_urgency = Q(urgent=case.urgent)
    same_priority = same_urgency & Q(priority=case.priority)
    same_opened = same_priority & Q(opened_at=case.opened_at)
    return (
        (Q(urgent=False) if case.urgent else Q(pk__in=[]))
        | (same_urgency & Q(priority__gt=case.priority))
        | (same_priority & Q(opened_at__gt=case.opened_at))
        | (same_opened & Q(pk__gt=case.pk))
    )


def _before(case: Case) -> Q:
    same_urgency = Q(urgent=case.urgent)
    same_priority = same_urgency & Q(priority=case.priority)
    same_opened = same_priority & Q(opened_at=case.opened_at)
    return (
        (Q(urgent=True) if not case.urgent else Q(pk__in=[]))
        | (same_urgency & Q(priority__lt=case.priority))
        | (same_priority & Q(opened_at__lt=case.opened_at))
        | (same_opened & Q(pk__lt=case.pk))
    )


def next_open_case_id(case: Case):
    """The id of the open case after ``case`` in the queue's default order; if there is none
    after it, the first open case (the queue starts over), never ``case`` itself; else None."""
    open_ = Case.objects.filter(status__in=OPEN_STATUSES).exclude(pk=case.pk)
    ids = open_.order_by(*QUEUE_ORDERING).values_list("pk", flat=True)
    return ids.filter(_after(case)).first() or ids.first()


def previous_open_case_id(case: Case):
    """The id of the open case before ``case`` in the queue's default order, or None."""
    reverse = tuple(f[1:] if f.startswith("-") else f"-{f}" for f in QUEUE_ORDERING)
    return (
        Case.objects.filter(_before(case), status__in=OPEN_STATUSES)
        .exclude(pk=case.pk)
        .order_by(*reverse)
        .values_list("pk", flat=True)
        .first()
    )
