"""Issue 20 item 1 outside the rules: who reported psychotic features (API, FHIR), and the
clinician's confirmation on the case page (service, audit, re-staging, the admin POST).

Cases come from real submissions (screening runs on commit)."""

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from intake.models import Intake
from ops.audit import UPDATE
from screening import services
from screening.models import Flag, ScreeningRun
from tests.conftest import login
from tests.factories import intake_payload
from tests.intake.conftest import post
from tests.screening.conftest import new_case, psychotic_payload

pytestmark = pytest.mark.django_db


def run_of(intake) -> ScreeningRun:
    return ScreeningRun.objects.get(intake=intake)


def flag_codes(intake) -> set[str]:
    return set(Flag.objects.filter(run__intake=intake).values_list("code", flat=True))


def severity(intake) -> int:
    return run_of(intake).result["trd"]["maudsley"]["components"]["severity"]


# --- API ----------------------------------------------------------------------------------------


class TestApi:
    def test_a_report_without_a_source_is_a_self_report(self, cora_api, cleo_api):
        response = post(cora_api, psychotic_payload())
        assert response.status_code == 201, response.content
        intake = Intake.objects.get(pk=response.json()["id"])
        assert intake.psychotic_features_source == "self_report"
        body = cleo_api.get(f"/api/v1/intakes/{intake.pk}/").json()
        assert body["treatment_history"]["psychotic_features_source"] == "self_report"

    def test_clinician_source_is_kept(self, cora_api):
        response = post(cora_api, psychotic_payload("clinician"))
        assert response.status_code == 201, response.content
        intake = Intake.objects.get(pk=response.json()["id"])
        assert intake.psychotic_features_source == "clinician"

    def test_no_features_no_source(self, cora_api, cleo_api):
        response = post(cora_api, intake_payload())
        intake = Intake.objects.get(pk=response.json()["id"])
        assert intake.psychotic_features_source == ""
        body = cleo_api.get(f"/api/v1/intakes/{intake.pk}/").json()
        assert "psychotic_features_source" not in body["treatment_history"]

    def test_a_source_without_features_is_a_400_with_its_path(self, cora_api):
        payload = intake_payload()
        payload["treatment_history"]["psychotic_features_source"] = "clinician"
        response = post(cora_api, payload)
        assert response.status_code == 400
        assert response.json()["treatment_history"]["psychotic_features_source"] == [
            "Give a source only when psychotic_features is true."
        ]
        assert response.json()["treatment_history"]["psychotic_features_source"]

    def test_an_unknown_source_is_a_400(self, cora_api):
        response = post(cora_api, psychotic_payload("neighbour"))
        assert response.status_code == 400
        assert response.json()["treatment_history"]["psychotic_features_source"]

    def test_self_report_is_flagged_and_scored_from_the_phq9(self):
        intake = new_case(psychotic_payload()).intake
        assert "possible_psychotic_features" in flag_codes(intake)
        assert severity(intake) == 3  # contract PHQ-9 = 15

    def test_clinician_source_scores_five_without_the_review_flag(self):
        intake = new_case(psychotic_payload("clinician")).intake
        assert "possible_psychotic_features" not in flag_codes(intake)
        assert severity(intake) == 5

    def test_schema_documents_the_field(self, cleo_api):
        schema = cleo_api.get("/api/schema/")
        assert schema.status_code == 200
        assert "psychotic_features_source" in schema.content.decode()


# --- Confirmation on the case page --------------------------------------------------------------


class TestConfirmService:
    def test_confirm_restages_the_case(self, cleo):
        case = new_case(psychotic_payload())
        run_before = run_of(case.intake)
        assert severity(case.intake) == 3
        run = services.confirm_psychotic_features(case=case, by=cleo)
        intake = Intake.objects.get(pk=case.intake_id)
        assert intake.psychotic_features_source == "clinician"
        assert intake.psychotic_features_confirmed_by == cleo
        assert intake.psychotic_features_confirmed_at is not None
        assert run.pk == run_before.pk  # the current run, re-staged in place
        assert severity(intake) == 5
        assert "possible_psychotic_features" not in flag_codes(intake)
        assert "possible_trd" in flag_codes(intake)

    def test_confirmation_is_audited(self, cleo):
        case = new_case(psychotic_payload())
        services.confirm_psychotic_features(case=case, by=cleo)
        entry = LogEntry.objects.filter(
            object_pk=str(case.intake_id), action=UPDATE, actor=cleo
        ).get(additional_data__event="psychotic_features_confirmed")
        assert entry.additional_data["case"] == str(case.pk)
        assert "psychotic_features_source" in entry.changes_dict

    def test_nothing_to_confirm(self, cleo):
        case = new_case(intake_payload())
        with pytest.raises(services.NothingToConfirm):
            services.confirm_psychotic_features(case=case, by=cleo)
        assert Intake.objects.get(pk=case.intake_id).psychotic_features_source == ""

    def test_a_second_confirmation_changes_nothing(self, cleo):
        case = new_case(psychotic_payload())
        services.confirm_psychotic_features(case=case, by=cleo)
        with pytest.raises(services.NothingToConfirm):
            services.confirm_psychotic_features(case=case, by=cleo)

    def test_only_clinicians_confirm(self, cora):
        case = new_case(psychotic_payload())
        with pytest.raises(PermissionDenied):
            services.confirm_psychotic_features(case=case, by=cora)
        assert Intake.objects.get(pk=case.intake_id).psychotic_features_source == "self_report"


class TestConfirmOnTheCasePage:
    def test_button_posts_and_restages(self, client, cleo):
        case = new_case(psychotic_payload())
        login(client, cleo)
        page = reverse("admin:screening_case_change", args=[case.pk])
        html = client.get(page).content.decode()
        assert 'data-action="confirm_psychotic_features"' in html
        assert "psychotic features: patient self-report" in html
        url = reverse("admin:screening_case_review", args=[case.pk, "confirm_psychotic_features"])
        response = client.post(url, follow=True)
        assert "Psychotic features confirmed: the screening was re-staged." in (
            response.content.decode()
        )
        assert severity(case.intake) == 5
        html = client.get(page).content.decode()
        assert 'data-action="confirm_psychotic_features"' not in html
        assert "psychotic features: clinician-confirmed" in html

    def test_no_button_without_features(self, client, cleo):
        case = new_case(intake_payload())
        login(client, cleo)
        html = client.get(reverse("admin:screening_case_change", args=[case.pk])).content
        assert b'data-action="confirm_psychotic_features"' not in html


def test_schema_documents_the_incomplete_cssrs_keys(cleo_api):
    schema = cleo_api.get("/api/schema/").content.decode()
    assert "cssrs_complete" in schema and "cssrs_missing_items" in schema
