"""Existing data under the identity rules of 0005.

* Every intake gets its identity snapshot: the current values of its patient (nothing better
  exists: the values each intake was submitted with were overwritten by later ones). Only
  fields that hold a value are written, as a caller that sent them.
* Every patient gets its demographic blind index (name + birth date + ZIP).
* A patient with an external id gets the strong key of the user who submitted its first API
  intake (there were no organisations before), when no other patient holds that key.
"""

from django.db import migrations

from intake.crypto import demographic_index

BATCH = 500


def _values(patient) -> dict:
    values = {
        "external_id": patient.external_id,
        "given_name": patient.given_name,
        "family_name": patient.family_name,
        "birth_date": patient.birth_date.isoformat() if patient.birth_date else None,
        "sex_at_birth": patient.sex_at_birth,
        "email": patient.email,
        "phone": patient.phone,
        "state": patient.state,
        "postal_code": patient.postal_code,
        "preferred_languages": list(patient.preferred_languages or []),
    }
    values = {k: v for k, v in values.items() if v not in (None, "", [])}
    if patient.insurance_payer or patient.self_pay:
        values["insurance"] = {"payer": patient.insurance_payer, "self_pay": patient.self_pay}
    return values


def forwards(apps, schema_editor):
    Patient = apps.get_model("intake", "Patient")
    Intake = apps.get_model("intake", "Intake")
    IntakeIdentity = apps.get_model("intake", "IntakeIdentity")
    PatientKey = apps.get_model("intake", "PatientKey")
    taken = set(PatientKey.objects.values_list("partner", "external_id_index"))
    patients = []
    for patient in Patient.objects.order_by("pk").iterator(chunk_size=BATCH):
        values = _values(patient)
        patient.demographic_index = demographic_index(
            patient.given_name, patient.family_name, patient.birth_date, patient.postal_code
        )
        patients.append(patient)
        intakes = Intake.objects.filter(patient_id=patient.pk).order_by("submitted_at")
        identities = [
            IntakeIdentity(intake_id=pk, values=dict(values))
            for pk in intakes.exclude(identity__isnull=False).values_list("pk", flat=True)
        ]
        IntakeIdentity.objects.bulk_create(identities)
        if patient.external_id_index:
            first = intakes.filter(source="api", submitted_by__isnull=False).first()
            if first is not None:
                key = (f"user:{first.submitted_by_id}", patient.external_id_index)
                if key not in taken:
                    taken.add(key)
                    PatientKey.objects.create(
                        partner=key[0], external_id_index=key[1], patient_id=patient.pk
                    )
        if len(patients) == BATCH:
            Patient.objects.bulk_update(patients, ["demographic_index"])
            patients = []
    if patients:
        Patient.objects.bulk_update(patients, ["demographic_index"])


class Migration(migrations.Migration):
    dependencies = [("intake", "0005_identity_snapshots")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
