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
