"""American Sign Language has one code, "ase" (ISO 639-3, what the intake form stores): the
label table knows no other, and the data migrations rewrite a stored "asl"."""

import importlib

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from intake.models import Intake
from ops.labels import LANGUAGE_CHOICES, LANGUAGES, label
from referrals.models import MatchListing
from tests.conftest import submit
from tests.factories import intake_payload
from tests.referrals.conftest import make_provider


def migrate(app: str, name: str) -> None:
    """Run the migration's data step against the models as they stand at that migration."""
    state = MigrationExecutor(connection).loader.project_state([(app, name)])
    importlib.import_module(f"{app}.migrations.{name}").forwards(state.apps, None)


def test_one_code_for_american_sign_language():
    assert ("ase", "American Sign Language") in LANGUAGE_CHOICES
    assert "asl" not in LANGUAGES
    assert label("language", "ase") == "American Sign Language"


@pytest.mark.django_db
def test_a_listing_stored_with_asl_is_rewritten_to_ase():
    provider = make_provider(languages=["en", "asl"])
    other = make_provider(languages=["en", "asl", "ase"])
    untouched = make_provider(languages=["es"])
    assert MatchListing.objects.get(provider=provider).languages == ["en", "asl"]

    migrate("referrals", "0005_sign_language_code_ase")

    for p, expected in [(provider, ["en", "ase"]), (other, ["en", "ase"]), (untouched, ["es"])]:
        p.refresh_from_db()
        assert p.languages == expected
        assert MatchListing.objects.get(provider=p).languages == expected


@pytest.mark.django_db
def test_a_patient_and_intake_stored_with_asl_are_rewritten_to_ase():
    payload = intake_payload()
    payload["patient"]["preferred_languages"] = ["asl"]
    payload["care_preferences"]["languages"] = ["en", "asl"]
    intake = submit(payload)
    kept = submit(intake_payload(), external_id="MRN-00043", email="ben@example.org")

    migrate("intake", "0011_sign_language_code_ase")

    intake = Intake.objects.select_related("patient").get(pk=intake.pk)
    assert intake.patient.preferred_languages == ["ase"]
    assert intake.care_preferences["languages"] == ["en", "ase"]
    kept = Intake.objects.select_related("patient").get(pk=kept.pk)
    assert kept.care_preferences["languages"] == ["en"]
