"""The audit trail and staff logins: PHI-free change diffs, access entries, the superuser's
access-by-user report, axes lockout, and two-factor login required only in production."""

import pytest
from auditlog.models import LogEntry
from auditlog.registry import auditlog
from django.db import connection
from django.test import Client
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice
from encrypted_fields.fields import EncryptedFieldMixin

from intake.linking import patient_edit
from intake.models import Intake, Patient
from ops.audit import MASK, access_by_user
from screening import review
from tests.conftest import login, submit
from tests.factories import intake_payload
from tests.screening.conftest import new_case

ADA = {
    "external_id": "MRN-00042",
    "given_name": "Ada",
    "family_name": "Rivera",
    "email": "ada@example.org",
    "phone": "+1 212 555 0100",
    "postal_code": "10027",
    "birth_date": "1986-03-14",
}
PHI_STRINGS = (
    "MRN-00042",
    "Ada",
    "Rivera",
    "ada@example.org",
    "212 555",
    "10027",
    "1986-03-14",
    "1986",
    "0199",
)


def all_log_text() -> str:
    return " ".join(
        f"{e.object_repr} {e.changes} {e.changes_text} {e.additional_data} {e.serialized_data}"
        for e in LogEntry.objects.all()
    )


@pytest.mark.django_db
class TestChangesCarryNoPhi:
    def test_every_encrypted_patient_field_is_masked_or_excluded(self):
        fields = auditlog.get_model_fields(Patient)
        encrypted = {f.name for f in Patient._meta.fields if isinstance(f, EncryptedFieldMixin)}
        assert encrypted <= set(fields["mask_fields"]) | set(fields["exclude_fields"])
        assert {"email_index", "external_id_index"} <= set(fields["exclude_fields"])

    def test_creating_and_updating_a_patient_logs_masked_diffs(self, cora, cleo):
        submit(intake_payload(), by=cora)
        updated = intake_payload()
        updated["patient"]["phone"] = "+1 212 555 0199"
        submit(updated, by=cora)  # linked on the strong key: the stored phone is not touched
        patient = Patient.objects.get()
        assert patient.phone == "+1 212 555 0100"
        revision = patient_edit(patient=patient, by=cleo, changes={"phone": "+1 212 555 0199"})
        rows = LogEntry.objects.get_for_object(patient).order_by("pk")
        assert [r.action for r in rows] == [LogEntry.Action.CREATE, LogEntry.Action.UPDATE]
        assert rows[1].changes_dict["phone"] == [MASK, MASK]  # that it changed, not what
        assert rows[1].actor == cleo and rows[1].additional_data["event"] == "patient_edit"
        assert rows[0].changes_dict["email"] == [MASK, MASK]
        # The old value is kept, encrypted, beside the audit row.
        revision.refresh_from_db()
        assert revision.old_values == {"phone": "+1 212 555 0100"}
        with connection.cursor() as cursor:
            cursor.execute("SELECT old_values FROM intake_patientrevision")
            (raw,) = cursor.fetchone()
        assert "555" not in str(raw)
        text = all_log_text()
        for phi in PHI_STRINGS:
            assert phi not in text, phi

    def test_intake_creation_logs_workflow_fields_only(self):
        intake = submit(intake_payload())
        row = LogEntry.objects.get_for_object(intake).get(action=LogEntry.Action.CREATE)
        assert set(row.changes_dict) <= {
            "patient",
            "status",
            "source",
            "submitted_by",
            "consent_screening",
            "privacy_notice_version",
            # Who reported psychotic features and who confirmed them: the review trail of a
            # clinician's confirmation (codes and a user, never the patient's answers).
            "psychotic_features_source",
            "psychotic_features_confirmed_by",
            "psychotic_features_confirmed_at",
        }
        assert "safety" not in row.changes_dict and "care_preferences" not in row.changes_dict

    def test_no_ip_address_is_stored(self, client, cleo):
        case = new_case()
        login(client, cleo).get(reverse("admin:screening_case_change", args=[case.pk]))
        assert not LogEntry.objects.exclude(remote_addr=None).exists()

    def test_review_free_text_is_masked(self, cleo):
        case = new_case()
        review.case_start_review(case=case, by=cleo)
        review.case_dismiss(case=case, by=cleo, reason="Ada Rivera is a duplicate")
        note = review.case_add_note(case=case, by=cleo, text="Ada said she is safe")
        assert note.pk
        text = all_log_text()
        assert "Ada" not in text and "Rivera" not in text and "safe" not in text


@pytest.mark.django_db
class TestAccessLog:
    def test_case_and_intake_views_are_recorded(self, client, cleo):
        case = new_case()
        login(client, cleo)
        client.get(reverse("admin:screening_case_change", args=[case.pk]))
        client.get(reverse("admin:intake_intake_change", args=[case.intake_id]))
        views = LogEntry.objects.filter(action=LogEntry.Action.ACCESS).order_by("pk")
        assert [
            (v.content_type.model, v.object_pk, v.actor, v.additional_data["view"]) for v in views
        ] == [
            ("case", str(case.pk), cleo, "case page"),
            ("intake", str(case.intake_id), cleo, "intake page"),
        ]
        assert all(v.timestamp for v in views)

    def test_a_forbidden_view_is_not_an_access(self, client, dirk):
        case = new_case()
        login(client, dirk).get(reverse("admin:screening_case_change", args=[case.pk]))
        assert not LogEntry.objects.filter(action=LogEntry.Action.ACCESS).exists()

    def test_the_queue_list_itself_is_not_logged_per_row(self, client, cleo):
        new_case()
        login(client, cleo).get("/admin/screening/case/")
        assert not LogEntry.objects.filter(action=LogEntry.Action.ACCESS).exists()


@pytest.mark.django_db
class TestAccessByUser:
    URL = "/admin/audit/access-by-user/"

    def test_superuser_lists_access_by_user_and_one_users_views(self, cleo, cleo2, root):
        case = new_case()
        page = reverse("admin:screening_case_change", args=[case.pk])
        for user, times in ((cleo, 2), (cleo2, 1)):
            client = login(Client(), user)
            for _ in range(times):
                client.get(page)
        assert [(s.username, s.views) for s in access_by_user()] == [("cleo", 2), ("cleo2", 1)]
        admin = login(Client(), root)
        summary = admin.get(self.URL).content.decode()
        assert f'href="?user={cleo.pk}">cleo</a>' in summary
        detail = admin.get(self.URL, {"user": cleo.pk}).content.decode()
        assert detail.count(str(case)) == 2 and "case page" in detail
        assert "Access by user" in admin.get("/admin/").content.decode()

    @pytest.mark.parametrize("user", ["\u00b2", "x", "-1"])
    def test_an_odd_user_id_is_a_404_not_a_500(self, root, user):
        """ "²" passes str.isdigit() and fails int()."""
        assert login(Client(), root).get(self.URL, {"user": user}).status_code == 404

    @pytest.mark.parametrize("persona", ["cora", "cleo", "dirk"])
    def test_only_superusers(self, request, persona):
        client = login(Client(), request.getfixturevalue(persona))
        assert client.get(self.URL).status_code == 403

    def test_a_clinician_sees_the_case_access_history(self, client, cleo, cleo2):
        case = new_case()
        page = reverse("admin:screening_case_change", args=[case.pk])
        login(Client(), cleo2).get(page)
        body = login(client, cleo).get(page).content.decode()
        access = body[body.index('id="access"') :]
        assert "<td>cleo2</td>" in access and "<td>cleo</td>" in access


@pytest.mark.django_db
class TestStaffLogin:
    def test_axes_locks_out_after_repeated_failures(self, client, cleo, settings):
        for _ in range(settings.AXES_FAILURE_LIMIT):
            client.post("/admin/login/", {"username": "cleo", "password": "wrong"})
        response = client.post(
            "/admin/login/?next=/admin/", {"username": "cleo", "password": "pw-cleo"}
        )
        assert response.status_code == 429  # locked out, even with the right password
        assert "_auth_user_id" not in client.session

    def test_a_forged_forwarded_for_header_does_not_reset_the_count(self, cleo, settings):
        """Without proxies (NUM_PROXIES 0) X-Forwarded-For is the caller's own to set; a new
        value on every guess must not make a new (username, address) pair for axes."""
        for n in range(settings.AXES_FAILURE_LIMIT):
            Client(HTTP_X_FORWARDED_FOR=f"192.0.2.{n}").post(
                "/admin/login/", {"username": "cleo", "password": "wrong"}
            )
        response = Client(HTTP_X_FORWARDED_FOR="192.0.2.99").post(
            "/admin/login/?next=/admin/", {"username": "cleo", "password": "pw-cleo"}
        )
        assert response.status_code == 429

    def test_behind_a_proxy_one_address_locked_out_is_not_everyone(self, cleo, settings):
        """NUM_PROXIES 1: every login arrives from the proxy; someone guessing cleo's password
        from one address must not lock cleo out at her own desk."""
        settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}

        def behind_proxy(address):
            return Client(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=address)

        guesser = behind_proxy("203.0.113.66")
        for _ in range(settings.AXES_FAILURE_LIMIT):
            guesser.post("/admin/login/", {"username": "cleo", "password": "wrong"})
        right = {"username": "cleo", "password": "pw-cleo"}
        assert guesser.post("/admin/login/?next=/admin/", right).status_code == 429
        at_her_desk = behind_proxy("198.51.100.20")
        assert at_her_desk.post("/admin/login/?next=/admin/", right).status_code == 302

    def test_demo_login_without_two_factor(self, client, cleo, settings):
        settings.PRODUCTION = False
        response = client.post(
            "/admin/login/?next=/admin/", {"username": "cleo", "password": "pw-cleo"}
        )
        assert response.status_code == 302
        assert client.get("/admin/screening/case/").status_code == 200

    def test_production_requires_a_verified_second_factor(self, client, cleo, settings):
        settings.PRODUCTION = True
        login(client, cleo)  # password only
        response = client.get("/admin/screening/case/")
        assert response.status_code == 302
        assert response["Location"].startswith("/admin/login/")
        response = client.get("/admin/login/?next=/admin/")
        assert response.status_code == 302  # no device yet: set one up first
        assert response["Location"].startswith(reverse("two_factor:setup"))
        assert client.get(reverse("two_factor:setup")).status_code == 200

        device = TOTPDevice.objects.create(user=cleo, name="phone", confirmed=True)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
        assert client.get("/admin/screening/case/").status_code == 200

    def test_production_password_login_page_is_the_two_factor_wizard(self, client, settings):
        settings.PRODUCTION = True
        response = client.get("/admin/screening/case/")
        assert response["Location"].startswith("/admin/login/")
        response = client.get(response["Location"])
        assert response["Location"] == (
            reverse("two_factor:login") + "?next=/admin/screening/case/"
        )
        response = client.get(reverse("two_factor:login"))
        assert response.status_code == 200
        assert b'name="auth-username"' in response.content


@pytest.mark.django_db
def test_intake_pages_are_audited_for_coordinators_too(client, cora):
    intake = submit(intake_payload(), by=cora)
    login(client, cora).get(reverse("admin:intake_intake_change", args=[intake.pk]))
    entry = LogEntry.objects.get(action=LogEntry.Action.ACCESS)
    assert entry.actor == cora and entry.object_pk == str(intake.pk)
    assert Intake.objects.filter(pk=intake.pk).exists()
