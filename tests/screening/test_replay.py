"""screening_replay: reports flag changes of the current ruleset; only --apply writes."""

import pytest
from django.core.management import call_command

from clinical.rules import RULESET_VERSION
from intake.models import Intake
from screening.models import Flag, RunStatus, ScreeningRun
from tests.factories import intake_payload
from tests.intake.conftest import post


@pytest.fixture
def screened_intake(cora_api, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        intake_id = post(cora_api, intake_payload()).json()["id"]
    return Intake.objects.get(pk=intake_id)


@pytest.mark.django_db
def test_no_change_when_the_ruleset_agrees_with_the_record(screened_intake, capsys):
    call_command("screening_replay")
    out = capsys.readouterr().out
    assert "1 intakes evaluated" in out and "No flag would change." in out


@pytest.mark.django_db
def test_reports_flags_a_rule_change_would_add_and_remove(screened_intake, capsys):
    # The recorded run is from an older ruleset that raised `anxiety` but not `possible_trd`.
    run = ScreeningRun.objects.get(intake=screened_intake)
    ScreeningRun.objects.filter(pk=run.pk).update(ruleset_version="2025.9")
    Flag.objects.filter(run=run, code="possible_trd").delete()
    Flag.objects.create(
        intake=screened_intake,
        run=run,
        code="anxiety",
        level="moderate",
        summary="old rule",
        evidence=[],
    )
    call_command("screening_replay", "--since", "2020-01-01")
    out = capsys.readouterr().out
    assert "possible_trd: +1 newly flagged, -0 no longer" in out
    assert "anxiety: +0 newly flagged, -1 no longer" in out
    assert f"+ intake {screened_intake.pk}" in out
    assert "Dry run" in out
    assert not ScreeningRun.objects.filter(ruleset_version=RULESET_VERSION).exists()

    call_command("screening_replay", "--apply")
    current = ScreeningRun.objects.get(intake=screened_intake, ruleset_version=RULESET_VERSION)
    assert current.status == RunStatus.COMPLETE
    assert ScreeningRun.objects.filter(intake=screened_intake).count() == 2
    call_command("screening_replay", "--apply")  # idempotent
    assert ScreeningRun.objects.filter(intake=screened_intake).count() == 2


@pytest.mark.django_db
def test_a_bad_date_is_a_clear_error(db):
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("screening_replay", "--since", "yesterday")
