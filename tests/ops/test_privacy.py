"""export_patient and erase_patient: complete, audited, and erasure keeps the statistics."""

import json

import pytest
from auditlog.models import LogEntry
from django.core.management import CommandError, call_command
from django.db import connection

from intake.models import Intake, Patient
from screening.models import CaseNote, Flag, ScreeningRun
from tests.factories import intake_payload
from tests.intake.test_api_intakes import post


@pytest.fixture
def ada(cora_api, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        post(cora_api, intake_payload())
    return Patient.objects.get()


@pytest.mark.django_db
def test_export_holds_every_intake_as_submitted_and_is_audited(ada, cleo, tmp_path):
    out = tmp_path / "ada.json"
    call_command(
        "export_patient", "--external-id", "MRN-00042", "--by", "cleo", "--output", str(out)
    )
    data = json.loads(out.read_text())
    assert data["patient_id"] == str(ada.pk)
    [intake] = data["intakes"]
    assert intake["patient"]["given_name"] == "Ada"
    assert intake["answers"] == intake_payload()["answers"]
    assert intake["screening"]["status"] == "complete"
    entry = LogEntry.objects.get(object_pk=str(ada.pk), action=LogEntry.Action.ACCESS)
    assert entry.actor == cleo and entry.additional_data["view"] == "export_patient"


@pytest.mark.django_db
def test_export_needs_a_clinician(ada, cora):
    with pytest.raises(CommandError):
        call_command("export_patient", "--patient-id", str(ada.pk), "--by", "cora")


@pytest.mark.django_db
def test_erasure_removes_identity_and_keeps_the_screening(ada, root, cleo):
    intake = Intake.objects.get()
    CaseNote.objects.create(case=intake.case, author=cleo, text="Spoke to Ada Rivera")
    flags_before = set(Flag.objects.values_list("code", flat=True))
    call_command("erase_patient", "--email", "ada@example.org", "--by", "root", "--yes")

    ada.refresh_from_db()
    for field in (
        "external_id",
        "given_name",
        "family_name",
        "birth_date",
        "email",
        "phone",
        "postal_code",
        "external_id_index",
        "email_index",
    ):
        assert getattr(ada, field) is None, field
    assert ada.erased_at is not None
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM intake_patient")
        raw = json.dumps(cursor.fetchall(), default=str)
    for plaintext in ("Ada", "Rivera", "ada@example.org", "MRN-00042", "10027"):
        assert plaintext not in raw
    assert CaseNote.objects.get().text == "[erased]"
    # The non-identifying record stays: age, sex, state, answers, scores, flags.
    intake.refresh_from_db()
    assert intake.age_years >= 18 and intake.state == "NY"
    assert ScreeningRun.objects.get(intake=intake).result["scores"]["phq9"]["total"] == 15
    assert set(Flag.objects.values_list("code", flat=True)) == flags_before
    entry = LogEntry.objects.filter(object_pk=str(ada.pk)).latest("timestamp")
    assert entry.actor == root and entry.additional_data["event"] == "erasure"
    assert "Ada" not in json.dumps(entry.changes)


@pytest.mark.django_db
def test_erasure_is_for_superusers_only(ada, cleo):
    with pytest.raises(CommandError):
        call_command("erase_patient", "--patient-id", str(ada.pk), "--by", "cleo", "--yes")
    assert Patient.objects.get().given_name == "Ada"
