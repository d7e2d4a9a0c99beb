"""Cases for the screening tests (and the admin and browser tests that review them): each one
a real submission through the service, its screening run on commit."""

import copy
import itertools
import re

import pytest
from django.urls import reverse

from ops.text import short_id
from screening.models import Case
from tests.conftest import login, submit
from tests.factories import PHQ9_NO_RISK, intake_payload, urgent_payload

_serial = itertools.count(1)


def patient_fields(n: int | None = None) -> dict:
    """Distinct contact details, so each submission is a different patient."""
    n = next(_serial) if n is None else n
    return {
        "external_id": f"MRN-T{n:05d}",
        "email": f"patient{n}@example.org",
        "given_name": f"Pat{n}",
        "family_name": "Tester",
    }


def new_case(payload=None, **patient) -> Case:
    payload = copy.deepcopy(payload or intake_payload())
    payload["patient"].update(patient or patient_fields())
    return Case.objects.get(intake=submit(payload))


def urgent_case(**patient) -> Case:
    return new_case(urgent_payload(item9=2), **(patient or patient_fields()))


def moderate_case(**patient) -> Case:
    """A case opened by a moderate flag only (GAD-7 anxiety, no TRD)."""
    payload = intake_payload(
        answers={"phq9": {**PHQ9_NO_RISK}, "gad7": {f"q{i}": 2 for i in range(1, 8)}},
        treatment_history={},
    )
    return new_case(payload, **(patient or patient_fields()))


def fresh(case: Case) -> Case:
    return Case.objects.select_related("assigned_to", "acknowledged_by", "status_changed_by").get(
        pk=case.pk
    )


QUEUE = "/admin/screening/case/"


def case_ids(response) -> list[str]:
    """Short case ids in the order the queue shows them."""
    return re.findall(
        r'class="field-case_ref">(?:<a href="[^"]+">)?<code>([0-9a-f]{8})</code>',
        response.content.decode(),
    )


def short(case) -> str:
    return short_id(case.pk)


def quiet_payload(**patient):
    """No flag at all: PHQ-9 minimal, no treatment history."""
    payload = intake_payload(
        answers={"phq9": {**PHQ9_NO_RISK, "q1": 0, "q2": 0, "q4": 0, "q6": 0, "q7": 0}},
        treatment_history={},
    )
    payload["patient"].update(patient)
    return payload


def psychotic_payload(source=None):
    payload = intake_payload()
    payload["treatment_history"]["psychotic_features"] = True
    if source is not None:
        payload["treatment_history"]["psychotic_features_source"] = source
    return payload


def page_url(case) -> str:
    return reverse("admin:screening_case_change", args=[case.pk])


@pytest.fixture
def clinician(client, cleo):
    """A logged-in clinician's client (modules may define their own)."""
    return login(client, cleo)
