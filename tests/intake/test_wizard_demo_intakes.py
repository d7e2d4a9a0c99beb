"""The demo intakes for ``make run`` (demo.intakes): valid submissions, loaded once."""

import pytest

from demo.intakes import load_demo_intakes
from intake.models import Intake, PossibleMatch

pytestmark = pytest.mark.django_db


def test_demo_intakes_load_once_and_cover_the_main_paths():
    assert load_demo_intakes() == 7
    assert load_demo_intakes() == 0  # idempotent
    assert Intake.objects.count() == 7
    assert PossibleMatch.objects.count() == 1  # Maya again, through the wizard
    assert Intake.objects.filter(urgent=True).count() == 1
    assert {i.source for i in Intake.objects.all()} == {"web", "api"}
    minimal = Intake.objects.get(
        patient__external_id_index__isnull=False,
        responses__instrument="phq9",
        medication_trials__isnull=True,
        care_preferences={},
        sex_at_birth="unknown",
    )
    assert minimal.responses.count() == 1
