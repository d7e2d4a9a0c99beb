"""export_patient and erase_patient: complete, audited, and erasure keeps the statistics."""

import json

import pytest
from auditlog.models import LogEntry
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from django.db import connection
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from intake.linking import patient_edit
from intake.models import (
    Intake,
    IntakeIdentity,
    Patient,
    PatientKey,
    PatientRevision,
    PossibleMatch,
)
from ops import roles
from screening.models import Case, CaseNote, Flag, SafetyEvent, ScreeningRun
from tests.factories import intake_payload, urgent_payload
from tests.intake.conftest import post


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


@pytest.fixture
def ada_with_identity_rows(ada, cleo, django_user_model, django_capture_on_commit_callbacks):
    """Ada plus: a look-alike intake from another caller (a possible match with Ada), a staff
    edit of her record (old values kept), and her partner's strong key."""

    other = django_user_model.objects.create_user(username="other-coord", is_staff=True)
    other.groups.add(Group.objects.get(name=roles.INTAKE_COORDINATOR))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=other).key}")
    with django_capture_on_commit_callbacks(execute=True):
        body = intake_payload()
        body["patient"].pop("external_id")
        post(client, body)
    patient_edit(patient=ada, by=cleo, changes={"phone": "+1 212 555 0199"})
    return ada


@pytest.mark.django_db
def test_export_holds_the_record_its_edits_and_possible_matches(
    ada_with_identity_rows, cleo, tmp_path
):
    ada = ada_with_identity_rows
    out = tmp_path / "ada.json"
    call_command(
        "export_patient", "--patient-id", str(ada.pk), "--by", "cleo", "--output", str(out)
    )
    data = json.loads(out.read_text())
    assert data["record"]["phone"] == "+1 212 555 0199"
    assert data["record_edits"][0]["old_values"] == {"phone": "+1 212 555 0100"}
    [match] = data["possible_matches"]
    assert match["patient"] == str(ada.pk) and match["status"] == "open"
    assert data["intakes"][0]["patient"]["phone"] == "+1 212 555 0100"  # as submitted


@pytest.mark.django_db
def test_erasure_covers_snapshots_edits_keys_and_possible_matches(ada_with_identity_rows, root):

    ada = ada_with_identity_rows
    own = Intake.objects.get(patient=ada)
    call_command("erase_patient", "--patient-id", str(ada.pk), "--by", "root", "--yes")
    assert IntakeIdentity.objects.get(intake=own).values == {}
    assert IntakeIdentity.objects.get(intake=own).erased_at is not None
    assert PatientRevision.objects.get(patient=ada).old_values == {}
    assert not PatientKey.objects.filter(patient=ada).exists()
    assert not PossibleMatch.objects.exists()
    ada.refresh_from_db()
    assert ada.demographic_index is None
    # The look-alike intake (someone else's submission) keeps its own identity.
    look_alike = Intake.objects.exclude(pk=own.pk).get()
    assert look_alike.identity.values["given_name"] == "Ada"


@pytest.fixture
def ada_after_a_rejected_submission(cora_api, django_capture_on_commit_callbacks):
    """Issue 16: a submission with item 9 = 3 rejected for an unknown drug (a safety event
    and an urgent case), then the corrected retry (which joins that case); and a rejected
    submission about someone else, never corrected."""
    rejected = urgent_payload(item9=3)
    rejected["treatment_history"]["medication_trials"][0]["medication"] = "sertralin"
    someone_else = urgent_payload(item9=2, external_id="MRN-77777", email="bo@example.org")
    someone_else["treatment_history"]["current_episode_months"] = "fourteen"
    with django_capture_on_commit_callbacks(execute=True):
        assert post(cora_api, rejected).status_code == 400
        assert post(cora_api, someone_else).status_code == 400
        assert post(cora_api, urgent_payload(item9=3)).status_code == 201
    return Patient.objects.get(), rejected


@pytest.mark.django_db
def test_export_holds_the_safety_events_joined_to_the_intakes(
    ada_after_a_rejected_submission, cleo, root, tmp_path
):
    ada, rejected = ada_after_a_rejected_submission
    intake = Intake.objects.get()
    event = SafetyEvent.objects.get(intake=intake)
    out = tmp_path / "ada.json"
    call_command(
        "export_patient", "--patient-id", str(ada.pk), "--by", "cleo", "--output", str(out)
    )
    data = json.loads(out.read_text())
    [exported] = data["safety_events"]  # not the other person's rejected submission
    assert exported["id"] == str(event.pk) and exported["source"] == "api"
    assert exported["intake"] == str(intake.pk)
    assert exported["case"] == str(Case.objects.get(intake=intake).pk)
    assert exported["risk_level"] == event.risk_level
    assert exported["answers"] == {"phq9": rejected["answers"]["phq9"]}
    assert exported["safety"]["urgent"] is True
    kept = exported["rejected_submission"]  # decrypted: the body as sent and why it was refused
    assert kept["sent"] == rejected
    assert kept["patient"]["email"] == "ada@example.org"
    assert kept["errors"]["treatment_history"]["medication_trials"]["0"]["medication"]
    assert exported["body_purged_at"] is None and exported["body_expires_at"]

    # After erasure the export still lists the event, without the body.
    call_command("erase_patient", "--patient-id", str(ada.pk), "--by", "root", "--yes")
    call_command(
        "export_patient", "--patient-id", str(ada.pk), "--by", "cleo", "--output", str(out)
    )
    [exported] = json.loads(out.read_text())["safety_events"]
    assert exported["rejected_submission"] is None and exported["body_purged_at"]
    assert exported["answers"] == {"phq9": rejected["answers"]["phq9"]}
