"""Extension points of the intake API for apps that build on intake (dependencies flow one way).

The screening app registers the ``screening`` block of ``GET /api/v1/intakes/{id}/`` and the
``flag`` list filter here at start-up, so intake never imports it.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import QuerySet


@dataclass(frozen=True)
class DetailSection:
    key: str  # key in the intake's JSON
    permission: str  # who may see it
    prefetch: Callable[[QuerySet], QuerySet]
    render: Callable[[object], dict | None]
    schema: object = None  # a DRF serializer (class) describing it, for the OpenAPI schema


@dataclass(frozen=True)
class ListFilter:
    name: str
    permission: str
    apply: Callable[[QuerySet, str], QuerySet]
    description: str


@dataclass(frozen=True)
class PatientPageSection:
    """A block another app adds to a patient-facing page (e.g. support resources)."""

    key: str
    template: str  # rendered with the context that ``context`` returns
    context: Callable[[], dict]


DETAIL_SECTIONS: dict[str, DetailSection] = {}
CONFIRMATION_SECTIONS: dict[str, PatientPageSection] = {}
LIST_FILTERS: dict[str, ListFilter] = {}


def register_detail_section(section: DetailSection) -> None:
    DETAIL_SECTIONS[section.key] = section


def register_list_filter(list_filter: ListFilter) -> None:
    LIST_FILTERS[list_filter.name] = list_filter


def register_confirmation_section(section: PatientPageSection) -> None:
    CONFIRMATION_SECTIONS[section.key] = section


# --- Safety decisions before a complete intake exists (issue 16) -------------------------------


@dataclass(frozen=True)
class SafetyNotice:
    """What a recorded safety event means for the page or response that triggered it."""

    case_id: str
    event_id: str
    urgent: bool
    risk_level: str
    crisis_resources: list[dict]
    raised: bool  # a new event, or its risk level rose: the patient should be interrupted

    def as_response(self) -> dict:
        """The ``safety`` object of a rejected submission's 400 body (api/v1.md "Errors")."""
        return {
            "urgent": self.urgent,
            "risk_level": self.risk_level,
            "crisis_resources": self.crisis_resources,
            "case": self.case_id,
        }


@dataclass(frozen=True)
class SafetyRecorder:
    """Writes of the app that owns urgent cases (screening), called by intake's edges.

    ``record_draft(draft, answers)`` and ``record_rejected(source=, body=, errors=, answers=,
    patient=, caller=)`` each return a :class:`SafetyNotice`, or None when ``answers`` show no
    risk. ``answers`` holds only the risk blocks valid on their own (intake.safety_net).
    ``current_for_draft(draft)`` is the draft's recorded decision (None without one)."""

    record_draft: Callable[..., SafetyNotice | None]
    record_rejected: Callable[..., SafetyNotice | None]
    current_for_draft: Callable[..., SafetyNotice | None]


SAFETY_RECORDERS: dict[str, SafetyRecorder] = {}


def register_safety_recorder(recorder: SafetyRecorder) -> None:
    SAFETY_RECORDERS["default"] = recorder


def safety_recorder() -> SafetyRecorder:
    """The registered recorder; a missing one is a configuration error, never a silent skip."""
    try:
        return SAFETY_RECORDERS["default"]
    except KeyError:
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured(
            "No safety recorder registered: the screening app must be installed."
        ) from None


# --- Patient data other apps hold (intake.privacy: export and erasure) -------------------------

#: key -> handler, registered at start-up by the app that owns the rows: ``safety_events``
#: (patient -> rows for the export) and ``*_erased`` (the patient's intake ids -> rows erased).
#: Without a registration the export lists nothing and the erasure count is 0.
PATIENT_DATA: dict[str, Callable] = {}


def register_patient_data(key: str, handler: Callable) -> None:
    PATIENT_DATA[key] = handler
