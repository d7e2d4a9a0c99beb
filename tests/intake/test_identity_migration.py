"""Migrations 0005/0006 on a populated database: today's patients become the snapshots of
their intakes, nothing is lost, and a partner's external id becomes its strong key."""

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from intake.crypto import blind_index, demographic_index

BEFORE = [("intake", "0004_idempotency_key_digest")]
AFTER = [("intake", "0006_identity_snapshots_data")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_existing_patients_become_snapshots_of_their_intakes(django_user_model):
    old = migrate(BEFORE)
    try:
        User = old.get_model("auth", "User")
        Patient = old.get_model("intake", "Patient")
        Intake = old.get_model("intake", "Intake")
        cora = User.objects.create(username="cora-old", is_staff=True)
        ada = Patient.objects.create(
            external_id="MRN-00042",
            external_id_index=blind_index("external_id", "MRN-00042"),
            given_name="Ada",
            family_name="Rivera",
            birth_date=datetime.date(1986, 3, 14),
            sex_at_birth="female",
            email="ada@example.org",
            email_index=blind_index("email", "ada@example.org"),
            phone="+1 212 555 0100",
            state="NY",
            postal_code="10027",
            preferred_languages=["en"],
            insurance_payer="aetna",
        )
        bo = Patient.objects.create(  # from the web wizard: no external id, no phone
            given_name="Bo",
            family_name="Lee",
            birth_date=datetime.date(1990, 1, 2),
            sex_at_birth="male",
            email="bo@example.org",
            state="CA",
        )
        common = {
            "consent_screening": True,
            "privacy_notice_version": "2026-01",
            "age_years": 40,
        }
        ada_intakes = [
            Intake.objects.create(
                patient=ada,
                source="api",
                submitted_by=cora,
                sex_at_birth="female",
                state="NY",
                **common,
            )
            for _ in range(2)
        ]
        # Another person the same user later sent under the same external id: no key.
        bea = Patient.objects.create(
            external_id="MRN-00042",
            external_id_index=blind_index("external_id", "MRN-00042"),
            given_name="Bea",
            birth_date=datetime.date(1990, 7, 1),
            sex_at_birth="female",
            state="NY",
        )
        Intake.objects.create(
            patient=bea,
            source="api",
            submitted_by=cora,
            sex_at_birth="female",
            state="NY",
            **common,
        )
        bo_intake = Intake.objects.create(
            patient=bo, source="web", sex_at_birth="male", state="CA", **common
        )

        new = migrate(AFTER)
        Identity = new.get_model("intake", "IntakeIdentity")
        PatientKey = new.get_model("intake", "PatientKey")
        NewPatient = new.get_model("intake", "Patient")
        assert Identity.objects.count() == 4
        for intake in ada_intakes:
            values = Identity.objects.get(intake_id=intake.pk).values
            assert values == {
                "external_id": "MRN-00042",
                "given_name": "Ada",
                "family_name": "Rivera",
                "birth_date": "1986-03-14",
                "sex_at_birth": "female",
                "email": "ada@example.org",
                "phone": "+1 212 555 0100",
                "state": "NY",
                "postal_code": "10027",
                "preferred_languages": ["en"],
                "insurance": {"payer": "aetna", "self_pay": False},
            }
        bo_values = Identity.objects.get(intake_id=bo_intake.pk).values
        assert bo_values == {
            "given_name": "Bo",
            "family_name": "Lee",
            "birth_date": "1990-01-02",
            "sex_at_birth": "male",
            "email": "bo@example.org",
            "state": "CA",
        }
        # Nothing lost from the patients; Ada's partner key is the submitting user's.
        stored = NewPatient.objects.get(pk=ada.pk)
        assert (stored.given_name, stored.phone, stored.postal_code) == (
            "Ada",
            "+1 212 555 0100",
            "10027",
        )
        assert stored.demographic_index == demographic_index(
            "Ada", "Rivera", datetime.date(1986, 3, 14), "10027"
        )
        key = PatientKey.objects.get()
        assert (key.partner, key.patient_id) == (f"user:{cora.pk}", ada.pk)
        assert key.external_id_index == blind_index("external_id", "MRN-00042")
        # The snapshots are encrypted at rest.
        with connection.cursor() as cursor:
            cursor.execute('SELECT "values" FROM intake_intakeidentity')
            raw = " ".join(str(row[0]) for row in cursor.fetchall())
        assert "Rivera" not in raw and "ada@example.org" not in raw
    finally:
        migrate(migrate_latest())


def migrate_latest():
    executor = MigrationExecutor(connection)
    return executor.loader.graph.leaf_nodes()
